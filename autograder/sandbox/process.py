"""One sandbox child, seen from the grader: start it, exchange frames with deadlines, end it.

The child is `python -I -S -B -u` running child/bootstrap.py with a JSON plan in argv, or
the same code forked by the fork server (forkserver.py), which has imported numpy already;
requests and responses travel on two dedicated pipes, stdout and stderr on a third that a
drain thread empties into a CappedOutput.
"""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import reaping
from .child import wire
from .forkserver import ForkServerError, fork_server
from .output import CappedOutput

CODE_DIR = str(Path(__file__).resolve().parent)  # holds the child package
CHILD_PACKAGE = "child"
BOOT = "import sys; sys.path.insert(0, {code_dir!r}); from " + CHILD_PACKAGE + ".bootstrap import main; main()"
FORK_SERVER_BOOT = "import sys; sys.path.insert(0, {code_dir!r}); from " + CHILD_PACKAGE + ".zygote import main; main()"
STARTUP_SECONDS = 30.0
# A call may run past call_seconds of wall-clock time while the sandbox has used less than
# call_seconds of CPU (a neighbour's load slowed it down), up to this many times call_seconds.
WALL_FACTOR = 3.0
CPU_POLL_SECONDS = 0.1
STOP_GRACE_SECONDS = 2.0
MAX_RESPONSE_BYTES = 64 << 20
MAX_REQUEST_BYTES = 256 << 20
CHUNK = 1 << 20


def compile_child_code(code_dir: str = CODE_DIR) -> bool:
    """Write the child package's bytecode next to its source, as an import in the grader would.

    The child runs with -B: it must never write, so each session would otherwise compile
    the package's modules from source again, about 23 ms of every sandbox start (a fifth).
    Nothing is written when the user asked Python not to (PYTHONDONTWRITEBYTECODE) or the
    folder is read-only (an installed package: pip compiled it already). Whether it wrote.
    """
    if sys.dont_write_bytecode:
        return False
    import compileall

    return bool(compileall.compile_dir(os.path.join(code_dir, CHILD_PACKAGE), maxlevels=0, quiet=2))


class ChildGone(Exception):
    """The child ended, or closed its end of the protocol, before answering."""


class CallTimeout(Exception):
    """The deadline passed before the exchange finished."""


