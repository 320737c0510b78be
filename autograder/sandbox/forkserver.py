"""The grader's side of the fork server (child/zygote.py): start it once, ask it for children.

A sandbox child spends most of its start importing numpy. The fork server imports it once
and forks each session's keeper from there; the keeper then isolates, confines and serves
exactly as a child the grader started itself (the hostile suite runs against both). One
server per grader process, started at the first session that asks and started again if it
ends; where it cannot start (or CONVLAB_FORK_SERVER=0), ChildProcess starts a new interpreter
per session as before.

ForkedChild stands in for subprocess.Popen where ChildProcess uses one: pid, poll(), wait(),
kill() and send_signal(). The keeper is the server's child, not ours: its exit status comes
from the server, and signals go through a pidfd, so a pid the system has reused since is
never signalled.
"""
from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import staging
from .child.zygote import MAX_MESSAGE_BYTES
from .host import child_environment, link_site_dirs

ENABLED_VARIABLE = "CONVLAB_FORK_SERVER"  # "0": every session starts a new interpreter
START_SECONDS = 30.0
REPLY_SECONDS = 10.0
LOST = "lost"  # a ForkedChild whose server ended before telling how it ended


class ForkServerError(Exception):
    """The fork server could not start, or could not fork a child."""


class ForkedChild:
    """A session's keeper, forked by the server; the part of Popen's interface ChildProcess uses."""

    def __init__(self, pid: int, pidfd: int | None):
        self.pid = pid
        self._pidfd = pidfd
        self.returncode: int | None = None
        self.lost = False  # the server ended first: how the keeper ended is unknown
        self._ended = threading.Event()

    def _finish(self, status: int | None) -> None:
        if status is None:
            self.lost = True
        else:
            self.returncode = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        self._ended.set()
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired(f"sandbox keeper {self.pid}", timeout)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self._ended.is_set():
            return
        pidfd = self._pidfd
        try:
            if pidfd is not None:
                signal.pidfd_send_signal(pidfd, signum)
            else:
                os.kill(self.pid, signum)
        except (ProcessLookupError, OSError):
            pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkServer:
    """One running fork server: forks keepers on request, relays how they ended."""

    def __init__(self, code_dir: str, boot: str):
        self._folder = staging.make_session_folder()
        self._lock = threading.Lock()
        self._replies: dict[int, tuple[threading.Event, list]] = {}
        self._children: dict[int, ForkedChild] = {}
        self._tokens = 0
        self.alive = False
        site = link_site_dirs(self._folder)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        plan = {"control_fd": theirs.fileno(), "site_dir": str(site), "code_dir": code_dir}
        try:
            self._popen = subprocess.Popen(
                [os.path.realpath(sys.executable), "-I", "-S", "-B", "-u", "-c", boot, json.dumps(plan)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),), env=child_environment(str(self._folder)), cwd=self._folder,
                start_new_session=True,
            )
        except OSError as error:
            ours.close()
            staging.remove_session_folder(self._folder)
            raise ForkServerError(f"cannot start the fork server: {error}") from None
        finally:
            theirs.close()
        self._socket = ours
        ours.settimeout(START_SECONDS)
        try:
            ready = json.loads(ours.recv(MAX_MESSAGE_BYTES) or b"{}")
        except (OSError, ValueError):
            ready = {}
        ours.settimeout(None)
        if not ready.get("ready"):
            self.close()
            raise ForkServerError(f"the fork server did not start ({ready or 'no answer'})")
        self.dumpable = ready.get("dumpable")  # 0: no process of its user may read its memory
        self.alive = True
        self._reader = threading.Thread(target=self._read, name="convlab-fork-server", daemon=True)
        self._reader.start()

    def spawn(self, plan: dict, env: dict, cwd: Path, fds: tuple[int, int, int]) -> ForkedChild:
        """Fork a keeper for this session; fds: (request read end, response write end, output write end)."""
        with self._lock:
            if not self.alive:
                raise ForkServerError("the fork server has ended")
            self._tokens += 1
            token = self._tokens
            waiter = (threading.Event(), [])
            self._replies[token] = waiter
            request = json.dumps({"token": token, "plan": plan, "env": env, "cwd": str(cwd),
                                  "name": staging.process_name(cwd)}).encode()
            try:
                socket.send_fds(self._socket, [request], list(fds))
            except OSError as error:
                del self._replies[token]
                raise ForkServerError(f"cannot reach the fork server: {error}") from None
        if not waiter[0].wait(REPLY_SECONDS) or not waiter[1]:
            with self._lock:
                self._replies.pop(token, None)
            raise ForkServerError("the fork server did not answer")
        reply = waiter[1][0]
        if "error" in reply:
            raise ForkServerError(str(reply["error"]))
        return reply["child"]

    def _read(self) -> None:
        while True:
            try:
                message, fds, _, _ = socket.recv_fds(self._socket, MAX_MESSAGE_BYTES, 1)
            except OSError:
                message, fds = b"", []
            if not message:
                break
            reply = json.loads(message)
            with self._lock:
                if "exited" in reply:
                    child = self._children.pop(reply["exited"], None)
                    if child is not None:
                        child._finish(reply["status"])
                    continue
                waiter = self._replies.pop(reply.get("token"), None)
                if "pid" in reply:
                    child = ForkedChild(reply["pid"], fds[0] if fds else None)
                    self._children[child.pid] = child
                    reply["child"] = child
                elif fds:
                    for fd in fds:
                        os.close(fd)
            if waiter is not None:
                waiter[1].append(reply)
                waiter[0].set()
            elif "child" in reply:  # nobody waits for it any more: end it
                reply["child"].kill()
        with self._lock:
            self.alive = False
            for child in self._children.values():  # their keepers would end their sessions within a second: now
                child.kill()
                child._finish(None)
            self._children.clear()
            for event, _ in self._replies.values():
                event.set()

    def close(self) -> None:
        """End the server (its keepers end their sessions when they see it gone) and remove its folder."""
        self.alive = False
        sock = getattr(self, "_socket", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes our reader, and the server sees its end
            except OSError:
                pass
            sock.close()
        popen = getattr(self, "_popen", None)
        if popen is not None:
            try:
                popen.wait(START_SECONDS)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait()
        staging.remove_session_folder(self._folder)


_server: ForkServer | None = None
_server_pid: int | None = None
_server_lock = threading.Lock()
_failed_at: float | None = None
RETRY_SECONDS = 60.0  # after a failed start, try again no sooner


def fork_server(code_dir: str, boot: str) -> ForkServer | None:
    """This process's fork server, started if needed; None where it is turned off or cannot start."""
    global _server, _server_pid, _failed_at
    if os.environ.get(ENABLED_VARIABLE, "1") == "0":
        return None
    with _server_lock:
        if _server is not None and _server_pid == os.getpid() and _server.alive:
            return _server
        if _server is not None:
            _server.close()  # it ended: start another
        if _failed_at is not None and time.monotonic() - _failed_at < RETRY_SECONDS:
            return None
        try:
            _server, _server_pid = ForkServer(code_dir, boot), os.getpid()
        except ForkServerError:
            _failed_at = time.monotonic()
            return None
        return _server


def _forget_inherited() -> None:
    """In a child made by os.fork(): the parent's server is not ours; close our copy of its socket,
    so that the server still sees the parent's end close when the parent ends."""
    global _server
    if _server is not None and _server_pid != os.getpid():
        _server._socket.close()  # not shutdown(): that would end the parent's server too
        _server = None


os.register_at_fork(after_in_child=_forget_inherited)


def stop_fork_server() -> None:
    """End this process's fork server, if it has one (tests, and a grader about to exit)."""
    global _server
    with _server_lock:
        if _server is not None and _server_pid == os.getpid():
            _server.close()
        _server = None


atexit.register(stop_fork_server)
