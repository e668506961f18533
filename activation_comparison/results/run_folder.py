"""One configuration's folder: where each run's files live and its config.json; the
histories are `history_files`'.

A folder is named by `ExperimentConfig.run_name()` and holds runs of exactly one setting
and one dataset; it refuses to mix in others.
"""

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import keras

from activation_comparison.setup import hardware
from activation_comparison.results import storage
from activation_comparison.setup.config import ExperimentConfig, UsageError, margin_points
from activation_comparison.setup.data import Dataset

FINAL_STATUSES = ("finished", "diverged")


@dataclass(frozen=True)
class RunPaths:
    history_json: Path
    history_csv: Path
    predictions_csv: Path
    checkpoint: Path
    lock: Path

    @classmethod
    def of(cls, run_dir: Path, activation: str, seed: int) -> "RunPaths":
        stem = f"{activation}_seed{seed}"
        return cls(
            history_json=run_dir / "histories" / f"{stem}.json",
            history_csv=run_dir / "histories" / f"{stem}.csv",
            predictions_csv=run_dir / "histories" / f"{stem}_predictions.csv",
            checkpoint=run_dir / "checkpoints" / f"{stem}.npz",
            lock=run_dir / "checkpoints" / f"{stem}.lock",
        )


def read_json_or_refuse(path: Path) -> dict | None:
    """A result file, None when missing; a damaged one is a one-line error, never skipped."""
    try:
        return storage.read_json(path)
    except ValueError:
        raise UsageError(
            f"{path} is damaged (not valid JSON); move it away or delete it "
            "(for a history file, that run is then trained again)"
        ) from None


def open_run_folder(
    results_dir: Path, config: ExperimentConfig, data: Dataset, command: str, threads: int | None = None,
    design: dict | None = None,
) -> Path:
    """Create or reopen the folder for `config`, check it holds the same settings and data,
    and record this command in its config.json. Refused commands change nothing.

    `design` is a `--seeds auto` folder's plan (looks, alpha spending, margin, activations):
    written with the folder's first command, and a later command with another plan is
    refused, so that no rerun can change the looks after runs were seen."""
    run_dir = Path(results_dir) / config.run_name()
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(
            f"results folder {results_dir} is not writable ({error.strerror}); "
            "choose another with --results-dir"
        ) from None
    # Under the folder's lock, so that two processes opening it at once check each other's
    # config.json rather than both writing a first one.
    with storage.file_lock(run_dir):
        previous = read_json_or_refuse(run_dir / "config.json")
        if previous:
            refuse_other_settings_or_data(run_dir, previous, config, data)
            refuse_other_design(run_dir, previous.get("design"), design)
            say_machine_change(run_dir, previous, threads)
        try:
            for folder in (run_dir / "histories", run_dir / "checkpoints"):
                folder.mkdir(exist_ok=True)
            probe = storage.temporary_path(run_dir / "write-test")
            probe.write_text("")
            probe.unlink()
        except OSError as error:
            raise UsageError(
                f"results folder {results_dir} is not writable ({error.strerror}); "
                "choose another with --results-dir"
            ) from None
        storage.remove_stale_temporaries(run_dir)
        write_config(run_dir, previous or {}, config, data, command, threads, design)
    return run_dir


# The one part of a design that may differ on a rerun: which version of the method takes the
# looks. Each look taken records its own version (`record_looks`).
VERSION_KEY = "method_version"


def refuse_other_design(run_dir: Path, recorded: dict | None, design: dict | None) -> None:
    if recorded is None or design is None or without_version(recorded) == without_version(design):
        return
    looks = ", ".join(map(str, recorded["looks"]))
    raise UsageError(
        f"{run_dir} was planned with --seeds auto for {' '.join(recorded['activations'])}, looks at {looks} "
        f"seeds and --margin {margin_points(recorded['margin']):g}; its plan is fixed: rerun with those settings, "
        "or use another --results-dir"
    )


def refuse_other_settings_or_data(run_dir: Path, previous: dict, config, data: Dataset) -> None:
    recorded_sha = previous.get("data", {}).get("content_sha256")
    if recorded_sha not in (None, data.content_sha256()):
        raise UsageError(
            f"{run_dir} holds results made from different data than {data.source}; "
            "use another --results-dir to keep both"
        )
    recorded = ExperimentConfig.identity(previous.get("config", {}))
    current = ExperimentConfig.identity(dataclasses.asdict(config))
    differing = [key for key in current if key in recorded and recorded[key] != current[key]]
    if differing:
        key = differing[0]
        raise UsageError(
            f"{run_dir} holds runs with {key}={recorded[key]}, not {current[key]}; "
            "use another --results-dir to keep both"
        )


