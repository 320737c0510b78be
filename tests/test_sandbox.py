"""The sandbox's promises, each tried against a real child process.

Every test builds a submission from the reference with one planted change
(tests/submissions.py), calls into it through a SandboxSession, and checks what
comes back; the session fixture then checks that closing left no process and no
folder behind. Tests of isolation the machine does not allow (no namespaces as a
non-root user without user namespaces) are skipped with the reason the probe gave.
"""
from __future__ import annotations

import importlib
import os
import platform
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from autograder.paths import REPO_ROOT, STUDENT_MODULES
from autograder.sandbox import CallOutcome, Limits, SandboxSession, isolation_report
from autograder.sandbox import staging
from autograder.sandbox.child import wire
from autograder.sandbox.child.namespaces import SYSTEM_FILES, SYSTEM_TREES
from autograder.sandbox.host import NUMERIC_KERNEL_VARIABLES, python_dirs
from hostile.plant import prepend, replace_function
from levels import level_params
from hostile.traces import kill_sandbox_processes, wait_no_sandbox_processes
from submissions import build_submission

# An OpenBLAS kernel set every CPU of its architecture runs (numpy's wheels build them all).
GENERIC_CORE = {"aarch64": "ARMV8", "arm64": "ARMV8"}.get(platform.machine().lower(), "Nehalem")
LIMITS = Limits(call_seconds=2.0, memory_mb=512, output_kb=4, file_size_mb=1, open_files=64, processes=32)
ALLOWED = ("numpy",)
REPORT = isolation_report()
PRIVATE_ROOT = "mount" in REPORT["namespaces"]
needs_private_root = pytest.mark.skipif(not PRIVATE_ROOT, reason=f"no private root here: {REPORT['filesystem']}")
needs_network_namespace = pytest.mark.skipif("net" not in REPORT["namespaces"], reason="no network namespace here")
ECHO = replace_function("warmup", "def conv1d_full(f, g):", """
def conv1d_full(*args, **kwargs):
    return [args, kwargs]
""")


# Results computed in the child and here are compared within this tolerance, not bit for bit:
# the child is another process, and a BLAS may pick its kernel (and with it the order of a
# sum's terms) per process, from the CPU and from variables such as OPENBLAS_CORETYPE. Such
# reorderings change float64 results by a few units in the last place (4e-17 was seen on
# LeNet's logits); 1e-12 relative is far above that and far below any mistake the grader
# looks for (its tolerance is 2e-5 of the largest value).
CROSS_PROCESS = {"rtol": 1e-12, "atol": 1e-12}


def _conv1d_returning(body: str) -> dict:
    """A warmup.py whose conv1d_full runs `body` (indented by this helper)."""
    indented = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return replace_function("warmup", "def conv1d_full(f, g):", f"def conv1d_full(f, g):\n{indented}\n")


@pytest.fixture
def make_session(tmp_path):
    """make_session(replacements, extra_files, limits, omit) -> an open session; all are closed and checked after."""
    sessions = []

    def make(replacements=None, extra_files=None, limits=LIMITS, omit=(), level="auto"):
        submission = build_submission(tmp_path / f"submission{len(sessions)}", replacements, extra_files, omit)
        session = SandboxSession(submission, limits, ALLOWED, level)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()
        assert not session.folder.exists()
        assert wait_no_sandbox_processes(session.folder, session.uid) == []


# ---------------------------------------------------------------- calls and values


def test_reference_functions_give_the_reference_values(make_session):
    reference = importlib.import_module("reference")
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 3, 7, 7)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    session = make_session()
    outcome = session.call("conv2d_forward", x, w, b, stride=2, padding=1)
    assert outcome.status == "ok" and type(outcome.value) is np.ndarray
    np.testing.assert_allclose(outcome.value, reference.conv2d_forward(x, w, b, stride=2, padding=1), **CROSS_PROCESS)
    assert 0 < outcome.seconds < LIMITS.call_seconds
    assert session.call("conv_output_size", 5, 3, stride=2) == CallOutcome("ok", 2, seconds=pytest.approx(0, abs=1))


