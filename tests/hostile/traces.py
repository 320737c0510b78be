"""What a sandbox session may leave behind, looked for from the outside (through /proc and the disk)."""
from __future__ import annotations

import os
import signal
import tempfile
import time
from pathlib import Path

# Names the hostile submissions try to plant outside their sandbox.
PLANTED_NAMES = ("results.json", "convlab-hostile-planted", "convlab-hostile-pickle-ran")


def sandbox_processes(folder: Path, uid: int | None = None) -> list[int]:
    """Live processes whose command line names the session folder, whose name is the one a
    fork-server session gives them (staging.process_name), or that run as the session uid."""
    from autograder.sandbox.staging import process_name

    needle, name = os.fsencode(folder.name), process_name(folder)
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
            with open(f"/proc/{entry}/status") as f:
                status = dict(line.split(":", 1) for line in f if ":" in line)
            with open(f"/proc/{entry}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if status["State"].split()[0] == "Z":
            continue
        if needle in cmdline or comm == name or (uid is not None and int(status["Uid"].split()[0]) == uid):
            found.append(int(entry))
    return found


def wait_no_sandbox_processes(folder: Path, uid: int | None, timeout: float = 2.0) -> list[int]:
    """The session's processes still alive after timeout (an empty list once all are gone)."""
    deadline = time.monotonic() + timeout
    while (alive := sandbox_processes(folder, uid)) and time.monotonic() < deadline:
        time.sleep(0.01)
    return alive


def planted_files(*extra_dirs: Path) -> list[Path]:
    """Files with a planted name in the places a submission would try: /tmp, $HOME, the cwd, extra_dirs."""
    places = [Path(tempfile.gettempdir()), Path.home(), Path.cwd(), *extra_dirs]
    return [place / name for place in places for name in PLANTED_NAMES if (place / name).exists()]


def kill_sandbox_processes(folder: Path, uid: int | None) -> None:
    """Clean up after a test that failed half-way: SIGKILL whatever the session left."""
    for pid in sandbox_processes(folder, uid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
