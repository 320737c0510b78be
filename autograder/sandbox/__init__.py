"""The sandbox: student code runs only in an isolated child process, one per exercise.

    SandboxSession(submission_dir, limits, allowed_modules, level)   session.py
        .load(modules) / .call(target, *args, **kwargs) -> CallOutcome  outcome.py
        .output   the child's stdout+stderr, capped              output.py
        .close()  kills every process it started, removes its folder and cgroup
    Limits       grading.toml's [limits] as the child gets them  limits.py
    isolation_report(level)   what a level enforces here     isolation.py

The levels (isolation.py): full (root), userns (unprivileged user namespaces),
minimal (no namespaces: Landlock and seccomp), none (not even Landlock).

How one child is built (process.py starts child/bootstrap.py, or has the fork server,
forkserver.py and child/zygote.py, fork it from a process that imported numpy once;
CONVLAB_FORK_SERVER=0 turns that off):
  - a fresh temporary folder holding only the whitelisted student modules, as a
    package `submission` with an empty __init__.py (staging.py);
  - an environment built from nothing (host.child_environment);
  - as root, a cgroup bounding the whole session's memory, processes and CPU share
    (cgroups.py); without one, processes x address space stays within memory_mb;
  - at full and userns: its own user/mount/PID/network/IPC/UTS namespaces, a private
    root with only the system libraries, Python and numpy read-only plus tmpfs /work,
    /tmp and /dev/shm, its own /proc (child/namespaces.py); at full, its own uid;
  - every capability dropped, rlimits on memory, CPU, file size, open files and
    processes (child/confine.py);
  - Landlock and seccomp (child/lockdown.py): what may be read and written, no TCP,
    no signal or ptrace outside the sandbox, no foreign sockets, mounts or sessions;
  - at minimal, multiprocessing's semaphores and shared memory in the work folder
    (child/shm_shim.py), since /dev/shm is out of reach;
  - an import guard: the standard library, numpy and the student's own modules only (child/guard.py).
Requests and responses travel on two pipes as JSON headers plus .npy bytes,
validated by the grader before numpy rebuilds anything (child/wire.py).

Nothing outlives a session: the child is three processes (child/bootstrap.py), a
keeper the grader started, a reaper that is pid 1 of the PID namespace (or a child
subreaper without one), and the server that runs student code. close() has the
reaper kill everything, then kills by process group and session uid; a grader that
dies without closing is noticed by the keeper within a second, which then ends the
session and removes its folder. isolation.py probes once per grader process what
the machine allows, so every session asks for exactly that.
"""
from .isolation import isolation_report
from .limits import Limits
from .outcome import CallOutcome
from .session import SandboxSession

__all__ = ["Limits", "CallOutcome", "SandboxSession", "isolation_report"]