def test_lenet_operations_match_a_lenet_built_here(make_session):
    reference = importlib.import_module("reference")
    session = make_session()
    params = session.call("LeNet.init", seed=3).value
    expected = reference.LeNet(seed=3).params
    assert list(params) == list(expected)
    for name in expected:
        np.testing.assert_allclose(params[name], expected[name], **CROSS_PROCESS)
    x = np.random.default_rng(1).normal(size=(2, 1, 32, 32))
    dlogits = np.random.default_rng(2).normal(size=(2, 10))
    net = reference.LeNet(seed=0)
    net.params = params
    np.testing.assert_allclose(session.call("LeNet.forward", params, x).value, net.forward(x), **CROSS_PROCESS)
    grads = session.call("LeNet.backward", params, x, dlogits).value
    for name, grad in net.backward(dlogits).items():
        np.testing.assert_allclose(grads[name], grad, **CROSS_PROCESS)


def test_every_value_kind_round_trips(make_session):
    arrays = [
        np.array([True, False]), np.arange(6, dtype=np.int8).reshape(2, 3), np.array([2**62], dtype=np.int64),
        np.array([65535], dtype=np.uint16), np.array([1.5], dtype=np.float16), np.float32([[1e-30]]),
        np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.arange(12.0)[::3], np.array(7.25), np.zeros((0, 3)),
        np.array([1.0, 2.0], dtype=">f8"),
    ]
    scalars = [None, True, False, 0, -(2**100), 1.5, -0.0, "text ü", ""]
    value = (arrays, scalars, {"nested": [(1, [2.5, {"k": None}])], "": ()})
    outcome = make_session(ECHO).call("conv1d_full", *value, key=np.float64(2.5), n=np.int16(-3), flag=np.bool_(True))
    assert outcome.status == "ok", outcome.error
    (got_arrays, got_scalars, got_dict), kwargs = outcome.value
    for got, sent in zip(got_arrays, arrays, strict=True):
        assert type(got) is np.ndarray and got.dtype == sent.dtype and got.shape == sent.shape
        np.testing.assert_array_equal(got, sent)
    assert got_scalars == scalars and [type(v) for v in got_scalars] == [type(v) for v in scalars]
    assert str(got_scalars[6]) == "-0.0"
    assert got_dict == {"nested": [(1, [2.5, {"k": None}])], "": ()}
    assert kwargs == {"key": 2.5, "n": -3, "flag": True}
    assert [type(v) for v in kwargs.values()] == [np.float64, np.int16, np.bool_]


def test_nan_and_inf_cross_unchanged(make_session):
    outcome = make_session(_conv1d_returning("return [float('nan'), float('-inf'), np.array([np.nan, np.inf])]"))
    value = outcome.call("conv1d_full", 1, 2).value
    assert np.isnan(value[0]) and value[1] == -np.inf
    np.testing.assert_array_equal(value[2], [np.nan, np.inf])


@pytest.mark.parametrize("body, kind", [
    ("return object()", "a value of type object"),
    ("return np.arange(3).view(np.recarray)", "an ndarray subclass (recarray); return a plain np.ndarray"),
    ("return np.array([1, 'a'], dtype=object)", "an array of dtype object"),
    ("return np.zeros(2, dtype=[('a', 'f8')])", "an array of dtype [('a', '<f8')]"),
    ("return np.zeros(2, dtype=complex)", "an array of dtype complex128"),
    ("return {1: 2}", "a dict key of type int (keys must be str)"),
    ("class Box:\n    pass\nreturn Box()", "a value of type Box"),
    ("return [1, b'raw']", "a value of type bytes"),
    ("return {1.5, 2.5}", "a value of type set"),
])
def test_values_the_grader_does_not_accept_are_bad_output(make_session, body, kind):
    session = make_session(_conv1d_returning(body))
    outcome = session.call("conv1d_full", 1, 2)
    assert (outcome.status, outcome.error) == ("bad_output", kind)
    assert session.call("conv_output_size", 5, 3).value == 3


