"""The student's package as seen by a notebook while nbgrader autogrades it.

While grading, the notebook's kernel is the grader's process: it writes the scores
nbgrader records. Student code must not run in it (a module that patches the grader
at import, or ends the process, would decide the grade). So nbgrade.setup() replaces
the student modules with stand-ins before any cell imports them:

    sys.modules["assignments"]                 a package whose __path__ is the real folder,
                                               so the provided modules (data, training) load
                                               normally, but whose __init__.py never runs
    sys.modules["assignments.<module>"]        for each student module: one function per API
                                               name, each a call into one sandbox child

The notebook's cells then read as they do for students (`from assignments.conv_forward
import conv2d_forward`) and draw the student's real results, computed in the sandbox.
A call that fails raises StudentCodeError with the sandbox's one-line reason, naming the
student's file and line ("in assignments/conv_forward.py, line 42"). The kernel shows such an
error with the grader's frames taken out of its traceback (hide_grader_frames): what a cell
shows, and the feedback page with it, is the student's cell and that message, never a path of
the grader.
"""
from __future__ import annotations

import atexit
import re
import sys
import threading
import types
from pathlib import Path

from ..paths import API, STUDENT_MODULES
from .course import PACKAGE


# The sandbox ends an error with "(conv_forward.py:42)": the student's file, relative to the package.
SANDBOX_WHERE = re.compile(r"^(\w+\.py):(\d+)$")  # CallOutcome.where: "conv_forward.py:42"


class StudentCodeError(RuntimeError):
    """A call into the student's code did not return a value (it raised, crashed or ran too long)."""


def describe(target: str, status: str, error_type: str, error: str, where: str = "") -> str:
    """The error's one line: what failed, how, and where in the student's files (where: "file.py:line")."""
    reason = f"{error_type}: {error}" if error_type else error
    found = SANDBOX_WHERE.match(where)
    if found:
        reason += f" (in {PACKAGE}/{found.group(1)}, line {found.group(2)})"
    return f"{target} {status.replace('_', ' ')}: {reason}"


class SandboxedCalls:
    """One sandbox session for the whole notebook, started at the first call."""

    def __init__(self, folder: Path, config):
        self.folder = Path(folder)
        self.config = config
        self._session = None
        self._lock = threading.Lock()

    def call(self, target: str, *args, **kwargs):
        with self._lock:
            if self._session is None:
                from ..sandbox import SandboxSession

                self._session = SandboxSession(
                    self.folder, self.config.limits.sandbox_limits(), self.config.allowed_modules
                )
            outcome = self._session.call(target, *args, **kwargs)
        if not outcome.ok:
            raise StudentCodeError(describe(target, outcome.status, outcome.error_type, outcome.error, outcome.where))
        return outcome.value

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None


def _function(calls: SandboxedCalls, name: str, module: str):
    def call(*args, **kwargs):
        return calls.call(name, *args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__module__ = f"{PACKAGE}.{module}"
    call.__doc__ = f"{name} from {PACKAGE}/{module}.py, run in the sandbox."
    return call


def _lenet_class(calls: SandboxedCalls, module: str) -> type:
    class LeNet:
        """The student's LeNet: parameters live here, forward and backward run in the sandbox."""

        def __init__(self, seed=0):
            self.params = calls.call("LeNet.init", seed)
            self._x = None

        def forward(self, x):
            self._x = x
            return calls.call("LeNet.forward", self.params, x)

        def backward(self, dlogits):
            if self._x is None:
                raise StudentCodeError("LeNet.backward: call forward first")
            return calls.call("LeNet.backward", self.params, self._x, dlogits)

    LeNet.__module__ = f"{PACKAGE}.{module}"
    return LeNet


def stand_in_modules(calls: SandboxedCalls, folder: Path) -> dict[str, types.ModuleType]:
    """Module name -> stand-in module, for the package and every student module."""
    package = types.ModuleType(PACKAGE, "The student's package; its functions run in the sandbox while grading.")
    package.__path__ = [str(folder)]
    package.__file__ = str(folder / "__init__.py")
    modules = {PACKAGE: package}
    for module in STUDENT_MODULES:
        stand_in = types.ModuleType(f"{PACKAGE}.{module}")
        stand_in.__file__ = str(folder / f"{module}.py")
        modules[stand_in.__name__] = stand_in
        setattr(package, module, stand_in)
    for name, module in API.items():
        value = _lenet_class(calls, module) if name == "LeNet" else _function(calls, name, module)
        setattr(modules[f"{PACKAGE}.{module}"], name, value)
        setattr(package, name, value)
    return modules


GRADER_DIR = Path(__file__).resolve().parents[1]  # the autograder package


def without_grader_frames(tb):
    """The traceback tb with every frame of the grader's own files left out."""
    kept = []
    while tb is not None:
        if not Path(tb.tb_frame.f_code.co_filename).resolve().is_relative_to(GRADER_DIR):
            kept.append(tb)
        tb = tb.tb_next
    trimmed = None
    for item in reversed(kept):
        trimmed = types.TracebackType(trimmed, item.tb_frame, item.tb_lasti, item.tb_lineno)
    return trimmed


def hide_grader_frames() -> None:
    """In IPython, show a StudentCodeError without the grader's frames (IPython always shows the raising one)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def show(shell, etype, value, tb, tb_offset=None):
        shell.showtraceback((etype, value, without_grader_frames(tb)), tb_offset=tb_offset)
        return []

    shell.set_custom_exc((StudentCodeError,), show)


def install(folder: Path, config) -> SandboxedCalls:
    """Put the stand-ins in sys.modules (replacing nothing already imported); returns their calls."""
    folder = Path(folder).resolve()
    loaded = [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]
    if loaded:
        raise RuntimeError(f"the student's package was imported before nbgrade.setup(): {', '.join(sorted(loaded))}")
    calls = SandboxedCalls(folder, config)
    sys.modules.update(stand_in_modules(calls, folder))
    atexit.register(calls.close)
    hide_grader_frames()
    return calls
