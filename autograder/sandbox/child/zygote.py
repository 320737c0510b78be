"""The fork server: one interpreter that has imported numpy, forking a fresh sandbox child per session.

Importing numpy takes a new interpreter about 0.14 s of CPU, most of a sandbox's start. The
grader (sandbox/forkserver.py) starts this server once, as `python -I -S -B -u` with the clean
environment every child gets and a JSON plan in argv: the end of a SOCK_SEQPACKET socket and a
folder holding links to numpy, which it imports from. It never runs student code, never holds
a seed or an expected value, is not dumpable (no process of its user may read or write its
memory, from which every later session is forked), and starts no thread (a fork copies only the calling thread, and
entering a user namespace needs a single-threaded process): it only forks.

Each request is a session's plan, environment and folder, with the session's three pipe ends
(requests, responses, output) passed as file descriptors. The fork puts them in place and
becomes the session's keeper exactly as a freshly started child would (bootstrap.main): it
enters the namespaces, builds the private root, drops the uid, locks down, and the server's
imports are moved from this server's folder of links to the session's own
(bootstrap.relocate_modules) before the import guard goes in. The reply names the keeper's pid
and carries a pidfd of it, with which the grader signals it without fear of a reused pid; when
a keeper ends, the server reports its wait status. The server exits when the grader closes
the socket (the grader ended); the keepers then see that their parent is gone and end their
sessions.
"""
from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import sys
import traceback

MAX_MESSAGE_BYTES = 1 << 20
PIPES = 3  # requests (read end), responses (write end), output (write end)
PR_SET_NAME = 15
PR_GET_DUMPABLE, PR_SET_DUMPABLE = 3, 4
EXIT_SETUP_FAILED = 70


def main() -> None:
    plan = json.loads(sys.argv[1])
    control = socket.socket(fileno=plan["control_fd"])
    sys.path.append(plan["site_dir"])
    import numpy  # noqa: F401  (the point of this process)

    from . import bootstrap

    # No process of the same user (a session's, at the levels without a uid of their own) may
    # read or write this one's memory: every later session is forked from it.
    bootstrap.lockdown.make_undumpable()
    threads = len(os.listdir("/proc/self/task"))
    dumpable = bootstrap.namespaces.libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)
    control.send(json.dumps({"ready": threads == 1, "threads": threads, "dumpable": dumpable}).encode())
    if threads != 1:
        os._exit(EXIT_SETUP_FAILED)  # forks of a threaded process are not safe: the grader starts children itself
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # only to wake the loop
    selector = selectors.DefaultSelector()
    selector.register(control, selectors.EVENT_READ)
    selector.register(wake_read, selectors.EVENT_READ)
    own_fds = (control.fileno(), wake_read, wake_write)
    while True:
        for key, _ in selector.select():
            if key.fileobj is control:
                try:
                    message, fds, _, _ = socket.recv_fds(control, MAX_MESSAGE_BYTES, PIPES)
                except OSError:
                    message, fds = b"", []
                if not message:  # the grader closed its end: it has ended
                    os._exit(0)
                _spawn(control, json.loads(message), fds, own_fds, plan["site_dir"], bootstrap)
            else:
                while True:
                    try:
                        if not os.read(wake_read, 512):
                            break
                    except BlockingIOError:
                        break
            _report_exits(control)


def _spawn(control: socket.socket, request: dict, fds: list[int], own_fds, site_dir: str, bootstrap) -> None:
    """Fork the session's keeper and tell the grader its pid (with a pidfd of it)."""
    token = request.get("token")
    if len(fds) != PIPES:
        for fd in fds:
            os.close(fd)
        control.send(json.dumps({"token": token, "error": f"expected {PIPES} file descriptors, got {len(fds)}"}).encode())
        return
    pid = os.fork()
    if pid == 0:
        _become_keeper(request, fds, own_fds, site_dir, bootstrap)
    for fd in fds:
        os.close(fd)
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:  # a kernel before 5.3: the grader signals by pid
        pidfd = None
    reply = json.dumps({"token": token, "pid": pid}).encode()
    try:
        socket.send_fds(control, [reply], [pidfd] if pidfd is not None else [])
    except OSError:
        os._exit(0)  # the grader is gone
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _become_keeper(request: dict, fds: list[int], own_fds, site_dir: str, bootstrap) -> None:
    """In the fork: put the session's pipes, folder and environment in place, then be its keeper."""
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in own_fds:
            os.close(fd)
        request_fd, response_fd, output_fd = fds
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        for fd in (null, output_fd):
            if fd > 2:
                os.close(fd)
        os.setsid()  # as start_new_session: the grader signals the whole group
        os.chdir(request["cwd"])
        bootstrap.namespaces.libc.prctl(PR_SET_NAME, request["name"].encode()[:15], 0, 0, 0)
        bootstrap.namespaces.libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # as a new interpreter would be
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = sys.argv[:1]
        plan = dict(request["plan"], request_fd=request_fd, response_fd=response_fd, preloaded_site=site_dir)
        bootstrap.main(plan)
    except BaseException:  # noqa: BLE001 - whatever happened, this fork must never return to the server's loop
        traceback.print_exc()
    os._exit(EXIT_SETUP_FAILED)


def _report_exits(control: socket.socket) -> None:
    """Reap every keeper that has ended and send the grader its wait status."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        try:
            control.send(json.dumps({"exited": pid, "status": status}).encode())
        except OSError:
            os._exit(0)