@pytest.mark.parametrize("body, expected", [
    ("from collections import OrderedDict\nreturn OrderedDict([('b', 1.5), ('a', 2)])", {"b": 1.5, "a": 2}),
    ("from collections import defaultdict\nd = defaultdict(list)\nd['x'].append(1)\nreturn d", {"x": [1]}),
    ("from collections import namedtuple\nG = namedtuple('G', 'dx dw')\nreturn G(1.0, [2])", (1.0, [2])),
    ("class L(list):\n    def __iter__(self):\n        return iter([99])\nreturn L([1, 2])", [1, 2]),
    ("class D(dict):\n    def items(self):\n        return []\nreturn D(a=1)", {"a": 1}),
    ("import enum\nclass Size(enum.IntEnum):\n    SMALL = 3\nreturn Size.SMALL", 3),
    ("class F(float):\n    pass\nreturn F(1.5)", 1.5),
    ("class S(str):\n    def __str__(self):\n        return 'lie'\nreturn S('true')", "true"),
])
def test_subclasses_of_the_basic_types_travel_as_their_base_type(make_session, body, expected):
    value = make_session(_conv1d_returning(body)).call("conv1d_full", 1, 2).value
    assert value == expected and type(value) is type(expected)


# ---------------------------------------------------------------- errors


def test_an_exception_carries_its_type_and_the_student_line(make_session):
    plant = replace_function("conv_forward", "def pad2d(x, padding):", """
def pad2d(x, padding):
    scale = 2
    raise ValueError(f"padding {padding} is not allowed")
""")
    session = make_session(plant)
    source = (session.folder / "work" / "submission" / "conv_forward.py").read_text().splitlines()
    line = source.index('    raise ValueError(f"padding {padding} is not allowed")') + 1
    outcome = session.call("conv2d_forward", np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 1, 1)), np.zeros(1), padding=1)
    assert (outcome.status, outcome.error_type, outcome.error_bases[0]) == ("exception", "ValueError", "ValueError")
    assert (outcome.error, outcome.where) == ("padding 1 is not allowed", f"conv_forward.py:{line}")


def test_an_exception_of_the_students_own_class_carries_its_builtin_bases(make_session):
    plant = prepend("warmup", "import numpy as np", """
class InvalidSizeError(ValueError):
    pass


class Impostor(Exception):
    pass


Impostor.__name__ = "KeyError"
""")
    session = make_session({"warmup": plant["warmup"] + _conv1d_returning("raise InvalidSizeError('too small')")["warmup"]})
    outcome = session.call("conv1d_full", 1, 2)
    assert (outcome.error_type, outcome.error_bases) == ("InvalidSizeError", ["ValueError", "Exception", "BaseException"])
    assert outcome.raised("ValueError") and not outcome.raised("TypeError")


def test_not_implemented(make_session):
    outcome = make_session(_conv1d_returning("raise NotImplementedError")).call("conv1d_full", [1], [1])
    assert (outcome.status, outcome.error_type) == ("not_implemented", "NotImplementedError")
    assert outcome.where.startswith("warmup.py:")


def test_a_broken_module_breaks_only_its_own_functions(make_session):
    session = make_session(prepend("warmup", "import numpy as np", "def broken(:\n    pass"))
    outcome = session.call("conv1d_full", [1], [1])
    assert (outcome.status, outcome.error_type) == ("exception", "SyntaxError")
    assert (outcome.error, outcome.where) == ("invalid syntax", "warmup.py:2")
    assert session.call("conv_output_size", 4, 3, padding=1).value == 4


def test_a_missing_module_is_named(make_session):
    outcome = make_session(omit=("warmup",)).call("conv1d_full", [1], [1])
    assert (outcome.status, outcome.error_type) == ("exception", "ModuleNotFoundError")
    assert outcome.error == "warmup.py is missing from the submission"


def test_a_timeout_costs_one_call(make_session):
    limits = Limits(**{**LIMITS.__dict__, "call_seconds": 0.5})
    session = make_session(_conv1d_returning("while True:\n    pass"), limits=limits)
    start = time.monotonic()
    outcome = session.call("conv1d_full", [1], [1])
    assert time.monotonic() - start < 0.5 + 2.5
    assert outcome == CallOutcome("timeout", error="timed out after 0.5 s (call_seconds in grading.toml)", seconds=0.5)
    assert session.call("conv_output_size", 4, 3).value == 2