class ChildProcess:
    def __init__(self, plan: dict, env: dict, cwd: Path, output: CappedOutput, session_uid: int | None,
                 use_fork_server: bool = True):
        self.plan = plan
        self.use_fork_server = use_fork_server
        self.env = env
        self.cwd = cwd
        self.output = output
        self.session_uid = session_uid
        self.popen: subprocess.Popen | None = None
        self.hello: dict = {}
        self._reaper: tuple[int, str] | None = None
        self._drain = None

    # ------------------------------------------------------------ start

    def start(self) -> dict:
        """Start the child and wait for its hello; return its isolation report.

        Raises ChildGone with the child's own message when its setup failed.
        """
        request_read, self._request = os.pipe()
        self._response, response_write = os.pipe()
        output_read, output_write = os.pipe()
        plan = dict(self.plan, request_fd=request_read, response_fd=response_write,
                    code_dir=CODE_DIR, max_request_bytes=MAX_REQUEST_BYTES)
        try:
            self.popen = self._fork(plan, (request_read, response_write, output_write))
            if self.popen is None:
                command = [os.path.realpath(sys.executable), "-I", "-S", "-B", "-u",
                           "-c", BOOT.format(code_dir=CODE_DIR), json.dumps(plan)]
                self.popen = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=output_write, stderr=output_write,
                    pass_fds=(request_read, response_write), env=self.env, cwd=self.cwd,
                    start_new_session=True,
                )
        except BaseException:
            for fd in (self._request, self._response, output_read):
                os.close(fd)
            raise
        finally:
            for fd in (request_read, response_write, output_write):
                os.close(fd)
        self._drain = self.output.drain(output_read)
        os.set_blocking(self._request, False)
        header = self._receive_hello(time.monotonic() + STARTUP_SECONDS)
        if "fatal" in header or type(header.get("hello")) is not dict:
            self.stop()
            raise ChildGone(f"the sandbox could not start: {str(header.get('fatal', 'no hello'))[:500]}")
        self.hello = header["hello"]
        for pid in reaping.children_of(self.popen.pid):
            self._reaper = (pid, reaping.start_time(pid))
        return self.hello

    def _fork(self, plan: dict, fds: tuple[int, int, int]):
        """A keeper forked by this process's fork server, or None (then the caller starts one itself)."""
        server = fork_server(CODE_DIR, FORK_SERVER_BOOT.format(code_dir=CODE_DIR)) if self.use_fork_server else None
        if server is None:
            return None
        try:
            return server.spawn(plan, self.env, self.cwd, fds)
        except ForkServerError:
            return None

    def _receive_hello(self, deadline: float) -> dict:
        deadline = _Deadline(time.monotonic(), deadline - time.monotonic())
        try:
            header, _ = wire.read_frame(lambda n: self._read_exactly(n, deadline), 0)
        except CallTimeout:
            self.stop()
            raise ChildGone(f"the sandbox did not start within {STARTUP_SECONDS:.0f} s") from None
        except (ChildGone, wire.WireError):
            self.wait_exit(STOP_GRACE_SECONDS)
            why = self.exit_description()
            self.stop()
            raise ChildGone(f"the sandbox ended while starting ({why})") from None
        return header

    # ------------------------------------------------------------ exchange

    def exchange(self, frame: bytes, started: float, seconds: float, cpu_seconds=None) -> tuple[dict, list[bytes]]:
        """Send one request frame and read the response frame, within the call's time.

        The call has `seconds` of CPU: it times out once `seconds` of wall-clock time have
        passed and the sandbox has used `seconds` of CPU since it started (cpu_seconds() reads
        it), or at WALL_FACTOR times `seconds` of wall-clock time whatever it used. So a
        neighbour's load never turns an honest call into a timeout, and a sleeping one still
        ends. Raises CallTimeout, ChildGone, or wire.WireError for a malformed response.
        """
        deadline = _Deadline(started, seconds, cpu_seconds)
        self._write_all(frame, deadline)
        return wire.read_frame(lambda n: self._read_exactly(n, deadline), MAX_RESPONSE_BYTES)

    def cpu_seconds(self) -> float | None:
        """CPU time of every process in the sandbox's session, from /proc (None once it is gone)."""
        server = self._server_pid()
        if server is None:
            return None
        return reaping.session_cpu_seconds(server)

    def _server_pid(self) -> int | None:
        if self._reaper is None:
            return None
        servers = reaping.children_of(self._reaper[0])
        return servers[0] if servers else None

    def _write_all(self, data: bytes, deadline) -> None:
        view = memoryview(data)
        poller = select.poll()
        poller.register(self._request, select.POLLOUT)
        while view:
            remaining = deadline.remaining()
            if remaining <= 0:
                raise CallTimeout
            events = poller.poll(remaining * 1000)
            if any(event & (select.POLLERR | select.POLLHUP) for _, event in events):
                raise ChildGone
            if events:
                try:
                    view = view[os.write(self._request, view[:CHUNK]):]
                except BlockingIOError:
                    continue
                except BrokenPipeError:
                    raise ChildGone from None

    def _read_exactly(self, size: int, deadline) -> bytes:
        chunks, remaining_bytes = [], size
        poller = select.poll()
        poller.register(self._response, select.POLLIN)
        while remaining_bytes:
            remaining = deadline.remaining()
            if remaining <= 0:
                raise CallTimeout
            if not poller.poll(remaining * 1000):
                continue
            chunk = os.read(self._response, min(remaining_bytes, CHUNK))
            if not chunk:
                raise ChildGone
            chunks.append(chunk)
            remaining_bytes -= len(chunk)
        return b"".join(chunks)

    # ------------------------------------------------------------ end

    def wait_exit(self, timeout: float) -> bool:
        """Whether the child ended by itself within timeout (after it stopped answering)."""
        try:
            self.popen.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def exit_description(self) -> str:
        """Why the child ended, in words for a student."""
        code = self.popen.poll() if self.popen else None
        if code is None and getattr(self.popen, "lost", False):
            return "the grader's fork server ended before the process did (not something the student's code did)"
        if code is None:
            return "it stopped answering"
        if code < 0:
            return f"it was killed by {_signal_name(-code)}"
        if code > 128:
            return _signal_text(code - 128)
        return f"it exited with code {code} (sys.exit, os._exit or a crash in student code)"

    def exit_signal(self) -> str:
        """The signal that ended the child ("SIGKILL"), or "" when it exited by itself or still runs."""
        code = self.popen.poll() if self.popen else None
        if code is None or 0 <= code <= 128:
            return ""
        return _signal_name(-code if code < 0 else code - 128)

    def stop(self) -> None:
        """End the child and every process it started, then close the pipes. Safe to call twice."""
        if self.popen is None:
            return
        pid = self.popen.pid
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)  # the keeper has the reaper kill everything, then exits
            if not self.wait_exit(STOP_GRACE_SECONDS):
                _signal_group(pid, signal.SIGKILL)
                self.popen.kill()
                self.popen.wait()
        _signal_group(pid, signal.SIGKILL)
        if self.session_uid is not None:
            reaping.kill_uid(self.session_uid, STOP_GRACE_SECONDS)
        if self._reaper:
            reaping.wait_gone(*self._reaper, STOP_GRACE_SECONDS)
        for fd in (self._request, self._response):
            try:
                os.close(fd)
            except OSError:
                pass
        if self._drain is not None:
            self._drain.join(STOP_GRACE_SECONDS)
        self.popen = None


class _Deadline:
    """When a call is up: `seconds` of wall-clock time and of the sandbox's CPU time, or
    WALL_FACTOR * seconds of wall-clock time whatever the CPU did (see exchange)."""

    def __init__(self, started: float, seconds: float, cpu_seconds=None):
        self.started, self.seconds, self.cpu_seconds = started, seconds, cpu_seconds
        self.cpu_at_start = cpu_seconds() if cpu_seconds is not None else None

    def remaining(self) -> float:
        """Seconds to wait before asking again (<= 0: the time is up)."""
        now = time.monotonic()
        wall = self.started + self.seconds - now
        if wall > 0 or self.cpu_at_start is None:
            return wall
        if now >= self.started + WALL_FACTOR * self.seconds:
            return 0.0
        used = self.cpu_seconds()
        if used is None or used - self.cpu_at_start >= self.seconds:
            return 0.0
        return CPU_POLL_SECONDS


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _signal_text(number: int) -> str:
    name = _signal_name(number)
    reasons = {
        "SIGKILL": "it was killed (SIGKILL), most likely for using more memory than memory_mb allows",
        "SIGXCPU": "it used more CPU time than the limit allows (SIGXCPU)",
        "SIGXFSZ": "it wrote a file larger than file_size_mb allows (SIGXFSZ)",
        "SIGSEGV": "it crashed with a segmentation fault (SIGSEGV)",
        "SIGABRT": "it aborted (SIGABRT)",
    }
    return reasons.get(name, f"it was ended by {name}")
