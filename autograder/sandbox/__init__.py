"""The sandbox: student code runs only in an isolated child process, one per exercise.

    SandboxSession(submission_dir, limits, allowed_modules)     session.py
        .call(target, *args, **kwargs) -> CallOutcome            outcome.py
        .output   the child's stdout+stderr, capped              output.py
        .close()  kills every process it started, removes its folder
    Limits       grading.toml's [limits] as the child gets them  limits.py
    isolation_report()   what this machine enforces              isolation.py

How one child is built (process.py starts child/bootstrap.py):
  - a fresh temporary folder holding only the whitelisted student modules, as a
    package `submission` with an empty __init__.py (staging.py);
  - an environment built from nothing (host.child_environment);
  - where the machine allows (root, or unprivileged user namespaces): its own
    user/mount/PID/network/IPC/UTS namespaces, a private root with only the system
    libraries, Python and numpy read-only plus tmpfs /work and /tmp, its own /proc,
    no network (child/namespaces.py); as root, its own uid, with every
    capability dropped (child/confine.py);
  - rlimits on memory, CPU, file size, open files and processes (child/confine.py);
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