def test_a_crash_costs_one_call(make_session):
    session = make_session(_conv1d_returning("import os\nos._exit(7)"))
    outcome = session.call("conv1d_full", [1], [1])
    assert outcome.status == "crashed"
    assert outcome.error == ("the student's process ended during the call: "
                             "it exited with code 7 (sys.exit, os._exit or a crash in student code)")
    assert session.call("conv_output_size", 4, 3).value == 2


def test_output_is_kept_up_to_output_kb(make_session):
    session = make_session(_conv1d_returning("print('x' * 100_000)\nreturn 1"))
    assert session.call("conv1d_full", 1, 2).value == 1
    kept = LIMITS.output_kb * 1024
    assert session.output == "x" * kept + f"\n[... {100_001 - kept} more bytes of output dropped (output_kb = 4)]\n"


@pytest.mark.parametrize("body, error_type, message", [
    (f"return np.ones(({LIMITS.memory_mb} + 1) * 2**20 // 8)", "MemoryError", "Unable to allocate"),
    (f"open('big', 'wb').write(b'x' * ({LIMITS.file_size_mb} + 1) * 2**20)", "OSError", "File too large"),
    (f"return [open('/dev/null') for _ in range({LIMITS.open_files})]", "OSError", "Too many open files"),
    (f"import threading, time\nfor _ in range({LIMITS.processes} + 1):\n"
     "    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()", "RuntimeError", "can't start new thread"),
])
def test_the_limits_hold(make_session, body, error_type, message):
    outcome = make_session(_conv1d_returning(body)).call("conv1d_full", 1, 2)
    assert (outcome.status, outcome.error_type) == ("exception", error_type)
    assert message in outcome.error and outcome.where.startswith("warmup.py:")


def test_a_child_that_cannot_start_says_where(make_session, monkeypatch):
    # A new interpreter: a fork of the fork server has numpy already and would start.
    monkeypatch.setenv("CONVLAB_FORK_SERVER", "0")
    too_small = Limits(**{**LIMITS.__dict__, "memory_mb": 30})  # not even numpy fits
    session = make_session(limits=too_small)
    for _ in range(2):  # each call tries a fresh child, and reports the same
        outcome = session.call("conv_output_size", 4, 3)
        assert outcome.status == "crashed"
        assert outcome.error.startswith("the sandbox could not start: confining the child: ImportError: ")


# ---------------------------------------------------------------- forbidden imports


@pytest.mark.parametrize("code, name", [
    ("import torch", "torch"),
    ("import torch.nn.functional", "torch"),
    ("from scipy.signal import convolve2d", "scipy"),
    ("from scipy import ndimage", "scipy"),
    ("import matplotlib.pyplot as plt", "matplotlib"),
    ("import importlib\nimportlib.import_module('torch')", "torch"),
    ("__import__('sklearn')", "sklearn"),
    ("try:\n    import torch\nexcept ImportError:\n    pass\nreturn 1", "torch"),
])
def test_imports_outside_the_policy_are_reported_by_name(make_session, code, name):
    session = make_session(_conv1d_returning(code))
    outcome = session.call("conv1d_full", 1, 2)
    assert (outcome.status, outcome.error) == ("forbidden_import", name)
    assert session.call("conv_output_size", 4, 3).value == 2


@pytest.mark.parametrize("code", [
    "import json, collections, itertools, functools, math, multiprocessing\nreturn 1",
    "import numpy.fft, numpy.linalg\nfrom numpy.lib.stride_tricks import sliding_window_view\nreturn 1",
    "from . import sizes\nfrom .conv_forward import pad2d\nreturn 1",
])
def test_the_standard_library_numpy_and_the_students_own_modules_may_be_imported(make_session, code):
    assert make_session(_conv1d_returning(code)).call("conv1d_full", 1, 2).value == 1


def test_a_forbidden_import_at_module_level_is_reported_on_each_call(make_session):
    session = make_session(prepend("warmup", "import numpy as np", "try:\n    import torch\nexcept ImportError:\n    pass"))
    for _ in range(2):
        assert session.call("conv1d_full", [1], [1]).status == "forbidden_import"


# ---------------------------------------------------------------- isolation


