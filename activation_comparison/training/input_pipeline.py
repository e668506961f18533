"""The images a run sees, in the order it sees them: one input pipeline per run.

Each epoch's order is a permutation drawn from (seed, epoch) alone, so a resumed run sees
exactly the batches an uninterrupted one would. The whole run is one `tf.data` pipeline
that `fit()` iterates once, and its evaluation sets are pipelines of fixed batches.

tf.data's autotuning is switched off in every pipeline. Its model thread sleeps for an
optimisation period that doubles as the iterator lives, and destroying the iterator waits
for that sleep to end: with Keras' own pipelines (one per `fit()` call on NumPy arrays,
one per validation pass) about 20 s at the end of some 25-second epochs, and nothing in
the progress line showed it (benchmarks/bench_epoch.py measures it). Without autotuning
the pipeline runs the same ops with a fixed prefetch, and its teardown is immediate.
"""

import math

import numpy as np

# Two batches ahead keep the next step's input ready while one is in use.
PREFETCH_BATCHES = 2


def epoch_order(seed: int, epoch: int, count: int) -> np.ndarray:
    """The order in which epoch `epoch` (1-based) of run `seed` sees `count` images."""
    return np.random.default_rng([seed, epoch]).permutation(count)


def batches_per_epoch(count: int, batch_size: int) -> int:
    """Full batches and a last, partial one, as Keras batches NumPy arrays."""
    return math.ceil(count / batch_size)


def without_autotuning(dataset):
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    # The pipeline is already what it should be; rewriting it only costs start-up time.
    options.experimental_optimization.apply_default_optimizations = False
    return dataset.with_options(options)


def training_batches(x: np.ndarray, y: np.ndarray, seed: int, epochs: range, batch_size: int):
    """Every batch of `epochs` (e.g. range(3, 13) when resuming after epoch 2), in order.

    Batch k of an epoch holds images order[k * batch_size:(k + 1) * batch_size] of that
    epoch's `epoch_order`, the last batch the remainder: the batches `fit()` makes of the
    reordered arrays with shuffle=False.
    """
    import tensorflow as tf

    orders = np.stack([epoch_order(seed, epoch, len(x)) for epoch in epochs])
    images, labels = tf.constant(x), tf.constant(y)
    indices = tf.data.Dataset.from_tensor_slices(orders).flat_map(
        lambda order: tf.data.Dataset.from_tensor_slices(order).batch(batch_size)
    )
    batches = indices.map(lambda index: (tf.gather(images, index), tf.gather(labels, index)))
    return without_autotuning(batches.prefetch(PREFETCH_BATCHES))


def evaluation_batches(x: np.ndarray, y: np.ndarray, batch_size: int):
    """`x` and `y` in their own order, in batches of `batch_size` (the last one partial)."""
    import tensorflow as tf

    batches = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)
    return without_autotuning(batches.prefetch(PREFETCH_BATCHES))
