"""What the grader's machine offers the sandbox: where Python and numpy live, what to hide, which uid.

Everything here describes the grader's side; the plan built from it is all the
child learns (it holds no seed, no reference, no expected value).
"""
from __future__ import annotations

import functools
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


SHM_SHIM = Path(__file__).resolve().parent / "child" / "shm_shim.py"


def link_site_dirs(folder: Path) -> Path:
    """folder/site with links to numpy alone: the child's import path besides the standard library.

    It also holds a copy of child/shm_shim.py, which an interpreter multiprocessing spawns
    at the minimal level imports from there (the grader's own folders are out of its reach).
    """
    site_dir = folder / "site"
    site_dir.mkdir()
    for path in numpy_dirs():
        os.symlink(path, site_dir / os.path.basename(path))
    (site_dir / SHM_SHIM.name).write_bytes(SHM_SHIM.read_bytes())
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


# What a child with no private root may read besides Python, numpy and its own folder:
# system libraries and small system files; what it may write: its work folder and /dev/null.
SYSTEM_READABLE = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin", "/etc/ld.so.cache",
                   "/etc/localtime", "/dev/null", "/dev/zero", "/dev/random", "/dev/urandom",
                   "/sys/devices/system/cpu", "/proc/cpuinfo", "/proc/meminfo")
SITE_FOLDERS = ("site-packages", "dist-packages")


def readable_trees(folder: Path, submission_dir: Path) -> list[str]:
    """What a child without a private root may read (Landlock): everything it needs, nothing hidden.

    The standard library comes in entry by entry, so its site-packages stays out; a system
    tree that holds a hidden path (the repository, a home folder, the temp folder) is split
    until the hidden path is left out.
    """
    return sorted(set(_installation_trees(str(Path(submission_dir).resolve().parent)))
                  | {str(folder / "site"), str(folder / "work")})


def stdlib_dirs() -> list[str]:
    """The standard library's folders. A new interpreter must list them (its import system
    does) but not read what lies in their site-packages: the child may only list them."""
    return sorted({os.path.realpath(sysconfig.get_paths()[key]) for key in ("stdlib", "platstdlib")})


@functools.lru_cache(maxsize=8)
def _installation_trees(submissions_parent: str) -> tuple[str, ...]:
    hidden = hidden_paths(Path(submissions_parent) / "submission")
    trees = []
    for base in stdlib_dirs():
        if os.path.isdir(base):
            trees += [os.path.join(base, entry) for entry in os.listdir(base) if entry not in SITE_FOLDERS]
    trees += [os.path.realpath(sys.executable)] + _loaded_libraries() + numpy_dirs()
    for tree in SYSTEM_READABLE:
        trees += _without(os.path.realpath(tree), hidden)
    return tuple(trees)


def _loaded_libraries() -> list[str]:
    """The shared libraries this interpreter has mapped (libpython, libc, libffi...): the child needs them too."""
    found = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split(maxsplit=5)[-1].strip() if line.count(" ") >= 5 else ""
                if path.startswith("/") and ".so" in os.path.basename(path) and os.path.isfile(path):
                    found.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(found)


def _without(tree: str, hidden: list[str]) -> list[str]:
    """tree, or its parts that hold none of the hidden paths (and are not site-packages folders)."""
    if not os.path.exists(tree) or any(tree == h for h in hidden) or os.path.basename(tree) in SITE_FOLDERS:
        return []
    if not os.path.isdir(tree) or not any(h.startswith(tree.rstrip("/") + "/") for h in hidden):
        return [tree]
    parts = []
    for entry in sorted(os.listdir(tree)):
        parts += _without(os.path.realpath(os.path.join(tree, entry)), hidden)
    return parts


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
           "HOME": home, "TMPDIR": home,
           # glibc reserves 64 MB of address space per thread for a malloc arena of its own: under
           # an address-space limit a few threads (a multiprocessing.Pool has three) would not start.
           "MALLOC_ARENA_MAX": "2"}
    env.update({name: environ[name] for name in NUMERIC_KERNEL_VARIABLES if name in environ})
    env.update({name: "1" for name in THREAD_VARIABLES})
    return env


# Without a cgroup, each process gets an equal share of memory_mb as its address space;
# Python with numpy needs about 150 MB of address space to start.
MIN_PROCESS_MB = 256


def resource_plan(limits: Limits, cgroup_description: str | None) -> dict:
    """Each process's address space and how many processes, so that the sandbox stays within memory_mb.

    With a cgroup the group bounds memory and processes for the sandbox as a whole, and each
    process may use all of memory_mb. Without one: processes x address space <= memory_mb.
    """
    if cgroup_description:
        return {"address_space_mb": limits.memory_mb, "processes": limits.processes, "by": cgroup_description}
    processes = max(1, min(limits.processes, limits.memory_mb // MIN_PROCESS_MB))
    share = limits.memory_mb // processes
    return {"address_space_mb": share, "processes": processes,
            "by": f"rlimits: {processes} processes of {share} MB address space each (memory_mb {limits.memory_mb})"}


def build_plan(*, folder: Path, submission_dir: Path, limits: Limits, allowed_modules, want: dict,
               drop_uid: int | None, why_not_dropped: str, probe: bool = False, cgroup=None) -> dict:
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
        "resources": resource_plan(limits, cgroup.describe() if cgroup else None),
        "cgroup_procs": cgroup.procs_files if cgroup else [],
        # Landlock rules, by what the child sees: its private root, or the host's file system.
        "lockdown": {
            "mount": {"read": ["/"], "write": [WORK, "/tmp", "/dev/shm", "/dev/null"]},
            "host": {"read": readable_trees(folder, submission_dir), "write": [work_host, "/dev/null"],
                     "list": stdlib_dirs()},
        },
        "api": dict(API),
        "allowed": list(allowed_modules),
    }