def test_the_environment_is_built_from_scratch(make_session, monkeypatch):
    monkeypatch.setenv("CONVLAB_SEED", "canary-seed-8731")
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "8")
    for name in NUMERIC_KERNEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    env = make_session(_conv1d_returning("import os\nreturn dict(os.environ)")).call("conv1d_full", 1, 2).value
    assert sorted(env) == ["HOME", "LANG", "LC_ALL", "MALLOC_ARENA_MAX", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "OMP_NUM_THREADS",
                           "OPENBLAS_NUM_THREADS", "PATH", "TMPDIR", "VECLIB_MAXIMUM_THREADS"]
    assert env["OMP_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "1"
    assert "canary" not in repr(env)


def test_the_variables_that_choose_numeric_kernels_reach_the_child(make_session, monkeypatch):
    # Machines set these because the kernel their CPU would otherwise get is wrong there.
    monkeypatch.setenv("OPENBLAS_CORETYPE", GENERIC_CORE)
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "262144")
    monkeypatch.setenv("MKL_CBWR", "COMPATIBLE")
    monkeypatch.setenv("OMP_NUM_THREADS", "16")
    env = make_session(_conv1d_returning("import os\nreturn dict(os.environ)")).call("conv1d_full", 1, 2).value
    assert (env["OPENBLAS_CORETYPE"], env["OPENBLAS_L2_SIZE"], env["MKL_CBWR"]) == (GENERIC_CORE, "262144", "COMPATIBLE")
    assert env["OMP_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "1"


def test_only_the_student_modules_are_copied(make_session):
    extra = {"conftest.py": "X = 1", "sitecustomize.py": "X = 1", "numpy.py": "X = 1", "notes.txt": "hi"}
    session = make_session(extra_files=extra)
    assert session.call("conv1d_full", [1], [1]).status == "ok"
    copied = sorted(os.listdir(session.folder / "work" / "submission"))
    assert copied == sorted(["__init__.py", *(f"{module}.py" for module in STUDENT_MODULES)])
    assert (session.folder / "work" / "submission" / "__init__.py").read_bytes() == b""


def test_a_symlinked_module_is_not_followed(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_text("def conv1d_full(f, g):\n    return 'followed'\n")
    submission = build_submission(tmp_path / "submission", omit=("warmup",))
    (submission / "warmup.py").symlink_to(secret)
    with SandboxSession(submission, LIMITS, ALLOWED) as session:
        outcome = session.call("conv1d_full", [1], [1])
    assert outcome.error == "warmup.py is missing from the submission"


def _expected_root_listing() -> list[str]:
    """What / holds in a private root: the system trees this machine has, Python's top folder, our own."""
    names = {"dev", "proc", "sandbox", "tmp", "work"} | {path.strip("/").split("/")[0] for path in python_dirs()}
    names |= {tree.strip("/") for tree in SYSTEM_TREES if os.path.lexists(tree)}
    names |= {"etc"} if any(os.path.isfile(path) for path in SYSTEM_FILES) else set()
    return sorted(names)


@needs_private_root
def test_canary_files_of_the_grader_are_out_of_reach(make_session, tmp_path):
    canaries = [REPO_ROOT / ".sandbox-canary", Path.home() / ".sandbox-canary", tmp_path / "sandbox-canary",
                Path("/tmp/sandbox-canary")]
    for path in canaries:
        path.write_text("canary-file-5521")
    try:
        session = make_session(_conv1d_returning(
            "import os\nreturn {p: os.path.exists(p) for p in f} | {'/': sorted(os.listdir('/'))}"))
        grader_files = canaries + [REPO_ROOT / "reference" / "conv_forward.py", REPO_ROOT / "autograder" / "oracle.py"]
        seen = session.call("conv1d_full", [str(path) for path in grader_files], None).value
    finally:
        for path in canaries:
            path.unlink()
    assert seen == {**{str(path): False for path in grader_files}, "/": _expected_root_listing()}


def _own_namespaces() -> dict[str, str]:
    return {name: os.readlink(f"/proc/self/ns/{name}") for name in ("mnt", "pid", "net", "ipc", "uts", "user")}


OBSERVE = """
import os, resource, socket
try:
    seen = {"uid": os.getuid(), "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())}
except PermissionError:  # minimal: Landlock lets the child see its own /proc/<pid>, not the list
    seen = {"uid": os.getuid(), "pids": None}
seen["ns"] = {n: os.readlink(f"/proc/self/ns/{n}") for n in ("mnt", "pid", "net", "ipc", "uts", "user")}
seen["rlimits"] = {n: resource.getrlimit(getattr(resource, n))[1] for n in rlimits}
try:
    socket.create_connection(("127.0.0.1", port), timeout=1).sendall(b"leak")
    seen["network"] = "connected"
except OSError as error:
    seen["network"] = type(error).__name__
return seen
"""


@pytest.mark.parametrize("level", level_params())
def test_the_isolation_report_says_what_the_child_observes(make_session, level):
    report = isolation_report(level)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    session = make_session(replace_function("warmup", "def conv1d_full(f, g):",
                                            "def conv1d_full(port, rlimits):\n" + "\n".join(
                                                "    " + line for line in OBSERVE.strip().splitlines())), level=level)
    try:
        seen = session.call("conv1d_full", listener.getsockname()[1], list(report["rlimits"])).value
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
    assert report["level"] == level
    assert session.isolation["namespaces"] == report["namespaces"] == EXPECTED_NAMESPACES[level]
    assert seen["rlimits"] == session.isolation["rlimits"] and set(seen["rlimits"]) == set(report["rlimits"])
    assert seen["rlimits"]["RLIMIT_NOFILE"] == LIMITS.open_files
    mine = _own_namespaces()
    own = {"mount": "mnt"}
    for name in ("mount", "pid", "net", "ipc", "uts", "user"):
        key = own.get(name, name)
        assert (seen["ns"][key] != mine[key]) == (name in report["namespaces"]), name
    if "pid" in report["namespaces"]:
        assert seen["pids"] == [1, 2]  # the reaper and the server: nothing of the grader's
    else:
        assert seen["pids"] is None  # no other process to be seen at all
    if session.uid is not None:
        assert seen["uid"] == session.uid and session.isolation["uid"] == f"dropped to {session.uid}"
        assert report["uid"].startswith("dropped to a per-session uid")
    else:
        assert seen["uid"] == os.getuid() and report["uid"].startswith("not dropped")
    assert seen["network"] == "PermissionError"  # seccomp: no socket but AF_UNIX, at every level


def test_no_process_or_folder_is_left_after_close(tmp_path):
    daemon = """
import os, time
for _ in range(3):
    if os.fork() == 0:
        if os.fork() == 0:
            time.sleep(600)
        os._exit(0)
return os.getpid()
"""
    submission = build_submission(tmp_path / "submission", _conv1d_returning(daemon))
    session = SandboxSession(submission, Limits(**{**LIMITS.__dict__, "memory_mb": 4096}), ALLOWED)  # 16 processes
    assert session.call("conv1d_full", 1, 2).status == "ok"
    folder, uid = session.folder, session.uid
    time.sleep(0.1)
    assert len(wait_no_sandbox_processes(folder, uid, timeout=0)) >= 3 + 3  # keeper, reaper, server, 3 daemons
    session.close()
    assert wait_no_sandbox_processes(folder, uid, timeout=0) == []
    assert not folder.exists()


def test_waiting_for_a_process_that_is_already_gone_returns_at_once():
    from autograder.sandbox import reaping

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    ticks = reaping.start_time(child.pid)
    child.wait()
    assert reaping.start_time(child.pid) == ""
    # Looked up after it ended (a probe's reaper often is): nothing to wait for.
    assert reaping.wait_gone(child.pid, "", timeout=0.2) is True
    # Looked up while it ran: it has ended since.
    assert reaping.wait_gone(child.pid, ticks, timeout=0.2) is True
    # A process that runs on is waited for until the timeout.
    assert reaping.wait_gone(os.getpid(), reaping.start_time(os.getpid()), timeout=0.05) is False


def test_the_child_code_is_compiled_once_unless_bytecode_is_off(tmp_path, monkeypatch):
    from autograder.sandbox import process

    code_dir = tmp_path / "sandbox"
    shutil.copytree(Path(process.CODE_DIR) / process.CHILD_PACKAGE, code_dir / process.CHILD_PACKAGE,
                    ignore=shutil.ignore_patterns("__pycache__"))
    modules = sorted(path.stem for path in (code_dir / process.CHILD_PACKAGE).glob("*.py"))
    cache = code_dir / process.CHILD_PACKAGE / "__pycache__"

    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert process.compile_child_code(str(code_dir)) is False
    assert not cache.exists()

    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    assert process.compile_child_code(str(code_dir)) is True
    assert sorted(path.name.split(".")[0] for path in cache.glob("*.pyc")) == modules


def test_sessions_run_side_by_side_in_threads(tmp_path):
    submission = build_submission(tmp_path / "submission")
    results = {}

    def work(n):
        with SandboxSession(submission, LIMITS, ALLOWED) as session:
            results[n] = [session.call("conv_output_size", 10 + n, 3).value for _ in range(3)]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {n: [8 + n] * 3 for n in range(3)}


def test_a_closed_session_refuses_calls(make_session):
    session = make_session()
    session.close()
    session.close()
    with pytest.raises(RuntimeError, match="closed"):
        session.call("conv_output_size", 4, 3)


# ---------------------------------------------------------------- the protocol, without a child


def _npy(array, **kwargs) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array, **kwargs)
    return buffer.getvalue()


@pytest.mark.parametrize("blob, message", [
    (_npy(np.array([None, 1], dtype=object), allow_pickle=True), "dtype object"),
    (_npy(np.zeros(2, dtype=[("a", "f8")])), "dtype [('a', '<f8')]"),
    (_npy(np.zeros(4))[:-8], "data size does not match"),
    (_npy(np.zeros(4)) + b"\0" * 8, "data size does not match"),
    (_npy(np.zeros(4)).replace(b"(4,)", b"(9,)"), "data size does not match"),
    (b"\x93NUMPY\x01\x00" + b"\x10\x00" + b"{'descr': 1}    ", ".npy header is invalid"),
    (b"not an npy file", ".npy header is invalid"),
])
def test_load_array_rejects_what_it_did_not_validate(blob, message):
    with pytest.raises(wire.WireError) as error:
        wire.load_array(blob)
    assert message in str(error.value)


def test_load_array_checks_the_size_before_allocating():
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }"
    header = header.ljust(118) + b"\n"
    with pytest.raises(wire.WireError, match="data size does not match its shape"):
        wire.load_array(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + b"\0" * 8)


