"""The fork server: a session forked from it behaves as one started afresh, the server holds
nothing a session could use or change, and it never outlives the grader that started it.

Every other sandbox test (test_sandbox, test_hostile, test_isolation) runs its sessions through
the fork server too; these check what only the fork server could get wrong.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from hostile.plant import replace_function
from hostile.traces import wait_no_sandbox_processes
from levels import level_params
from submissions import build_submission

from autograder.config import load_config
from autograder.sandbox import SandboxSession, forkserver
from autograder.sandbox.child.namespaces import SITE
from autograder.sandbox.process import CODE_DIR, FORK_SERVER_BOOT

CONFIG = load_config()
LIMITS = CONFIG.limits.sandbox_limits()
ALLOWED = CONFIG.allowed_modules
FORKED = "forked from a server that had imported numpy"


def _session(tmp_path, body: str, level: str = "auto", name: str = "submission") -> SandboxSession:
    indented = "\n".join("    " + line for line in body.strip("\n").splitlines())
    warmup = replace_function("warmup", "def conv1d_full(f, g):", f"def conv1d_full(f, g):\n{indented}\n")
    return SandboxSession(build_submission(tmp_path / name, warmup), LIMITS, ALLOWED, level)


def _server_pid() -> int:
    server = forkserver.fork_server(CODE_DIR, FORK_SERVER_BOOT.format(code_dir=CODE_DIR))
    assert server is not None, "the fork server did not start"
    return server._popen.pid


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("level", level_params())
def test_a_forked_session_imports_what_numpy_loads_later_from_its_own_folder(tmp_path, level):
    body = """
import numpy as np
return [float(np.fft.fft(np.ones(4))[0].real), float(np.polynomial.Polynomial([1, 2])(3)),
        float(np.random.default_rng(0).integers(5, 6)), np.__file__, np.fft.__file__]
"""
    session = _session(tmp_path, body, level)
    try:
        outcome = session.call("conv1d_full", 1, 2)
        assert outcome.status == "ok", outcome.error
        assert session.isolation["started"] == FORKED
        site = SITE if level in ("full", "userns") else str(session.folder / "site")
        assert outcome.value == [4.0, 7.0, 5.0, f"{site}/numpy/__init__.py", f"{site}/numpy/fft/__init__.py"]
    finally:
        session.close()


def test_forked_sessions_do_not_share_numpys_random_state(tmp_path):
    draws = set()
    for n in range(3):
        session = _session(tmp_path, "import numpy as np\nreturn float(np.random.random())", name=f"s{n}")
        try:
            draws.add(session.call("conv1d_full", 1, 2).value)
        finally:
            session.close()
    assert len(draws) == 3


@pytest.mark.parametrize("level", level_params())
def test_a_session_can_neither_read_nor_signal_the_fork_server(tmp_path, level, monkeypatch):
    monkeypatch.setenv("CONVLAB_SEED", "canary-seed-4242")
    forkserver.stop_fork_server()  # the next one starts with the seed in the grader's environment
    pid = _server_pid()
    assert forkserver._server.dumpable == 0
    body = f"""
import os, signal
tried = {{}}
for what, attempt in (("environ", lambda: open("/proc/{pid}/environ", "rb").read()),
                      ("mem", lambda: open("/proc/{pid}/mem", "rb").read(1)),
                      ("kill", lambda: os.kill({pid}, signal.SIGKILL))):
    try:
        attempt()
        tried[what] = "done"
    except Exception as error:
        tried[what] = type(error).__name__
return tried
"""
    session = _session(tmp_path, body, level)
    try:
        outcome = session.call("conv1d_full", 1, 2)
        assert outcome.status == "ok", outcome.error
        assert "done" not in outcome.value.values(), outcome.value
    finally:
        session.close()
    assert _alive(pid)
    with open(f"/proc/{pid}/environ", "rb") as environ:  # the grader may read it: it holds no seed
        assert b"canary-seed-4242" not in environ.read()


def test_a_session_whose_fork_server_died_ends_and_the_next_child_starts(tmp_path):
    session = _session(tmp_path, "import os\nreturn os.getpid()")
    try:
        assert session.call("conv1d_full", 1, 2).status == "ok"
        os.kill(_server_pid(), signal.SIGKILL)
        deadline = time.monotonic() + 5
        while (outcome := session.call("conv1d_full", 1, 2)).status == "ok" and time.monotonic() < deadline:
            time.sleep(0.05)  # until the grader has seen the server go
        assert outcome.status == "crashed"
        assert "the grader's fork server ended before the process did (not something the student's code did)" in outcome.error
        again = session.call("conv1d_full", 1, 2)  # a new child, from a new fork server
        assert again.status == "ok", again.error
        assert session.isolation["started"] == FORKED
    finally:
        session.close()
    assert wait_no_sandbox_processes(session.folder, session.uid) == []


def test_the_fork_server_ends_with_the_grader_that_started_it(tmp_path):
    program = f"""
import os, sys
sys.path[:0] = {[str(p) for p in sys.path if p]!r}
from pathlib import Path
from autograder.config import load_config
from autograder.sandbox import SandboxSession, forkserver
config = load_config()
session = SandboxSession(Path({str(build_submission(tmp_path / "ref"))!r}), config.limits.sandbox_limits(), config.allowed_modules)
assert session.call("conv_output_size", 4, 3).status == "ok"
print(forkserver._server._popen.pid, flush=True)
os._exit(0)  # no clean-up at all: as if the grader were killed
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    pid = int(done.stdout.split()[-1])
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def test_turned_off_every_session_starts_a_new_interpreter(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVLAB_FORK_SERVER", "0")
    session = _session(tmp_path, "return 1")
    try:
        assert session.call("conv1d_full", 1, 2).value == 1
        assert session.isolation["started"] == "a new interpreter"
    finally:
        session.close()
