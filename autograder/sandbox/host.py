"""What the grader's machine offers the sandbox: where Python and numpy live, what to hide, which uid.

Everything here describes the grader's side; the plan built from it is all the
child learns (it holds no seed, no reference, no expected value).
"""
from __future__ import annotations

import glob
import importlib.util
import os
import site
import sys
import sysconfig
import tempfile
from dataclasses import asdict
from pathlib import Path

from ..paths import API, REPO_ROOT
from .child.namespaces import SITE, WORK
from .limits import Limits

WORK_TMPFS_MB = 64
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS")


def numpy_dirs() -> list[str]:
    """numpy's package folder, and the folder of libraries its wheel bundles (numpy.libs) if any."""
    package = os.path.dirname(os.path.realpath(importlib.util.find_spec("numpy").origin))
    bundled = package + ".libs"
    return [package] + ([bundled] if os.path.isdir(bundled) else [])


def link_site_dirs(folder: Path) -> Path:
    """folder/site with links to numpy alone: the child's import path besides the standard library."""
    site_dir = folder / "site"
    site_dir.mkdir()
    for path in numpy_dirs():
        os.symlink(path, site_dir / os.path.basename(path))
    return site_dir


def python_dirs() -> list[str]:
    """The installation the child's interpreter runs from (its standard library)."""
    prefixes = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.base_exec_prefix)}
    return sorted(prefixes)


def hidden_paths(submission_dir: Path) -> list[str]:
    """Host folders to cover if a tree bound into the child's root happens to contain them."""
    candidates = set(site.getsitepackages()) | {site.getusersitepackages()}
    for scheme_base in python_dirs():
        paths = sysconfig.get_paths(vars={"base": scheme_base, "platbase": scheme_base})
        candidates |= {paths["purelib"], paths["platlib"]}
    for pattern in ("/usr/lib/python3*/*-packages", "/usr/lib64/python3*/*-packages",
                    "/usr/local/lib/python3*/*-packages", "/usr/lib/python3/dist-packages"):
        candidates |= set(glob.glob(pattern))
    candidates |= {str(REPO_ROOT), os.path.expanduser("~"), tempfile.gettempdir(),
                   str(Path(submission_dir).resolve().parent)}
    return sorted(os.path.realpath(path) for path in candidates if path)


# Variables that choose which numeric kernels numpy and its BLAS run. A machine sets them because
# the kernel its CPU would get computes wrong results or crashes there (OPENBLAS_CORETYPE on some
# ARM boards and virtual machines), so the child computes with the kernels the grader's own numpy
# uses. None holds a secret or widens what the child may do; thread counts stay at 1 regardless.
NUMERIC_KERNEL_VARIABLES = (
    "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",  # OpenBLAS: the CPU's kernel set, its cache size
    "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS", "MKL_DEBUG_CPU_TYPE",  # MKL: reproducible / chosen code paths
    "BLIS_ARCH_TYPE",  # BLIS: the kernel set
    "NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES",  # numpy's own SIMD dispatch
)


def child_environment(home: str, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The child's whole environment, built from nothing: of the grader's variables only those
    that choose numeric kernels (NUMERIC_KERNEL_VARIABLES) survive; thread counts are 1."""
    environ = os.environ if environ is None else environ
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
           "HOME": home, "TMPDIR": home}
    env.update({name: environ[name] for name in NUMERIC_KERNEL_VARIABLES if name in environ})
    env.update({name: "1" for name in THREAD_VARIABLES})
    return env


def wanted_namespaces() -> dict[str, bool]:
    """The namespaces to try: all of them; a user namespace first unless we are root."""
    names = {"mount": True, "pid": True, "net": True, "ipc": True, "uts": True}
    return dict(names, user=os.geteuid() != 0)


def build_plan(*, folder: Path, submission_dir: Path, limits: Limits, forbidden_modules, want: dict,
               drop_uid: int | None, why_not_dropped: str, probe: bool = False) -> dict:
    """The JSON plan child/bootstrap.py follows (the pipe fds are added when the child starts)."""
    work_host = str(folder / "work")
    return {
        "probe": probe,
        "want": want,
        "root_dir": str(folder / "root"),
        "root": {
            "python_dirs": python_dirs(),
            "numpy_dirs": numpy_dirs(),
            "staged_submission": str(folder / "work" / "submission"),
            "work_mb": WORK_TMPFS_MB,
            "hide": hidden_paths(submission_dir),
        },
        "uid_inside": drop_uid if drop_uid is not None else os.geteuid(),
        "drop_uid": drop_uid,
        "why_not_dropped": why_not_dropped,
        "paths": {
            "mount": {"work": WORK, "site": SITE, "submission": WORK + "/submission"},
            "host": {"work": work_host, "site": str(folder / "site"), "submission": work_host + "/submission"},
        },
        "limits": asdict(limits),
        "api": dict(API),
        "forbidden": list(forbidden_modules),
    }
