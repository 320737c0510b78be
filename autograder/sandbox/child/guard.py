"""The import policy: student modules may import the standard library, numpy and each other, nothing else.

One rule, enforced by the same code in the sandbox child (where every import is the
student's) and in the visible tests (where pytest, torch and the tests import freely and
only the student's own files are held to the rule):

    an import is the student's when the code that asked for it is one of the student's
    modules (warmup.py, sizes.py, ...) of the student package (`submission` in the
    sandbox, `assignments` or `reference` in the visible tests; the course's own files
    in that package, data.py and training.py, are not the student's); such an import is
    allowed when its top-level name is in the standard library (sys.stdlib_module_names),
    in `allowed` (grading.toml [policy] allowed_modules: numpy), or is the student
    package itself.

The guard sits first on sys.meta_path (`importlib.import_module("torch")`, `import
torch`) and wraps builtins.__import__ (`from scipy import signal` asks for `scipy` first,
which may simply be missing: the wrapper sees the full name before that fails). Every
refused attempt is remembered even when the student's code catches the ImportError, so a
call that tried is reported as a forbidden import, not as what its fallback returned.
Imports made by numpy or the standard library on their own behalf (optional
dependencies they try and skip) are theirs, not the student's, and never refused.
"""
from __future__ import annotations

import builtins
import sys

# Frames of the import machinery itself: the code that asked is the first frame outside them.
_MACHINERY = ("<frozen importlib._bootstrap", "<frozen importlib._bootstrap_external")
ALWAYS_ALLOWED = frozenset({"__future__"})


def _is_machinery(frame) -> bool:
    """A frame of the import system (importlib, its frozen bootstrap) or of this guard."""
    name = frame.f_globals.get("__name__")
    return (frame.f_code.co_filename.startswith(_MACHINERY) or name == __name__
            or (isinstance(name, str) and (name == "importlib" or name.startswith("importlib."))))


class ForbiddenImport(ImportError):
    """Raised for a student's import of a module outside the policy."""


def top_level(name: str) -> str:
    return name.partition(".")[0]


class ImportGuard:
    """Refuses the student modules' imports of anything but the standard library, `allowed` and their package."""

    def __init__(self, allowed, package: str, modules):
        self.allowed = frozenset(top_level(name) for name in allowed) | ALWAYS_ALLOWED | {package}
        self.package = package
        self.students = frozenset(f"{package}.{module}" for module in modules)
        self.attempts: list[str] = []
        self._stdlib = frozenset(sys.stdlib_module_names)

    def permits(self, fullname: str) -> bool:
        root = top_level(fullname)
        return root in self.allowed or root in self._stdlib

    def is_student_module(self, module_name: object) -> bool:
        return isinstance(module_name, str) and module_name in self.students

    def asked_by_student(self, depth: int) -> bool:
        """Whether the first frame above the import machinery, `depth` frames up, runs student code."""
        try:
            frame = sys._getframe(depth)
        except ValueError:
            return False
        while frame is not None and _is_machinery(frame):
            frame = frame.f_back
        return frame is not None and self.is_student_module(frame.f_globals.get("__name__"))

    def check(self, fullname: str, depth: int) -> None:
        if not isinstance(fullname, str) or self.permits(fullname):
            return
        if self.asked_by_student(depth + 1):
            self.attempts.append(top_level(fullname))
            raise ForbiddenImport(f"importing {top_level(fullname)} is not allowed in this course's exercises", name=fullname)

    def install(self) -> None:
        """Refuse from now on (one hook per process serves every guard installed in it)."""
        if self not in _GUARDS:
            _GUARDS.append(self)
        if _HOOK not in sys.meta_path:
            sys.meta_path.insert(0, _HOOK)
            _HOOK.wrap_import()

    def from_student(self, globals) -> bool:
        # `import x` passes the importing module's globals; __import__("x") called by hand passes none.
        if isinstance(globals, dict):
            return self.is_student_module(globals.get("__name__"))
        return True  # decided by the frame check


_GUARDS: list[ImportGuard] = []


class _Hook:
    """The process's one meta-path finder and __import__ wrapper, asking every installed guard."""

    def find_spec(self, fullname, path=None, target=None):
        for guard in list(_GUARDS):
            guard.check(fullname, depth=2)
        return None

    def wrap_import(self) -> None:
        original = builtins.__import__

        def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
            if level == 0 and isinstance(name, str):
                for guard in list(_GUARDS):
                    if guard.from_student(globals):
                        guard.check(name, depth=2)
                        for item in fromlist or ():  # from scipy import signal
                            if isinstance(item, str) and item != "*":
                                guard.check(f"{name}.{item}", depth=2)
            return original(name, globals, locals, fromlist, level)

        builtins.__import__ = guarded_import


_HOOK = _Hook()
