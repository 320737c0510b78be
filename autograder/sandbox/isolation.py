"""What isolation this machine allows, found once per grader process by a probe child.

The probe is a sandbox child like any other, started with every namespace
wanted and told to report instead of serve: its hello says which namespaces it
entered, whether it could build a private root, drop its uid and lose its
capabilities. Sessions then ask for exactly that, so a laptop without user
namespaces, a container without CAP_SYS_ADMIN and a root CI machine all grade,
each with the strongest isolation it permits, and each result records which.
"""
from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass

from . import reaping, staging
from .host import build_plan, child_environment, link_site_dirs, wanted_namespaces
from .limits import Limits
from .output import CappedOutput
from .process import ChildGone, ChildProcess, compile_child_code

PROBE_LIMITS = Limits(call_seconds=10, memory_mb=2048, output_kb=16, file_size_mb=8, open_files=64, processes=32)
_lock = threading.Lock()


@dataclass(frozen=True)
class Settings:
    want: dict  # namespace name -> enter it
    private_root: bool  # the child gets its own root file system
    drop_uid: bool  # each session runs as its own unprivileged uid
    why_not_dropped: str


def isolation_report() -> dict:
    """What is enforced on this machine, as a session's child reports it (recorded in every result).

    A session's own child reports the same, with its actual uid and rlimits (SandboxSession.isolation).
    """
    report = dict(_probe()[0])
    if settings().drop_uid:
        first, count = reaping.SESSION_UID_FIRST, reaping.SESSION_UID_COUNT
        report["uid"] = f"dropped to a per-session uid ({first}-{first + count - 1})"
    return report


def settings() -> Settings:
    return _probe()[1]


def _probe() -> tuple[dict, Settings]:
    with _lock:
        return _run_probe()


@functools.lru_cache(maxsize=1)
def _run_probe() -> tuple[dict, Settings]:
    staging.sweep_stale_folders()  # once per grader process, before its first session
    compile_child_code()
    root = os.geteuid() == 0
    want = wanted_namespaces()
    uid = reaping.pick_session_uid() if root else None
    report = _probe_child(want, uid, "not root")
    if "fatal" in report:  # e.g. user namespaces refused: try again with nothing but rlimits
        want = {name: False for name in want}
        report = dict(_probe_child(want, None, "not root"), probe_failure=report["fatal"])
    entered = set(report.get("namespaces", []))
    private_root = "mount" in entered
    if root and not private_root:
        report["uid"] = "not dropped (no private root: the Python installation may not be readable by another uid)"
        uid = None
    chosen = Settings(
        want={name: name in entered for name in want},
        private_root=private_root,
        drop_uid=uid is not None and str(report.get("uid", "")).startswith("dropped"),
        why_not_dropped="not root" if not root else "no private root on this machine",
    )
    return report, chosen


def _probe_child(want: dict, uid: int | None, why_not_dropped: str) -> dict:
    folder = staging.make_session_folder()
    try:
        staging.stage_submission(folder / "missing", folder, owner=None)
        link_site_dirs(folder)
        (folder / "root").mkdir()
        plan = build_plan(folder=folder, submission_dir=folder / "missing", limits=PROBE_LIMITS,
                          allowed_modules=(), want=want, drop_uid=uid, why_not_dropped=why_not_dropped,
                          probe=True)
        child = ChildProcess(plan, child_environment(str(folder / "work")), folder, CappedOutput(1 << 14), uid)
        try:
            return child.start()
        except ChildGone as error:
            return {"fatal": str(error)}
        finally:
            child.stop()
    finally:
        staging.remove_session_folder(folder)
        if uid is not None:
            reaping.release_session_uid(uid)
