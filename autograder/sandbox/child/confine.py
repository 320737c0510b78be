"""Limits on the process that runs student code: rlimits, an unprivileged uid, no capabilities.

Everything here only ever lowers what the process may do, so the order of the
steps does not matter for safety; dropping the uid comes after the mounts
(which need privileges) and before any student code.
"""
from __future__ import annotations

import ctypes
import math
import os
import resource

MB = 1 << 20
# A process's CPU time over the whole session may not exceed this many calls'
# worth; each call also gets its own soft limit (arm_cpu_limit).
SESSION_CPU_CALLS = 50
_PR_SET_NO_NEW_PRIVS = 38
_PR_CAPBSET_DROP = 24
_LAST_CAPABILITY = 63
_CAP_VERSION_3 = 0x20080522


def drop_to_uid(uid: int) -> str:
    """Become uid/gid `uid` with no supplementary groups (needs root)."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid or os.getegid() != uid:
        raise OSError(f"could not drop to uid {uid}")
    return f"dropped to {uid}"


def drop_capabilities(libc: ctypes.CDLL) -> str:
    """Clear every capability (they linger in a user namespace) and forbid regaining any."""
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    for capability in range(_LAST_CAPABILITY + 1):
        libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0)  # fails harmlessly past the kernel's last one
    header = (ctypes.c_uint32 * 2)(_CAP_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable for two 32-bit words: all zero
    if libc.capset(header, data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")
    return "none"


def set_rlimits(limits: dict, resources: dict, processes_already_running: int) -> dict:
    """Apply grading.toml's [limits] as hard rlimits; return what was set, for the isolation report.

    resources: the address space of each process and the number of processes (host.resource_plan):
    with a cgroup bounding the whole sandbox, memory_mb each; without one, a share of it.
    """
    call_cpu = math.ceil(limits["call_seconds"]) + 1
    values = {
        "RLIMIT_AS": resources["address_space_mb"] * MB,
        "RLIMIT_CPU": call_cpu * SESSION_CPU_CALLS,
        "RLIMIT_FSIZE": limits["file_size_mb"] * MB,
        "RLIMIT_NOFILE": limits["open_files"],
        # Counted per real uid: the processes this uid already runs are not the student's.
        "RLIMIT_NPROC": resources["processes"] + processes_already_running,
        "RLIMIT_CORE": 0,
    }
    applied = {}
    for name, value in values.items():
        resource.setrlimit(getattr(resource, name), (value, value))
        applied[name] = value
    return applied


def arm_cpu_limit(call_seconds: float) -> None:
    """Let the coming call use at most about call_seconds of CPU (a backstop to the grader's wall clock)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = math.ceil(usage.ru_utime + usage.ru_stime)
    resource.setrlimit(resource.RLIMIT_CPU, (min(hard, used + math.ceil(call_seconds) + 1), hard))


def tasks_of_uid(uid: int) -> int:
    """Threads and processes of `uid` this process can see (what RLIMIT_NPROC counts)."""
    count = 0
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            count += int(fields.get("Threads", "1"))
    return count
