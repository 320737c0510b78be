"""The child's entry point: isolate, confine, then serve, before any student code is imported.

Three processes, so that nothing the student starts can outlive the session:

    keeper  the process the grader started. It enters the namespaces, forks the
            reaper and waits; SIGTERM from the grader makes it ask the reaper to
            kill everything, then exit. If it is killed outright the reaper dies
            with it (PR_SET_PDEATHSIG), and with the reaper the PID namespace.
    reaper  pid 1 of the new PID namespace (or a child subreaper without one).
            It builds the file system, forks the server, reaps orphans, and when
            the server ends or SIGTERM arrives kills every process left.
    server  drops to the session uid, loses its capabilities, takes the rlimits,
            imports numpy, installs the import guard, says hello and serves.

argv[1] is the JSON plan the grader wrote (sandbox/process.py); a keeper forked by the fork
server (child/zygote.py) gets it as an argument instead, numpy already imported. Errors before
the hello are sent as {"fatal": message} so the grader can report them.
"""
from __future__ import annotations

import importlib
import json
import os
import shutil
import signal
import sys
import traceback

from . import confine, lockdown, namespaces, server, shm_shim, wire
from .guard import ImportGuard

EXIT_SETUP_FAILED = 70
MAX_FD = 1 << 16
GRADER_CHECK_SECONDS = 1.0
MAX_FATAL_CHARS = 500


def main(plan: dict | None = None) -> None:
    plan = json.loads(sys.argv[1]) if plan is None else plan
    channel = server.Channel(plan["request_fd"], plan["response_fd"], plan["max_request_bytes"])
    report: dict = {"namespaces": [], "resources": plan["resources"]["by"]}
    try:
        join_cgroup(plan["cgroup_procs"])
        enter_namespaces(plan, report, KEEPER_NAMESPACES)
    except Exception as error:
        fail(channel, "entering namespaces", error)
    keeper_pid = os.getpid()
    reaper_pid = os.fork()
    if reaper_pid:
        keep(reaper_pid, channel, os.path.dirname(plan["root_dir"]))
    try:
        become_reaper(plan, report, keeper_pid)
    except Exception as error:
        fail(channel, "building the sandbox", error)
    server_pid = os.fork()
    if server_pid:
        reap(server_pid, channel, in_pid_namespace="pid" in report["namespaces"])
    try:
        guard = become_server(plan, report)
    except Exception as error:
        fail(channel, "confining the child", error)
    channel.send(wire.encode({"hello": report}))
    if plan["probe"]:
        server.exit_now(0)
    student = server.Student(plan["api"], guard, plan["submission_dir"])
    server.serve(channel, student, plan["limits"]["call_seconds"])
    server.exit_now(0)


def fail(channel: server.Channel, stage: str, error: Exception) -> None:
    """Tell the grader which setup stage failed and why (the last line of the error), then exit."""
    traceback.print_exc()  # the whole story, for the instructor: it lands in the session's output
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    message = f"{stage}: {type(error).__name__}: {lines[-1] if lines else ''}"[:MAX_FATAL_CHARS]
    try:
        channel.send(wire.encode({"fatal": message}))
    finally:
        os._exit(EXIT_SETUP_FAILED)


# ---------------------------------------------------------------- keeper


# The keeper enters only what must exist before the fork (a PID namespace applies to
# children); the rest is the reaper's, so the keeper keeps the host's view of the file
# system (pivot_root moves every process of its mount namespace into the new root).
KEEPER_NAMESPACES = ("pid",)
REAPER_NAMESPACES = ("mount", "net", "ipc", "uts")
NAMESPACE_ORDER = ("user", "mount", "pid", "net", "ipc", "uts")


def join_cgroup(procs_files: list[str]) -> None:
    """Move this process (the keeper, before it starts anything) into the session's cgroup."""
    for path in procs_files:
        with open(path, "w") as procs:
            procs.write(str(os.getpid()))