@pytest.mark.parametrize("node, blobs", [
    (["array", 0], []),
    (["list", [["array", 0], ["array", 0]]], [_npy(np.zeros(1))]),
    (["none"], [_npy(np.zeros(1))]),
    (["int", "1e5"], []),
    (["int", "1" * 5000], []),
    (["float", 1.5], []),
    (["pickle", "x"], []),
    (["dict", [["a", ["none"]], ["a", ["none"]]]], []),
    (["list"], []),
    (["scalar", 0], [_npy(np.zeros(2))]),
    (["list", [["none"]] * (wire.MAX_NODES + 1)], []),
])
def test_decode_value_rejects_malformed_trees(node, blobs):
    with pytest.raises(wire.WireError):
        wire.decode_value(node, blobs)


def test_decode_value_rejects_deep_nesting():
    node = ["none"]
    for _ in range(wire.MAX_DEPTH + 2):
        node = ["list", [node]]
    with pytest.raises(wire.WireError):
        wire.decode_value(node, [])


def test_read_frame_caps_sizes():
    frame = wire.encode({"status": "ok"}, np.zeros(1000), with_value=True)
    stream = iter([frame])
    data = bytearray(next(stream))

    def read_exactly(n):
        chunk = bytes(data[:n])
        del data[:n]
        return chunk

    with pytest.raises(wire.WireError, match="8128 bytes of arrays"):
        wire.read_frame(read_exactly, max_blob_bytes=1000)
    too_long = (wire.MAX_HEADER_BYTES + 1).to_bytes(4, "big")
    with pytest.raises(wire.WireError, match="a header of"):
        wire.read_frame(lambda n, d=bytearray(too_long): bytes(d[:n]), max_blob_bytes=0)


