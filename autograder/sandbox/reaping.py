"""Finding and killing what a session left behind, from the grader's side, through /proc."""
from __future__ import annotations

import os
import random
import signal
import threading
import time

# Per-session uids are drawn from this range (no account uses it), so every
# process a session leaves behind can be found, and killed, by its uid.
SESSION_UID_FIRST = 200_000
SESSION_UID_COUNT = 100_000
POLL_SECONDS = 0.005


def _status(pid: str) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as status:
        return dict(line.rstrip("\n").split(":\t", 1) for line in status if ":\t" in line)


def processes_of_uid(uid: int, include_zombies: bool = False) -> list[int]:
    """Pids of the processes whose real uid is uid."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = _status(entry)
        except (OSError, ValueError):
            continue
        if int(fields["Uid"].split()[0]) == uid and (include_zombies or not fields["State"].startswith("Z")):
            found.append(int(entry))
    return found


_taken: set[int] = set()
_taken_lock = threading.Lock()


def pick_session_uid() -> int:
    """An unused uid from the session range; give it back with release_session_uid."""
    rng = random.SystemRandom()
    while True:
        uid = SESSION_UID_FIRST + rng.randrange(SESSION_UID_COUNT)
        with _taken_lock:
            if uid in _taken or processes_of_uid(uid, include_zombies=True):
                continue
            _taken.add(uid)
            return uid


def release_session_uid(uid: int) -> None:
    with _taken_lock:
        _taken.discard(uid)


def kill_uid(uid: int, timeout: float) -> list[int]:
    """SIGKILL every process of uid until none is left or timeout passes; return the survivors."""
    deadline = time.monotonic() + timeout
    while True:
        alive = processes_of_uid(uid)
        if not alive:
            _wait_until(lambda: not processes_of_uid(uid, include_zombies=True), deadline)
            return []
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if time.monotonic() > deadline:
            return alive
        time.sleep(POLL_SECONDS)


def wait_gone(pid: int, start_ticks: str, timeout: float) -> bool:
    """Wait until the process pid (identified by its start time, in case the pid is reused) has ended.

    start_ticks "" (start_time's answer for a process already gone) means there is nothing to wait for.
    """
    if not start_ticks:
        return True
    return _wait_until(lambda: start_time(pid) != start_ticks, time.monotonic() + timeout)


def start_time(pid: int) -> str:
    """The start time field of /proc/<pid>/stat ("" once the process is gone or a zombie)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return ""
    return "" if fields[0] == b"Z" else fields[19].decode()


def session_cpu_seconds(session_id: int) -> float:
    """CPU time (user + system, with reaped children) of every process in session `session_id`."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == session_id:  # field 6, the session id; utime is field 14
            total += sum(int(value) for value in fields[11:15])
    return total / ticks


def children_of(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return [int(child) for child in children.read().split()]
    except OSError:
        return []


def _wait_until(condition, deadline: float) -> bool:
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL_SECONDS)
    return True
