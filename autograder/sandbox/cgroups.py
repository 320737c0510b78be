"""One control group per sandbox session, where the grader may make one: limits for the sandbox as a whole.

A group holds every process of the session (the keeper joins it first thing, everything
it starts is born in it), so its limits count all of them together:

    memory   memory_mb for all processes at once (the kernel's OOM killer ends one past it)
    pids     at most `processes` processes and threads at once (root is not held to RLIMIT_NPROC)
    cpu      one equal share: a session with many busy processes gets no more of the CPU
             than one with a single process, so a neighbour's load cannot starve it
    cpuacct  the CPU time the session used, for timeouts that count CPU, not the wall clock

cgroup v2 (one tree, where the grader's own group may delegate to children) is tried
first, then v1 (a tree per controller). Without either, or without the right to make a
group (an unprivileged grader), create() returns None and the sandbox falls back to
per-process rlimits chosen so that their product stays within memory_mb.
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PREFIX = "convlab-"
V1_CONTROLLERS = ("memory", "pids", "cpu", "cpuacct")
V2_CONTROLLERS = ("memory", "pids", "cpu")


def _own_groups() -> dict[str, str]:
    """controller (or "" for v2) -> this process's group path, from /proc/self/cgroup."""
    groups = {}
    try:
        with open("/proc/self/cgroup") as lines:
            for line in lines:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                for controller in controllers.split(",") if controllers else [""]:
                    groups[controller] = path
    except OSError:
        pass
    return groups


def _write(path: Path, value: str) -> None:
    with open(path, "w") as stream:
        stream.write(value)


class SessionCgroup:
    """The groups of one session (one in v2, one per controller in v1) and how to read them."""

    def __init__(self, version: int, folders: dict[str, Path]):
        self.version = version
        self.folders = folders  # controller ("" for v2) -> folder

    @classmethod
    def create(cls, session_folder: Path, memory_mb: int, processes: int) -> "SessionCgroup | None":
        """The session's groups, named after its folder (sweep_stale_groups relies on that)."""
        if os.geteuid() != 0 or not ROOT.is_dir():
            return None
        name = PREFIX + Path(session_folder).name
        for make in (cls._create_v2, cls._create_v1):
            try:
                group = make(name, memory_mb, processes)
            except OSError:
                continue
            if group is not None:
                return group
        return None

    @classmethod
    def _create_v2(cls, name, memory_mb, processes):
        own = _own_groups().get("")
        base = ROOT / own.lstrip("/") if own is not None else None
        if base is None or not (base / "cgroup.controllers").is_file():
            return None
        available = (base / "cgroup.controllers").read_text().split()
        if not set(V2_CONTROLLERS) <= set(available):
            return None
        enabled = (base / "cgroup.subtree_control").read_text().split()
        missing = [c for c in V2_CONTROLLERS if c not in enabled]
        if missing:
            _write(base / "cgroup.subtree_control", " ".join("+" + c for c in missing))
        folder = base / name
        folder.mkdir()
        group = cls(2, {"": folder})
        try:
            _write(folder / "memory.max", str(memory_mb << 20))
            if (folder / "memory.swap.max").exists():
                _write(folder / "memory.swap.max", "0")
            _write(folder / "pids.max", str(processes))
        except OSError:
            group.remove()
            raise
        return group

    @classmethod
    def _create_v1(cls, name, memory_mb, processes):
        own = _own_groups()
        folders = {}
        for controller in V1_CONTROLLERS:
            base = ROOT / controller / own.get(controller, "/").lstrip("/")
            if not (base / "cgroup.procs").is_file():
                continue
            folder = base / name
            try:
                folder.mkdir()
            except FileExistsError:
                pass  # cpu and cpuacct may share one tree
            folders[controller] = folder
        if not {"memory", "pids"} <= set(folders):
            cls(1, folders).remove()
            return None
        group = cls(1, folders)
        try:
            _write(folders["memory"] / "memory.limit_in_bytes", str(memory_mb << 20))
            _write(folders["pids"] / "pids.max", str(processes))
        except OSError:
            group.remove()
            raise
        return group

    @property
    def procs_files(self) -> list[str]:
        """The files a process writes its pid into to join every group of the session."""
        return sorted({str(folder / "cgroup.procs") for folder in self.folders.values()})

    def cpu_seconds(self) -> float | None:
        """CPU time used by every process of the session so far (None if not accounted)."""
        try:
            if self.version == 2:
                for line in (self.folders[""] / "cpu.stat").read_text().splitlines():
                    if line.startswith("usage_usec "):
                        return int(line.split()[1]) / 1e6
            elif "cpuacct" in self.folders:
                return int((self.folders["cpuacct"] / "cpuacct.usage").read_text()) / 1e9
        except (OSError, ValueError):
            pass
        return None

    def memory_peak(self) -> int | None:
        """The most memory the session held at once, in bytes (None if not accounted)."""
        name = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        folder = self.folders.get("" if self.version == 2 else "memory")
        try:
            return int((folder / name).read_text())
        except (OSError, ValueError, TypeError):
            return None

    def describe(self) -> str:
        return f"cgroup v{self.version}: memory, processes and CPU share for the whole sandbox"

    def remove(self) -> None:
        """Remove the groups (every process in them must have ended)."""
        for folder in self.folders.values():
            try:
                folder.rmdir()
            except OSError:
                pass


def sweep_stale_groups(session_folders: Path) -> None:
    """Remove the empty groups of sessions whose folder (in session_folders) is gone: a grader
    killed outright left them behind."""
    if os.geteuid() != 0 or not ROOT.is_dir():
        return
    own = _own_groups()
    bases = [ROOT / own.get("", "/").lstrip("/")] + [ROOT / c / own.get(c, "/").lstrip("/") for c in V1_CONTROLLERS]
    for base in bases:
        for folder in base.glob(PREFIX + "*") if base.is_dir() else ():
            if (session_folders / folder.name[len(PREFIX):]).exists():
                continue
            try:
                if not (folder / "cgroup.procs").read_text().strip():
                    folder.rmdir()
            except OSError:
                pass