# ---------------------------------------------------------------- weaker machines, and a grader that dies


ALL_NAMESPACES = ("mount", "pid", "net", "ipc", "uts")
EXPECTED_NAMESPACES = {"full": list(ALL_NAMESPACES), "userns": ["user", *ALL_NAMESPACES], "minimal": []}


@pytest.mark.parametrize("level", level_params())
def test_each_isolation_level_serves_and_cleans_up(level, tmp_path):
    daemon = ("import os, time\nif os.fork() == 0:\n    time.sleep(600)\n"
              "try:\n    return os.listdir('/')\nexcept PermissionError:\n    return []")
    submission = build_submission(tmp_path / "submission", _conv1d_returning(daemon))
    with SandboxSession(submission, LIMITS, ALLOWED, level) as session:
        listing = session.call("conv1d_full", 1, 2).value
        assert session.call("conv_output_size", 4, 3).value == 2
        crashed = session.call("conv_output_size", 4, "3")
        assert (crashed.status, crashed.error_type) == ("exception", "ValueError")
        assert session.isolation["namespaces"] == EXPECTED_NAMESPACES[level]
        assert ("work" in listing and "sandbox" in listing) == (level != "minimal")
        assert session.isolation["capabilities"] == "none" or os.geteuid() != 0
        assert isinstance(session.isolation["lockdown"]["landlock"], dict)
        assert isinstance(session.isolation["lockdown"]["seccomp"], dict)
        folder, uid = session.folder, session.uid
    assert wait_no_sandbox_processes(folder, uid) == []
    assert not folder.exists()