def enter_namespaces(plan: dict, report: dict, names: tuple[str, ...]) -> None:
    want = plan["want"]
    if "pid" in names and want.get("user"):
        namespaces.enter_user_namespace()
        report["namespaces"].append("user")
    for name in names:
        if want.get(name):
            flag = namespaces.NAMESPACE_FLAGS[name]
            try:
                namespaces.unshare(flag)
            except OSError:
                if not plan["probe"]:
                    raise
                continue
            report["namespaces"].append(name)
    report["namespaces"].sort(key=NAMESPACE_ORDER.index)


def keep(reaper_pid: int, channel: server.Channel, session_folder: str) -> None:
    """Wait for the reaper; on SIGTERM, have it end everything first. Exits with its status.

    Once a second it also checks that the grader is still there: a grader that dies
    without closing its sessions must not leave a student's endless loop running,
    nor the session's folder.
    """
    _close_channel(channel)
    grader = os.getppid()
    orphaned = []

    def stop(signum, frame):
        try:
            os.kill(reaper_pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    def check_grader(signum, frame):
        if os.getppid() != grader and not orphaned:
            orphaned.append(True)
            stop(signum, frame)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGALRM, check_grader)
    signal.setitimer(signal.ITIMER_REAL, GRADER_CHECK_SECONDS, GRADER_CHECK_SECONDS)
    _, status = os.waitpid(reaper_pid, 0)
    if orphaned:
        shutil.rmtree(session_folder, ignore_errors=True)
    os._exit(_exit_code(status))


# ---------------------------------------------------------------- reaper


def become_reaper(plan: dict, report: dict, keeper_pid: int) -> None:
    namespaces.die_with_parent()
    if os.getppid() not in (keeper_pid, 0):  # 0: the keeper lies outside our PID namespace
        os._exit(EXIT_SETUP_FAILED)
    enter_namespaces(plan, report, REAPER_NAMESPACES)
    in_pid_namespace = "pid" in report["namespaces"]
    if not in_pid_namespace:
        namespaces.libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans come back to us
    if "mount" in report["namespaces"]:
        owner = plan["uid_inside"]
        root_plan = dict(plan["root"], proc=in_pid_namespace, uid=owner, gid=owner)
        try:
            covered, proc = namespaces.build_root(plan["root_dir"], root_plan)
            report["covered_site_folders"] = len(covered)
            report["filesystem"] = "private root: system libraries, Python, numpy (read-only), /work and /tmp (tmpfs)"
            report["proc"] = "own PID namespace" if proc else "none"
        except OSError:
            if not plan["probe"]:
                raise
            report["namespaces"].remove("mount")
            report["filesystem"] = "host file system (building a private root failed)"
    else:
        report["filesystem"] = "host file system"
        report["proc"] = "host /proc"


def reap(server_pid: int, channel: server.Channel, in_pid_namespace: bool) -> None:
    """Reap every orphan until the server ends, then kill whatever is left and exit with its status."""
    _close_channel(channel)
    signal.signal(signal.SIGTERM, lambda signum, frame: _end(in_pid_namespace, 128 + signal.SIGTERM))
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            _end(in_pid_namespace, EXIT_SETUP_FAILED)
        if pid == server_pid:
            _end(in_pid_namespace, _exit_code(status))


def _end(in_pid_namespace: bool, code: int) -> None:
    if in_pid_namespace:
        try:
            os.kill(-1, signal.SIGKILL)  # from pid 1: every other process of the namespace
        except ProcessLookupError:
            pass
    else:
        kill_descendants()
    os._exit(code)


def kill_descendants() -> None:
    """As a child subreaper: kill our children until none are left (orphans keep coming back to us)."""
    while True:
        children = _children()
        if not children:
            break
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def _children() -> list[int]:
    me = str(os.getpid())
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[1].decode() == me:
                found.append(int(entry))
    return found


# ---------------------------------------------------------------- server


