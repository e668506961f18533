"""Per-image test results as tables for the verdict: each run's correctness on every test
image (from its saved predictions), and per pair of activations the variance of their
difference when the seeds and the test images are both samples (`image_statistics`).
"""

import numpy as np

from activation_comparison.verdict import image_statistics


def correctness(record: dict, classes: int) -> np.ndarray | None:
    """Per test image, 1.0 where the run was right; None for a diverged run (it has no
    predictions: `image_table` puts it at chance) or without recorded predictions."""
    if record.get("status") == "diverged":
        return None
    predictions = record.get("test_predictions")
    if not predictions:
        return None
    labels = np.asarray(predictions["label"])
    return (np.asarray(predictions["predicted"]) == labels).astype(float)


def image_table(records: list[dict], order: list[str], classes: int) -> dict[str, dict[int, np.ndarray]] | None:
    """Activation -> {seed: per-image correctness}, or None unless every finished run of
    these activations has predictions over the same number of images.

    A diverged run is 1 / classes on every image: its expected correctness, as its accuracy.
    """
    finished = [r for r in records if r["activation"] in order and r.get("status") == "finished"]
    tables = {name: {} for name in order}
    sizes = set()
    for record in finished:
        correct = correctness(record, classes)
        if correct is None:
            return None
        sizes.add(len(correct))
        tables[record["activation"]][int(record["seed"])] = correct
    if len(sizes) != 1:
        return None
    (images,) = sizes
    for record in records:
        if record["activation"] in order and record.get("status") == "diverged":
            tables[record["activation"]][int(record["seed"])] = np.full(images, 1.0 / classes)
    return tables


def image_inclusive_pairs(tables: dict[str, dict[int, np.ndarray]], ranked: list[str]) -> dict[str, np.ndarray]:
    """(K, K) arrays of the crossed (seed x image) standard error, its degrees of freedom, the
    images' share of the variance and the image part of the variance, per pair of `ranked`."""
    count = len(ranked)
    result = {key: np.full((count, count), np.nan) for key in ("se", "df", "image_share", "image_variance")}
    for i, first in enumerate(ranked):
        for j, second in enumerate(ranked):
            if j <= i:
                continue
            seeds = sorted(set(tables[first]) & set(tables[second]))
            if len(seeds) < 2:
                continue
            differences = np.stack([tables[first][seed] - tables[second][seed] for seed in seeds])
            crossed = image_statistics.crossed_variance_of(differences)
            for key, value in (("se", np.sqrt(crossed["variance"])), ("df", crossed["df"]),
                               ("image_share", crossed["image_share"]),
                               ("image_variance", crossed["image_variance"])):  # fmt: skip
                result[key][i, j] = result[key][j, i] = float(value)
    return result