@pytest.mark.parametrize("level", level_params())
def test_multiprocessing_works_at_every_level(level, tmp_path):
    body = """
import multiprocessing
from multiprocessing import shared_memory
with multiprocessing.Pool(2) as pool:
    found = pool.map(abs, [-1, -2])
lock = multiprocessing.RLock()
with lock, lock:
    pass
queue = multiprocessing.Queue()
worker = multiprocessing.Process(target=queue.put, args=(3,))
worker.start()
found.append(queue.get(timeout=10))
worker.join()
block = shared_memory.SharedMemory(create=True, size=8)
block.buf[0] = 4
found.append(block.buf[0])
block.close()
block.unlink()
with multiprocessing.get_context("spawn").Pool(1) as pool:
    found += pool.map(abs, [-5])
return found
"""
    submission = build_submission(tmp_path / "submission", _conv1d_returning(body))
    # Without a cgroup (a user, not root) the sandbox gets memory_mb / 256 MB processes and threads: 32 here.
    with SandboxSession(submission, Limits(20, 8192, 4, 8, 64, 32), ALLOWED, level) as session:
        outcome = session.call("conv1d_full", 1, 2)
        assert (outcome.status, outcome.value) == ("ok", [1, 2, 3, 4, 5]), (outcome, session.output)


GRADER = """
import sys, time
sys.path.insert(0, {tests!r})
from pathlib import Path
from autograder.sandbox import Limits, SandboxSession
session = SandboxSession(Path({submission!r}), Limits(5, 512, 4, 1, 64, 32), ("numpy",))
print(session.folder, session.uid, flush=True)
session.call("conv1d_full", 1, 2)
"""


def test_a_grader_that_dies_takes_its_sandboxes_with_it(tmp_path):
    submission = build_submission(tmp_path / "submission", _conv1d_returning("import time\ntime.sleep(600)"))
    script = GRADER.format(tests=str(Path(__file__).parent), submission=str(submission))
    grader = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT)
    folder, uid = grader.stdout.readline().split()
    folder, uid = Path(folder), None if uid == "None" else int(uid)
    try:
        time.sleep(0.5)  # the call is running: the student's process sleeps
        assert wait_no_sandbox_processes(folder, uid, timeout=0)
        grader.kill()
        grader.wait()
        assert wait_no_sandbox_processes(folder, uid, timeout=5) == []
        assert not folder.exists()  # the keeper removed it once everything had ended
    finally:
        grader.kill()
        grader.wait()
        grader.stdout.close()
        kill_sandbox_processes(folder, uid)
        shutil.rmtree(folder, ignore_errors=True)


def test_folders_of_dead_graders_are_swept(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale, ours = staging.make_session_folder(), staging.make_session_folder()
    (stale / staging.OWNER_FILE).write_text(f"{finished.stdout.strip()} 12345")
    try:
        assert stale in staging.sweep_stale_folders()
        assert not stale.exists() and ours.exists()
    finally:
        staging.remove_session_folder(ours)