def without_version(design: dict) -> dict:
    return {key: value for key, value in design.items() if key != VERSION_KEY}


def kept_design(previous: dict, design: dict | None) -> dict | None:
    """The folder's design: the recorded one, except that before any look has been taken a
    newer method version replaces the recorded one (nothing has been decided yet)."""
    recorded = previous.get("design")
    if recorded is None:
        return design
    if design is not None and not previous.get("looks") and recorded.get(VERSION_KEY) != design.get(VERSION_KEY):
        return recorded | {VERSION_KEY: design.get(VERSION_KEY)}
    return recorded


def say_machine_change(run_dir: Path, previous: dict, threads: int | None) -> None:
    """One line, before anything trains, when this command resumes a folder on another CPU
    type or under other library versions than its last command: its new runs will not be
    bit-identical to what the same runs would have been there."""
    commands = previous.get("commands") or []
    if not commands or "versions" not in commands[-1]:
        return
    last, now = commands[-1], hardware.machine_and_versions(threads)
    changes = []
    if (last["hardware"]["cpu_model"], last["hardware"]["cpu_features"]) != (now["cpu_model"], now["cpu_features"]):
        changes.append(f"CPU {last['hardware']['cpu_model']} -> {now['cpu_model']}")
    if last["hardware"].get("intra_op_threads") != now["intra_op_threads"]:
        changes.append(f"threads {last['hardware'].get('intra_op_threads')} -> {now['intra_op_threads']}")
    changes += [f"{name} {last['versions'].get(name)} -> {version}"
                for name, version in now["versions"].items() if last["versions"].get(name) != version]  # fmt: skip
    if changes:
        print(f"{run_dir.name}: resumed on another machine or software ({'; '.join(changes)}); "
              "its runs will say which ran where, and the summary names the mix", flush=True)  # fmt: skip


def record_looks(run_dir: Path, looks: list[dict]) -> None:
    """Add the looks this command took for the first time to config.json, each with the
    method version that took it, so a folder resumed under another version says so."""
    with storage.file_lock(run_dir):
        saved = read_json_or_refuse(run_dir / "config.json") or {}
        known = {look["seeds"] for look in saved.get("looks", [])}
        new = [look for look in looks if look["seeds"] not in known]
        if new:
            storage.write_json(run_dir / "config.json", saved | {"looks": saved.get("looks", []) + new})


def record_summary(run_dir: Path, margin_pp: float) -> None:
    """Note in config.json the margin (in percentage points) the folder was summarised at, so
    that the index and `load` judge the folder at its own margin, not a later command's."""
    with storage.file_lock(run_dir):
        saved = read_json_or_refuse(run_dir / "config.json") or {}
        if (saved.get("summary") or {}).get("margin_pp") != margin_pp:
            storage.write_json(run_dir / "config.json", saved | {"summary": {"margin_pp": margin_pp}})


def write_config(
    run_dir: Path, previous: dict, config: ExperimentConfig, data: Dataset, command: str,
    threads: int | None = None, design: dict | None = None,
) -> None:
    """config.json: the settings, data, versions, hardware and every command that added to
    the folder (each with the hardware it ran on)."""
    machine = hardware.describe(threads)
    versions = hardware.library_versions()
    commands = previous.get("commands", []) + [
        {
            "command": command,
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "hardware": machine,
            "versions": versions,
        }
    ]
    design = kept_design(previous, design)
    storage.write_json(
        run_dir / "config.json",
        # Keys written by others (the looks taken, the margin summarised at) are kept.
        {key: value for key, value in previous.items() if key != "design"}
        | {
            "run_name": config.run_name(),
            "config": dataclasses.asdict(config),
            "data": {
                "source": data.source,
                "file_sha256": data.file_sha256,
                "content_sha256": data.content_sha256(),
                "train_images": len(data.x_train),
                "test_images": len(data.x_test),
            },
            "backend": keras.backend.backend(),
            "hardware": machine,
            "versions": versions,
            "commands": commands,
        }
        | ({"design": design} if design else {}),
    )
