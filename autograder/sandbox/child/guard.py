"""The import guard: a meta-path finder that refuses the course's forbidden modules.

It sits first on sys.meta_path, so `import torch` and `importlib.import_module("torch.nn")`
reach it before any real finder. builtins.__import__ is wrapped as well, because
`from scipy.signal import convolve2d` and `from scipy import signal` first import
`scipy`, which the sandbox does not have at all: the wrapper sees the full name
before that fails. Every
attempt is remembered even when the student's code catches the ImportError, so a
call that tried is reported as a forbidden import, not as what its fallback returned.
"""
from __future__ import annotations

import builtins
import sys


class ForbiddenImport(ImportError):
    """Raised for an import of a forbidden module (or one of its submodules)."""


class ImportGuard:
    def __init__(self, forbidden_modules):
        self.forbidden = tuple(forbidden_modules)
        self.attempts: list[str] = []

    def blocked(self, fullname: str) -> str | None:
        for name in self.forbidden:
            if fullname == name or fullname.startswith(name + "."):
                return name
        return None

    def check(self, fullname: str) -> None:
        name = self.blocked(fullname)
        if name is not None:
            self.attempts.append(name)
            raise ForbiddenImport(f"importing {name} is not allowed in this course's exercises", name=fullname)

    def find_spec(self, fullname, path=None, target=None):
        self.check(fullname)
        return None

    def install(self) -> None:
        for name in list(sys.modules):
            if self.blocked(name):
                del sys.modules[name]
        sys.meta_path.insert(0, self)
        original = builtins.__import__

        def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
            if level == 0 and isinstance(name, str):
                self.check(name)
                for item in fromlist or ():  # from scipy import signal
                    if isinstance(item, str):
                        self.check(f"{name}.{item}")
            return original(name, globals, locals, fromlist, level)

        builtins.__import__ = guarded_import
