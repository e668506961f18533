"""Result files that are never seen half-written, and locks shared between processes.

Every file is written to a hidden temporary sibling and renamed into place, so a reader
sees the old file or the new one, never a part. The temporary name carries the host and
process id, so that a later run can remove what a killed process left behind without
touching a file that a live process, here or on another machine sharing the folder, is
still writing.
"""

import contextlib
import csv
import fcntl
import io
import json
import math
import os
import socket
from pathlib import Path
from typing import BinaryIO, Callable


def _this_host() -> str:
    # Dots separate the parts of a temporary name, so a host name's dots are replaced.
    return socket.gethostname().replace(".", "_") or "localhost"


def temporary_path(path: Path) -> Path:
    """A hidden sibling of `path` that names this host and process."""
    path = Path(path)
    return path.with_name(f".{path.name}.{_this_host()}.{os.getpid()}.tmp")


def write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Call `write(handle)` on a temporary file, then rename it to `path`."""
    temporary = temporary_path(path)
    try:
        with open(temporary, "wb") as handle:
            write(handle)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_text(path: Path, text: str) -> None:
    write_atomically(path, lambda handle: handle.write(text.encode()))


def write_json(path: Path, data) -> None:
    write_text(path, json.dumps(data, indent=2, allow_nan=False) + "\n")


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text(path, buffer.getvalue())


def read_json(path: Path) -> dict | None:
    """A saved JSON file, or None when it does not exist.

    A file that exists but cannot be parsed raises `ValueError`: it was written by
    something else than this program, and silently ignoring it would lose what it held.
    """
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return None
    try:
        return json.loads(text)
    except ValueError as error:
        raise ValueError(f"{path} is not valid JSON ({error})") from None


def remove_stale_temporaries(folder: Path) -> None:
    """Delete temporary files that dead processes of this host left behind."""
    host = _this_host()
    for temporary in Path(folder).rglob(".*.tmp"):
        pid = temporary.name.split(".")[-2]
        if (
            pid.isdigit()
            and temporary.name.endswith(f".{host}.{pid}.tmp")
            and not process_alive(int(pid))
        ):
            temporary.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def file_lock(path: Path, wait: bool = True):
    """An advisory lock on a file or folder; yields False instead of waiting when `wait`
    is False and another process holds it.

    Locking a folder needs no lock file inside it, so checking a folder under its lock
    leaves the folder exactly as it was.
    """
    path = Path(path)
    if path.is_dir():
        descriptor = os.open(path, os.O_RDONLY)
    else:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def finite_or_none(value):
    """JSON has no NaN: a diverged value is written as null."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
