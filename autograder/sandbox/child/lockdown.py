"""What an unprivileged Linux process can do to itself, applied before any student code: Landlock and seccomp.

Both only ever take rights away, need no privilege (after PR_SET_NO_NEW_PRIVS), hold for
every process the student starts, and cannot be undone. They are the whole file-system
and kernel-surface isolation at the `minimal` level (no namespaces), and a second wall at
the others.

Landlock (kernel 5.13+; the ABI version tells what it covers):
  - the file system: only the listed trees may be read (the Python installation without
    its site-packages, numpy, the system libraries, the session's own folder), and only
    the work folder (and /dev/null) written;
  - TCP (ABI 4+): no bind, no connect;
  - scopes (ABI 6+): no signal to a process outside the sandbox, no abstract unix socket
    outside it;
  - ptrace, and so /proc/<pid>/environ, mem and the like of any process outside the
    sandbox, always.
seccomp: a filter that answers EPERM to the system calls a numerical exercise never needs
and an attacker would: ptrace, process_vm_*, mount and friends, unshare, setns, clone with
new namespaces (clone3 gets ENOSYS, so the C library falls back to clone), bpf,
perf_event_open, userfaultfd, keyrings, kernel modules, kexec, io_uring, sockets other than
AF_UNIX, and setsid (a new session would be a new scheduling group, escaping the fair
share of the CPU the sandbox gets).

Everything here is the standard library (ctypes); the child imports it before numpy.
"""
from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

libc = ctypes.CDLL(None, use_errno=True)

# ---------------------------------------------------------------- Landlock

SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FS_REMOVE_DIR, FS_REMOVE_FILE, FS_MAKE_CHAR, FS_MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
FS_MAKE_REG, FS_MAKE_SOCK, FS_MAKE_FIFO, FS_MAKE_BLOCK, FS_MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
FS_REFER, FS_TRUNCATE, FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1
# The file-system rights each ABI version knows (a ruleset may only name those).
FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1, 5: (1 << 16) - 1}
FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV  # all a rule on a file may hold
READ = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
PR_SET_DUMPABLE = 4
SECCOMP_MODE_FILTER = 2


def landlock_abi() -> int:
    """The Landlock ABI version this kernel offers (0: none, or disabled)."""
    result = libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION))
    return max(int(result), 0)


def _fail(what: str) -> OSError:
    code = ctypes.get_errno()
    return OSError(code, f"{what}: {os.strerror(code)}")


def apply_landlock(read: list[str], write: list[str], listed: list[str] = ()) -> dict:
    """Allow reading beneath `read`, writing beneath `write` and listing (names only) beneath
    `listed` (files or folders), nothing else.

    Paths that do not exist are skipped. Returns what was enforced, for the isolation report;
    raises OSError when the kernel has no Landlock or refuses the ruleset.
    """
    abi = landlock_abi()
    if abi < 1:
        raise OSError(errno.EOPNOTSUPP, "this kernel offers no Landlock")
    fs = FS_RIGHTS_BY_ABI.get(abi, FS_RIGHTS_BY_ABI[5])
    net = NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    attr = struct.pack("=QQQ", fs, net, scoped)[: 8 if abi < 4 else 16 if abi < 6 else 24]
    buffer = ctypes.create_string_buffer(attr, len(attr))
    ruleset = libc.syscall(SYS_LANDLOCK_CREATE_RULESET, buffer, ctypes.c_size_t(len(attr)), ctypes.c_uint32(0))
    if ruleset < 0:
        raise _fail("landlock_create_ruleset")
    try:
        allowed = [(path, FS_READ_DIR) for path in listed] + [(path, READ) for path in read]
        allowed += [(path, fs & ~FS_REFER | READ) for path in write]
        for path, rights in allowed:
            _add_path_rule(ruleset, path, rights & fs)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise _fail("prctl(PR_SET_NO_NEW_PRIVS)")
        if libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            raise _fail("landlock_restrict_self")
    finally:
        os.close(ruleset)
    covers = ["file system"] + (["tcp"] if net else []) + (["signals", "abstract unix sockets"] if scoped else [])
    return {"abi": abi, "covers": covers}


def _add_path_rule(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # not on this machine: nothing to allow
    try:
        if not os.path.isdir(path):
            rights &= FILE_RIGHTS
        rule = struct.pack("=Qi", rights, fd)
        buffer = ctypes.create_string_buffer(rule, len(rule))
        if libc.syscall(SYS_LANDLOCK_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH), buffer,
                        ctypes.c_uint32(0)) != 0:
            raise _fail(f"landlock_add_rule {path}")
    finally:
        os.close(fd)


