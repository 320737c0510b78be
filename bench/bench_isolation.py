"""What a sandbox may take from the machine, measured at each isolation level this machine gives.

    python bench/bench_isolation.py [--level LEVEL ...] [--rounds N]

Memory: a submission forks as many processes as it may and has each of them fill as
much memory as it can get. The sandbox's total (its cgroup's peak where one accounts for
it, else the sum of its processes' resident memory, sampled every 20 ms) must stay within
grading.toml's memory_mb.

CPU: an honest submission (a fixed numpy workload in one process) is timed alone, then
next to a sandbox whose submission spins on every core with as many processes as it may
start. The slowdown of the honest one, wall-clock time next to the spinner over alone,
must stay at or below 1.2. Run it on an otherwise idle machine: the honest workload is
timed in the same run, alternating alone and beside the spinner, and the median ratio of
the pairs is reported.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from autograder.config import load_config  # noqa: E402
from autograder.sandbox import SandboxSession  # noqa: E402
from autograder.sandbox.isolation import LEVELS, IsolationUnavailable, settings  # noqa: E402
from hostile.plant import replace_function  # noqa: E402
from submissions import build_submission  # noqa: E402

HOG = """
def conv1d_full(f, g):
    import os, time
    import numpy as np
    children = []
    for _ in range(64):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            blocks = []
            try:
                while True:
                    blocks.append(np.ones(16 << 17))  # 16 MB, touched
            except MemoryError:
                time.sleep(2.0)
            os._exit(0)
        children.append(pid)
    time.sleep(2.5)
    for pid in children:
        os.waitpid(pid, 0)
    return len(children)
"""
SPINNER = """
def conv1d_full(f, g):
    import os, time
    for _ in range(16):
        try:
            if os.fork() == 0:
                while True:
                    pass
        except OSError:
            break
    while True:
        pass
"""
HONEST = """
def conv1d_full(f, g):
    import numpy as np
    a = np.random.default_rng(0).normal(size=(300, 300))
    for _ in range(int(f)):
        a = np.tanh(a @ a.T / 300.0)
    return float(a.sum())
"""
ROUNDS_OF_WORK = 60


def _submission(folder: Path, body: str) -> Path:
    return build_submission(folder, replace_function("warmup", "def conv1d_full(f, g):", body))


def _session_rss(session: SandboxSession) -> int:
    """Resident bytes of every process of the session (by its folder's name on their command line, or its uid)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        uid = int(status.split("Uid:")[1].split()[0])
        if session.folder.name.encode() in cmdline or (session.uid is not None and uid == session.uid):
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def memory(level: str, limits, folder: Path) -> tuple[float, str]:
    """(peak MB of the whole sandbox, how it was measured)."""
    submission = _submission(folder / f"hog-{level}", HOG)
    with SandboxSession(submission, limits, ("numpy",), level) as session:
        peak, done = 0, threading.Event()

        def sample():
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _session_rss(session))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        outcome = session.call("conv1d_full", 0, 0)
        done.set()
        sampler.join()
        group_peak = session.memory_peak
    if group_peak is not None:
        return group_peak / 2**20, f"cgroup peak ({outcome.status}, {outcome.value} processes)"
    return peak / 2**20, f"sum of resident memory, sampled ({outcome.status}, {outcome.value} processes)"


def cpu(level: str, limits, folder: Path, rounds: int) -> list[float]:
    """Slowdowns of the honest submission next to the spinner, one per pair of runs."""
    honest = _submission(folder / f"honest-{level}", HONEST)
    spinner = _submission(folder / f"spinner-{level}", SPINNER)

    def timed() -> float:
        with SandboxSession(honest, limits, ("numpy",), level) as session:
            session.call("conv1d_full", 1, 0)  # warm: numpy's first call
            start = time.perf_counter()
            outcome = session.call("conv1d_full", ROUNDS_OF_WORK, 0)
            elapsed = time.perf_counter() - start
        assert outcome.ok, outcome
        return elapsed

    ratios = []
    for _ in range(rounds):
        alone = timed()
        with SandboxSession(spinner, limits, ("numpy",), level) as spinning:
            hog = threading.Thread(target=spinning.call, args=("conv1d_full", 0, 0), daemon=True)
            hog.start()
            time.sleep(1.0)  # the spinner's processes are all running
            beside = timed()
        ratios.append(beside / alone)
    return ratios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", action="append", choices=LEVELS, help="levels to measure (default: all this machine gives)")
    parser.add_argument("--rounds", type=int, default=5, help="pairs of CPU runs per level (default 5)")
    args = parser.parse_args()
    config = load_config()
    limits = config.limits.sandbox_limits()
    limits = type(limits)(**{**limits.__dict__, "call_seconds": 60})
    levels = []
    for level in args.level or LEVELS:
        try:
            settings(level)
            levels.append(level)
        except IsolationUnavailable as error:
            print(f"{level}: not available here ({error})")
    print(f"memory_mb {limits.memory_mb}, processes {limits.processes}, {os.cpu_count()} cores, uid {os.getuid()}")
    with tempfile.TemporaryDirectory() as temporary:
        for level in levels:
            peak, how = memory(level, limits, Path(temporary))
            verdict = "within" if peak <= limits.memory_mb else "OVER"
            print(f"{level:8s} memory: peak {peak:.0f} MB of {limits.memory_mb} MB ({verdict}; {how})")
            ratios = cpu(level, limits, Path(temporary), args.rounds)
            print(f"{level:8s} cpu: honest neighbour slowed x{statistics.median(ratios):.2f} (median of {len(ratios)}; "
                  f"{min(ratios):.2f} to {max(ratios):.2f}) next to a sandbox spinning on every core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
