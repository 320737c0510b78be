"""The isolation levels, and which one this machine gives, found once per grader process by a probe child.

    full     root: PID, mount, network, IPC and UTS namespaces, a private read-only root,
             a per-session unprivileged uid, no capabilities; Landlock and seccomp on top
    userns   an unprivileged user namespace with the same namespaces and private root,
             no capabilities, but the grader's own uid outside it; Landlock and seccomp
    minimal  no namespaces: Landlock (what may be read and written, no TCP, no signal or
             abstract socket outside the sandbox, no ptrace or /proc snooping), seccomp
             (no ptrace, mount, unshare, foreign sockets, new sessions...), no capabilities
    none     not even Landlock: rlimits and the import guard only. Below every floor.

At every level the seed and expected values never reach the child, nothing outside its
work folder is writable, and the result records the level. The probe is a sandbox child
like any other, told to report instead of serve: its hello says which namespaces it
entered, whether it built a private root, dropped its uid, and applied Landlock and
seccomp. `level` asks for one level ("auto": the strongest this machine allows); a level
the machine cannot give raises IsolationUnavailable saying why.
"""
from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass

from . import cgroups, reaping, staging
from .host import build_plan, child_environment, link_site_dirs
from .limits import Limits
from .output import CappedOutput
from .process import ChildGone, ChildProcess, compile_child_code

LEVELS = ("full", "userns", "minimal")  # strongest first
NONE = "none"
PROBE_LIMITS = Limits(call_seconds=10, memory_mb=2048, output_kb=16, file_size_mb=8, open_files=64, processes=32)
NAMESPACES = ("mount", "pid", "net", "ipc", "uts")
_lock = threading.Lock()


class IsolationUnavailable(Exception):
    """A level this machine cannot give; the message says what is missing."""


@dataclass(frozen=True)
class Settings:
    level: str  # full, userns, minimal or none: what sessions get
    want: dict  # namespace name -> enter it
    private_root: bool  # the child gets its own root file system
    drop_uid: bool  # each session runs as its own unprivileged uid
    why_not_dropped: str
    report: dict  # the probe's hello: what a child enforced here


def rank(level: str) -> int:
    """Higher is stronger: full 3, userns 2, minimal 1, none 0."""
    return len(LEVELS) - LEVELS.index(level) if level in LEVELS else 0


def settings(level: str = "auto") -> Settings:
    """How sessions are built at `level` on this machine (probed once per level and process)."""
    with _lock:
        return _probe(level)


def isolation_report(level: str = "auto") -> dict:
    """What is enforced at `level` on this machine, as a child reports it (recorded in every result)."""
    chosen = settings(level)
    report = dict(chosen.report, level=chosen.level)
    if chosen.drop_uid:
        first, count = reaping.SESSION_UID_FIRST, reaping.SESSION_UID_COUNT
        report["uid"] = f"dropped to a per-session uid ({first}-{first + count - 1})"
    report["summary"] = summary(report)
    return report


def summary(report: dict) -> str:
    """One line: the level, then every mechanism in force ("minimal: Landlock, seccomp, rlimits")."""
    parts = []
    if report.get("namespaces"):
        parts.append("namespaces " + " ".join(report["namespaces"]))
    if str(report.get("filesystem", "")).startswith("private root"):
        parts.append("private root")
    if str(report.get("uid", "")).startswith("dropped"):
        parts.append("per-session uid")
    lockdown = report.get("lockdown", {})
    parts += [name.capitalize() if name == "landlock" else name for name in ("landlock", "seccomp")
              if isinstance(lockdown.get(name), dict)]
    resources = str(report.get("resources", ""))
    parts.append("cgroup" if resources.startswith("cgroup") else "rlimits")
    return f"{report.get('level', NONE)}: " + ", ".join(parts)


def wanted(level: str) -> dict:
    """The namespaces a level enters."""
    names = dict.fromkeys(NAMESPACES, level in ("full", "userns"))
    return dict(names, user=level == "userns")


def achieved(level: str, report: dict) -> str:
    """What a probe's hello is short of for `level` ("" when it has everything)."""
    entered = set(report.get("namespaces", []))
    lockdown = report.get("lockdown", {})
    landlock = isinstance(lockdown.get("landlock"), dict)
    seccomp = isinstance(lockdown.get("seccomp"), dict)
    if "fatal" in report:
        return report["fatal"]
    needs = {
        "full": [("namespaces " + ", ".join(NAMESPACES), set(NAMESPACES) <= entered),
                 ("a private root", report.get("filesystem", "").startswith("private root")),
                 ("a per-session uid", str(report.get("uid", "")).startswith("dropped"))],
        "userns": [("a user namespace", "user" in entered),
                   ("namespaces " + ", ".join(NAMESPACES), set(NAMESPACES) <= entered),
                   ("a private root", report.get("filesystem", "").startswith("private root"))],
        "minimal": [("Landlock", landlock), ("seccomp", seccomp)],
    }[level]
    missing = [what for what, ok in needs if not ok]
    return "no " + ", no ".join(missing) if missing else ""


@functools.lru_cache(maxsize=None)
def _probe(level: str) -> Settings:
    staging.sweep_stale_folders()  # once per grader process, before its first session
    cgroups.sweep_stale_groups(staging.session_root())
    compile_child_code()
    root = os.geteuid() == 0
    if level == "auto":
        order = list(LEVELS) if root else list(LEVELS[1:])
    elif level in LEVELS:
        order = [level]
    else:
        raise ValueError(f"isolation level must be auto or one of {', '.join(LEVELS)}, got {level!r}")
    reasons = {}
    if level == "full" and not root:
        raise IsolationUnavailable("level full needs the grader to run as root (it gives each session its own uid)")
    for candidate in order:
        uid = reaping.pick_session_uid() if candidate == "full" else None
        report = _probe_child(wanted(candidate), uid, "not root" if not root else f"level {candidate}")
        short = achieved(candidate, report)
        if not short:
            return Settings(candidate, wanted(candidate), candidate != "minimal", uid is not None,
                            "not root" if not root else f"level {candidate}", report)
        reasons[candidate] = short
    if level != "auto":
        raise IsolationUnavailable(f"level {level} is not available on this machine: {reasons[level]}")
    report = _probe_child(wanted("minimal"), None, "not root")
    return Settings(NONE, wanted("minimal"), False, False, "not root", dict(report, short_of=reasons))


def _probe_child(want: dict, uid: int | None, why_not_dropped: str) -> dict:
    folder = staging.make_session_folder()
    group = None
    try:
        staging.stage_submission(folder / "missing", folder, owner=uid)
        link_site_dirs(folder)
        (folder / "root").mkdir()
        group = cgroups.SessionCgroup.create(folder, PROBE_LIMITS.memory_mb, PROBE_LIMITS.processes)
        plan = build_plan(folder=folder, submission_dir=folder / "missing", limits=PROBE_LIMITS,
                          allowed_modules=(), want=want, drop_uid=uid, why_not_dropped=why_not_dropped,
                          probe=True, cgroup=group)
        # A new interpreter, never the fork server: what a level gives is judged on its own.
        child = ChildProcess(plan, child_environment(str(folder / "work")), folder, CappedOutput(1 << 14), uid,
                             use_fork_server=False)
        try:
            return child.start()
        except ChildGone as error:
            return {"fatal": str(error)}
        finally:
            child.stop()
    finally:
        staging.remove_session_folder(folder)
        if group is not None:
            group.remove()
        if uid is not None:
            reaping.release_session_uid(uid)
