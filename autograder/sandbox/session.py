"""SandboxSession: one isolated child process serving the calls of one exercise."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Sequence

from . import reaping, staging
from .cgroups import SessionCgroup
from .child import wire
from .host import build_plan, child_environment, link_site_dirs
from .child.namespaces import WORK
from .isolation import settings
from .limits import Limits
from .outcome import CallOutcome
from .output import CappedOutput
from .process import ChildGone, ChildProcess, CallTimeout, STOP_GRACE_SECONDS
from .replies import outcome_from_response


class SandboxSession:
    """Calls into one submission's code, each in the same child until one fails hard.

    The child starts with the session. A timeout, a crash, a broken response or a
    forbidden import ends it; the next call starts a fresh one. close() (or leaving
    the with-block) kills every process the session started and removes its folder.
    """

    def __init__(self, submission_dir: Path, limits: Limits, allowed_modules: Sequence[str], level: str = "auto"):
        self.limits = limits
        self._settings = settings(level)
        self._uid = reaping.pick_session_uid() if self._settings.drop_uid else None
        self._folder = staging.make_session_folder()
        self._closed = False
        self._child: ChildProcess | None = None
        self._output = CappedOutput(limits.output_kb * 1024)
        self._start_error = ""
        self._cgroup: SessionCgroup | None = None
        self.isolation: dict = {}  # the hello of the latest child: what it enforced
        try:
            staging.stage_submission(Path(submission_dir), self._folder, owner=self._uid)
            link_site_dirs(self._folder)
            (self._folder / "root").mkdir()
            self._cgroup = SessionCgroup.create(self._folder, limits.memory_mb, limits.processes)
            self._plan = build_plan(
                folder=self._folder, submission_dir=Path(submission_dir), limits=limits,
                allowed_modules=allowed_modules, want=self._settings.want, drop_uid=self._uid,
                why_not_dropped=self._settings.why_not_dropped, cgroup=self._cgroup,
            )
            self._env = child_environment(WORK if self._settings.private_root else str(self._folder / "work"))
            try:
                self._start()  # now, so that the first call's time is the student's alone
            except ChildGone as error:
                self._start_error = str(error)  # the first call reports it
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------ calls

    def call(self, target: str, *args, **kwargs) -> CallOutcome:
        """Call target (an API name or a LeNet op) with args; see CallOutcome for what comes back."""
        return self._call({"op": "call", "target": target}, [list(args), kwargs])

    def call_with_inputs(self, target: str, *args, **kwargs) -> CallOutcome:
        """Like call, but an "ok" value is {"result": returned value, "args": [...], "kwargs": {...}}:
        the arguments as the student's code left them, to catch a function that changes its inputs."""
        return self._call({"op": "call", "target": target, "with_inputs": True}, [list(args), kwargs])

    def load(self, modules: Sequence[str]) -> CallOutcome:
        """Import these student modules now: "ok", or what stopped the first that failed (outcome.module)."""
        return self._call({"op": "load", "modules": list(modules)}, None)

    def _call(self, request: dict, value) -> CallOutcome:
        if self._closed:
            raise RuntimeError("this SandboxSession is closed")
        frame = wire.encode(request, value, with_value=True)
        if self._start_error:
            error, self._start_error = self._start_error, ""
            return CallOutcome("crashed", error=error)
        if self._child is None:
            try:
                self._start()
            except ChildGone as error:
                return CallOutcome("crashed", error=str(error))
        started = time.monotonic()
        try:
            header, blobs = self._child.exchange(frame, started, self.limits.call_seconds, self._cpu_seconds)
        except CallTimeout:
            self._end_child()
            return CallOutcome("timeout", error=f"timed out after {_seconds(self.limits.call_seconds)} s "
                               "(call_seconds in grading.toml)", seconds=float(self.limits.call_seconds))
        except ChildGone:
            text, signal = self._crash_text()
            return CallOutcome("crashed", error=text, signal=signal, seconds=time.monotonic() - started)
        except wire.WireError as error:
            self._end_child()
            return CallOutcome("bad_output", error=f"sent a malformed response: {error}",
                               seconds=time.monotonic() - started)
        outcome = self._outcome(header, blobs, time.monotonic() - started)
        if outcome.status in ("forbidden_import", "bad_output"):
            self._end_child()  # its state can no longer be trusted to answer the next call honestly
        return outcome

    def _outcome(self, header: dict, blobs: list[bytes], elapsed: float) -> CallOutcome:
        return outcome_from_response(header, blobs, elapsed)

    def _cpu_seconds(self) -> float | None:
        """CPU time the whole sandbox has used (its cgroup's, else its processes' own accounts)."""
        used = self._cgroup.cpu_seconds() if self._cgroup is not None else None
        return used if used is not None else self._child.cpu_seconds()

    @property
    def memory_peak(self) -> int | None:
        """The most memory the whole sandbox held at once, in bytes, where a cgroup accounts for it."""
        return self._cgroup.memory_peak() if self._cgroup is not None else None

    def _start(self) -> None:
        child = ChildProcess(self._plan, self._env, self._folder, self._output, self._uid)
        self.isolation = child.start()
        self._child = child

    def _crash_text(self) -> tuple[str, str]:
        """Why the child stopped, in words, and the signal that ended it ("" if none did)."""
        child = self._child
        if not child.wait_exit(STOP_GRACE_SECONDS):
            self._end_child()
            return "the student's process stopped answering (it closed its connection to the grader)", ""
        text, signal = child.exit_description(), child.exit_signal()
        self._end_child()
        return f"the student's process ended during the call: {text}", signal

    def _end_child(self) -> None:
        if self._child is not None:
            self._child.stop()
            self._child = None

    # ------------------------------------------------------------ the rest

    @property
    def folder(self) -> Path:
        """The session's temporary folder (every process of the session carries its name in argv)."""
        return self._folder

    @property
    def uid(self) -> int | None:
        """The uid the session's processes run as, when this machine lets the sandbox drop to one."""
        return self._uid

    @property
    def output(self) -> str:
        """What the child(ren) printed so far, capped at output_kb."""
        return self._output.text

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._end_child()
        finally:
            staging.remove_session_folder(self._folder)
            if self._cgroup is not None:
                self._cgroup.remove()
            if self._uid is not None:
                reaping.release_session_uid(self._uid)

    def __enter__(self) -> "SandboxSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