# ---------------------------------------------------------------- seccomp

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
X32_SYSCALL_BIT = 0x40000000
# name -> (x86_64, aarch64)
DENIED = {
    "ptrace": (101, 117), "process_vm_readv": (310, 270), "process_vm_writev": (311, 271),
    "mount": (165, 40), "umount2": (166, 39), "pivot_root": (155, 41), "chroot": (161, 51),
    "unshare": (272, 97), "setns": (308, 268), "bpf": (321, 280), "perf_event_open": (298, 241),
    "userfaultfd": (323, 282), "keyctl": (250, 219), "add_key": (248, 217), "request_key": (249, 218),
    "kexec_load": (246, 104), "kexec_file_load": (320, 294), "init_module": (175, 105),
    "finit_module": (313, 273), "delete_module": (176, 106), "reboot": (169, 142), "swapon": (167, 224),
    "swapoff": (168, 225), "acct": (163, 89), "io_uring_setup": (425, 425), "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427), "setsid": (112, 157), "kcmp": (312, 272), "pidfd_getfd": (438, 438),
    "open_by_handle_at": (304, 265), "name_to_handle_at": (303, 264), "fanotify_init": (300, 262),
    "quotactl": (179, 60), "syslog": (103, 116), "vhangup": (153, 58), "open_tree": (428, 428),
    "move_mount": (429, 429), "fsopen": (430, 430), "fsconfig": (431, 431), "fsmount": (432, 432),
    "fspick": (433, 433), "mount_setattr": (442, 442),
}
SOCKET, SOCKETPAIR, CLONE, CLONE3 = {"x86_64": (41, 53, 56, 435), "aarch64": (198, 199, 220, 435)}.get(
    platform.machine(), (None, None, None, None))
AF_UNIX = 1
CLONE_NEW_ANY = 0x00020000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x02000000 | 0x00000080
# BPF: load word at offset, jump if equal/greater/bits set, return.
LD_ABS, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
NR, ARCH, ARG0 = 0, 4, 16  # offsets in struct seccomp_data (little-endian: ARG0 is the low word)


def _program(machine: str) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jump if true, jump if false, k) instructions."""
    column = 0 if machine == "x86_64" else 1
    eperm, enosys = RET_ERRNO | errno.EPERM, RET_ERRNO | errno.ENOSYS
    program = [(LD_ABS, 0, 0, ARCH), (JEQ, 1, 0, AUDIT_ARCH[machine]), (RET, 0, 0, eperm), (LD_ABS, 0, 0, NR)]
    if machine == "x86_64":
        program += [(JGE, 0, 1, X32_SYSCALL_BIT), (RET, 0, 0, eperm)]
    for numbers in DENIED.values():
        program += [(JEQ, 0, 1, numbers[column]), (RET, 0, 0, eperm)]
    program += [(JEQ, 0, 1, CLONE3), (RET, 0, 0, enosys)]
    # clone: refuse new namespaces, allow threads and forks.
    program += [(JEQ, 0, 4, CLONE), (LD_ABS, 0, 0, ARG0), (JSET, 0, 1, CLONE_NEW_ANY), (RET, 0, 0, eperm),
                (RET, 0, 0, RET_ALLOW)]
    # socket and socketpair: AF_UNIX only.
    for number in (SOCKET, SOCKETPAIR):
        program += [(LD_ABS, 0, 0, NR), (JEQ, 0, 4, number), (LD_ABS, 0, 0, ARG0), (JEQ, 0, 1, AF_UNIX),
                    (RET, 0, 0, RET_ALLOW), (RET, 0, 0, eperm)]
    return program + [(RET, 0, 0, RET_ALLOW)]


def apply_seccomp() -> dict:
    """Install the filter; returns what it does, for the isolation report. Raises OSError if it cannot."""
    machine = platform.machine()
    if machine not in AUDIT_ARCH or SOCKET is None:
        raise OSError(errno.ENOSYS, f"no seccomp filter for {machine}")
    program = _program(machine)

    class SockFilter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(SockFilter))]

    instructions = (SockFilter * len(program))(*[SockFilter(*step) for step in program])
    fprog = SockFprog(len(program), instructions)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise _fail("prctl(PR_SET_NO_NEW_PRIVS)")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise _fail("prctl(PR_SET_SECCOMP)")
    return {"denied": len(DENIED) + 4, "sockets": "AF_UNIX only", "namespaces": "none new"}


def make_undumpable() -> None:
    """PR_SET_DUMPABLE 0: this process's /proc/<pid> files become root's, and no same-uid process may ptrace it."""
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
