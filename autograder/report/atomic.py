"""Write result files atomically: readers see the old file or the new one, never half of one.

The data goes to a temporary file in the destination's own folder (so the final
rename stays on one filesystem), is flushed and fsync'ed, then os.replace'd over
the destination. If anything fails before the rename, the temporary file is
removed and the old file is untouched.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

NEW_FILE_MODE = 0o644


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Replace `path` with `data` atomically; create missing parent folders. Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else NEW_FILE_MODE
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise
    _sync_folder(path.parent)
    return path


def _sync_folder(folder: Path) -> None:
    # Make the rename itself durable; not every OS lets a folder be opened (Windows).
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Replace `path` with `text` (UTF-8) atomically."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | os.PathLike, data: object) -> Path:
    """Replace `path` with `data` as indented JSON atomically.

    The JSON is rendered before any file is touched, so data that cannot be
    serialized leaves the old file as it was.
    """
    return write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
