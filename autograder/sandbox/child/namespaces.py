"""Linux namespaces and mounts through ctypes (Python 3.11 has no os.unshare).

build_root() turns an empty folder into the child's whole file system: the
system libraries and the Python installation read-only, numpy alone under
/sandbox/site, a size-capped tmpfs for /work, /tmp and /dev/shm, four device nodes, and
(in a PID namespace) a /proc that shows only the sandbox's own processes. The
repository, the grader's home, the real /tmp and every site-packages folder
stay out of reach once pivot_root has swapped it in.
"""
from __future__ import annotations

import ctypes
import errno
import os
import platform
import shutil

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
NAMESPACE_FLAGS = {"mount": CLONE_NEWNS, "pid": CLONE_NEWPID, "net": CLONE_NEWNET, "ipc": CLONE_NEWIPC, "uts": CLONE_NEWUTS}

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_RELATIME = 1 << 21
MNT_DETACH = 2
PR_SET_PDEATHSIG = 1
# statvfs f_flag bit -> the mount flag a read-only remount must keep (the kernel
# refuses to clear a flag it locked when the mount came from a more privileged namespace).
_KEPT_FLAGS = {2: MS_NOSUID, 4: MS_NODEV, 8: MS_NOEXEC, 1024: MS_NOATIME, 2048: MS_NODIRATIME, 4096: MS_RELATIME}
_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}

SYSTEM_TREES = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin")
SYSTEM_FILES = ("/etc/ld.so.cache",)
DEVICES = ("null", "zero", "random", "urandom")
SITE = "/sandbox/site"
WORK = "/work"
ROOT_TMPFS_OPTIONS = "size=1m,nr_inodes=4096,mode=0755"

libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def unshare(flags: int) -> None:
    _check(libc.unshare(flags), "unshare")


def mount(source, target, fstype, flags, data=None) -> None:
    encode = lambda text: None if text is None else os.fsencode(text)  # noqa: E731
    _check(libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)), f"mount {target}")


def enter_user_namespace() -> None:
    """A user namespace in which this process keeps its own uid and gid, with every capability."""
    uid, gid = os.geteuid(), os.getegid()
    unshare(CLONE_NEWUSER)
    with open("/proc/self/setgroups", "w") as f:
        f.write("deny")
    with open("/proc/self/uid_map", "w") as f:
        f.write(f"{uid} {uid} 1")
    with open("/proc/self/gid_map", "w") as f:
        f.write(f"{gid} {gid} 1")


def die_with_parent() -> None:
    _check(libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")


def bind_readonly(source: str, target: str) -> None:
    try:
        mount(source, target, None, MS_BIND)
    except OSError as error:  # a user namespace may only bind a tree together with its submounts
        if error.errno != errno.EINVAL:
            raise
        mount(source, target, None, MS_BIND | MS_REC)
    kept = sum(flag for bit, flag in _KEPT_FLAGS.items() if os.statvfs(target).f_flag & bit)
    mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | kept)


def _inside(root: str, path: str) -> str:
    return os.path.join(root, path.lstrip("/"))


def _mirror(root: str, path: str, is_dir: bool = True) -> str:
    """Create `path` inside root (a folder, or an empty file to bind a file onto); return its full name."""
    target = _inside(root, path)
    os.makedirs(target if is_dir else os.path.dirname(target), mode=0o755, exist_ok=True)
    if not is_dir and not os.path.exists(target):
        open(target, "w").close()
    return target


def _visible(root: str, path: str) -> bool:
    """Whether `path` already shows inside root."""
    return os.path.lexists(_inside(root, path))


def _within(path: str, trees: list[str]) -> bool:
    return any(path == tree or path.startswith(tree.rstrip("/") + "/") for tree in trees)


def build_root(root: str, plan: dict) -> tuple[list[str], bool]:
    """Mount the sandbox's file system on root and pivot into it.

    Returns the host paths it covered, and whether /proc could be mounted.

    plan: python_dirs (trees of the Python installation), numpy_dirs (numpy and its
    bundled libraries), staged_submission (the folder to copy to /work/submission),
    work_mb, uid/gid (owner of /work and /tmp), hide (host paths to cover if a bound
    tree happens to contain them), proc (mount a fresh /proc: needs a PID namespace).
    """
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, ROOT_TMPFS_OPTIONS)
    bound = []
    for path in SYSTEM_TREES:
        if os.path.islink(path):
            os.symlink(os.readlink(path), _inside(root, path))
        elif os.path.isdir(path):
            bind_readonly(path, _mirror(root, path))
            bound.append(path)
    for path in SYSTEM_FILES:
        if os.path.isfile(path):
            bind_readonly(path, _mirror(root, path, is_dir=False))
    for path in plan["python_dirs"]:
        if not _within(os.path.realpath(path), [os.path.realpath(tree) for tree in bound]):
            bind_readonly(path, _mirror(root, path))
            bound.append(path)
    for path in plan["numpy_dirs"]:
        bind_readonly(path, _mirror(root, os.path.join(SITE, os.path.basename(path))))
    hidden = []
    for path in plan["hide"]:
        # Only what a bound tree brought along; a folder on the way to one is our own, and empty.
        if _within(path, bound) and os.path.isdir(_inside(root, path)):
            mount("tmpfs", _inside(root, path), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=0755")
            hidden.append(path)
    owner = f"uid={plan['uid']},gid={plan['gid']}"
    for path, megabytes in ((WORK, plan["work_mb"]), ("/tmp", plan["work_mb"])):
        options = f"size={megabytes}m,nr_inodes=4096,mode=0755,{owner}"
        mount("tmpfs", _mirror(root, path), "tmpfs", MS_NOSUID | MS_NODEV, options)
    shutil.copytree(plan["staged_submission"], _inside(root, WORK + "/submission"))
    mount("tmpfs", _mirror(root, "/dev"), "tmpfs", MS_NOSUID | MS_NOEXEC, "size=4k,mode=0755")
    for device in DEVICES:
        mount(f"/dev/{device}", _mirror(root, f"/dev/{device}", is_dir=False), None, MS_BIND)
    # multiprocessing's locks and shared_memory live in /dev/shm: a private one, its size capped.
    shm = f"size={plan['work_mb']}m,nr_inodes=4096,mode=0700,{owner}"
    mount("tmpfs", _mirror(root, "/dev/shm"), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, shm)
    proc = False
    if plan["proc"]:
        # Before the pivot: in a user namespace the kernel lets us mount a proc only while
        # a fully visible one (the host's) is still in our mount namespace. Where it refuses
        # anyway (a container that masks parts of its /proc), the sandbox has no /proc at all.
        try:
            mount("proc", _mirror(root, "/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
            proc = True
        except PermissionError:
            pass
    pivot(root)
    mount(None, "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    return hidden, proc


def pivot(root: str) -> None:
    number = _PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise OSError(errno.ENOSYS, f"pivot_root: unknown system call number on {platform.machine()}")
    old = os.path.join(root, ".old")
    os.mkdir(old)
    _check(libc.syscall(number, os.fsencode(root), os.fsencode(old)), "pivot_root")
    os.chdir("/")
    _check(libc.umount2(b"/.old", MNT_DETACH), "umount /.old")
    os.rmdir("/.old")