def become_server(plan: dict, report: dict) -> ImportGuard:
    os.setsid()
    paths = plan["paths"]["mount" if "mount" in report["namespaces"] else "host"]
    if plan["drop_uid"] is not None:
        report["uid"] = confine.drop_to_uid(plan["drop_uid"])
    else:
        report["uid"] = f"not dropped ({plan['why_not_dropped']})"
    if "user" in report["namespaces"] or plan["drop_uid"] is not None or os.geteuid() == 0:
        report["capabilities"] = confine.drop_capabilities(namespaces.libc)
    else:
        report["capabilities"] = "none (the grader's user has none)"
    os.chdir(paths["work"])
    _close_fds_except({0, 1, 2, plan["request_fd"], plan["response_fd"]})
    report["rlimits"] = confine.set_rlimits(plan["limits"], plan["resources"], confine.tasks_of_uid(os.getuid()))
    report["lockdown"] = lock_down(plan["lockdown"]["mount" if "mount" in report["namespaces"] else "host"])
    if "net" in report["namespaces"]:
        report["network"] = "none (own network namespace)"
    elif "tcp" in report["lockdown"].get("landlock", {}).get("covers", ()):
        report["network"] = "no TCP, no sockets but AF_UNIX (Landlock, seccomp)"
    else:
        report["network"] = "host network"
    if "mount" not in report["namespaces"]:  # no private /dev/shm: multiprocessing keeps its objects in work/
        shm_shim.install(paths["work"], paths["site"])
        report["multiprocessing"] = "semaphores and shared memory in the work folder"
    sys.path.remove(plan["code_dir"])
    if plan.get("preloaded_site"):  # forked by the fork server: numpy came from its folder of links
        sys.path.remove(plan["preloaded_site"])
        relocate_modules(plan["preloaded_site"], paths["site"])
    if not plan["probe"]:  # a probe's report is the level's record: how sessions start is not part of it
        report["started"] = "forked from a server that had imported numpy" if plan.get("preloaded_site") else "a new interpreter"
    sys.path.extend([paths["site"], paths["work"]])
    import numpy  # noqa: F401  (before the guard and before any student code)

    if plan.get("preloaded_site") and "numpy.random" in sys.modules:
        numpy.random.seed()  # the server's generator state would be every fork's: draw a fresh one

    guard = ImportGuard(plan["allowed"], server.PACKAGE, sorted(set(plan["api"].values())))
    guard.install()
    plan["submission_dir"] = paths["submission"]
    return guard


def relocate_modules(old: str, new: str) -> None:
    """Point every module imported from the folder old at the same file under new.

    The fork server imported numpy from its own folder of links, which the session's child
    cannot see (its private root holds numpy at SITE, its host-level folder at its own site/);
    a submodule imported later (numpy.fft, say) is found through its package's __path__.
    """
    def moved(path):
        if isinstance(path, str) and (path == old or path.startswith(old + os.sep)):
            return new + path[len(old):]
        return path

    for module in list(sys.modules.values()):
        for name in ("__file__", "__cached__"):
            if isinstance(getattr(module, name, None), str):
                setattr(module, name, moved(getattr(module, name)))
        search = getattr(module, "__path__", None)
        if isinstance(search, list):
            search[:] = [moved(path) for path in search]
        spec = getattr(module, "__spec__", None)
        if spec is not None:
            spec.origin = moved(spec.origin)
            if spec.has_location and spec.cached:
                spec.cached = moved(spec.cached)
            if isinstance(spec.submodule_search_locations, list):
                spec.submodule_search_locations[:] = [moved(p) for p in spec.submodule_search_locations]
    sys.path_importer_cache.clear()
    importlib.invalidate_caches()


def lock_down(rules: dict) -> dict:
    """Landlock (what may be read and written) then seccomp; what each did, or why it could not."""
    done = {}
    try:
        done["landlock"] = lockdown.apply_landlock(rules["read"] + [f"/proc/{os.getpid()}"], rules["write"],
                                                   rules.get("list", []))
    except OSError as error:
        done["landlock"] = f"not applied: {error}"
    try:
        done["seccomp"] = lockdown.apply_seccomp()
    except OSError as error:
        done["seccomp"] = f"not applied: {error}"
    return done


def _close_fds_except(keep: set[int]) -> None:
    low = 3
    for fd in sorted(keep | {MAX_FD}):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1


def _close_channel(channel: server.Channel) -> None:
    # The grader sees the server's end only when no other process holds the pipes.
    for fd in (channel.request_fd, channel.response_fd):
        try:
            os.close(fd)
        except OSError:
            pass


def _exit_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    main()
