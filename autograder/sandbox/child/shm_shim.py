"""multiprocessing without /dev/shm, for a child at the `minimal` level.

multiprocessing's locks and queues are POSIX semaphores and shared_memory is POSIX shared
memory; the C library keeps both in /dev/shm, which a child without a mount namespace may
not write (it may write only its own work folder). This module gives multiprocessing the
same objects kept in that folder instead:

- a semaphore is a named FIFO in work/.mp/, holding one byte per unit of its value: acquire
  reads a byte (waiting with select), release writes one. Processes forked after it share
  its descriptor; a spawned process opens it by name, as sem_open would.
- shared memory is an ordinary file in work/.mp/, mapped as shm_open's would be.
- a spawned interpreter installs this module first (the command line multiprocessing
  builds for it says so), so it reads the same objects by the same names.

It is installed only where /dev/shm is out of reach; elsewhere multiprocessing is left as it is.
Only the standard library: the child imports it before any student code.
"""
from __future__ import annotations

import errno
import fcntl
import os
import select
import struct
import sys
import termios
import threading
import time

RECURSIVE_MUTEX, SEMAPHORE = 0, 1
SEM_VALUE_MAX = 2**31 - 1
# A FIFO holds one byte per unit; a semaphore that starts above this (a Queue without a
# maxsize starts at SEM_VALUE_MAX) never runs out in practice and needs no bytes at all.
UNLIMITED = 1 << 16
FOLDER = ".mp"
_state = {"folder": None}


def _path(name: str) -> str:
    folder = _state["folder"]
    return os.path.join(folder, name.lstrip("/").replace("/", "_"))


class SemLock:
    """The interface of _multiprocessing.SemLock, kept in a FIFO."""

    SEM_VALUE_MAX = SEM_VALUE_MAX

    def __init__(self, kind, value, maxvalue, name, unlink):
        path = _path(name)
        os.mkfifo(path, 0o600)  # FileExistsError: multiprocessing then tries another name
        fd = os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
        if UNLIMITED >= value > 0:
            os.write(fd, b"\0" * value)
        if unlink:
            os.unlink(path)
            name = None
        self._setup(fd, kind, maxvalue, name)

    def _setup(self, fd, kind, maxvalue, name):
        self.handle, self.kind, self.maxvalue, self.name = fd, kind, maxvalue, name
        self._owner, self._depth = None, 0
        self._unlimited = maxvalue > UNLIMITED

    @classmethod
    def _rebuild(cls, handle, kind, maxvalue, name):
        if name is None:
            raise FileNotFoundError(errno.ENOENT, "a lock created for forked processes cannot be shared by name")
        lock = cls.__new__(cls)
        lock._setup(os.open(_path(name), os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC), kind, maxvalue, name)
        return lock

    def _me(self):
        return os.getpid(), threading.get_ident()

    def _is_mine(self):
        return self._depth > 0 and self._owner == self._me()

    def _count(self):
        return self._depth if self._is_mine() else 0

    def _get_value(self):
        if self._unlimited:
            return self.maxvalue
        return struct.unpack("i", fcntl.ioctl(self.handle, termios.FIONREAD, b"\0\0\0\0"))[0]

    def _is_zero(self):
        return self._get_value() == 0

    def _after_fork(self):
        self._owner, self._depth = None, 0

    def acquire(self, block=True, timeout=None):
        if self.kind == RECURSIVE_MUTEX and self._is_mine():
            self._depth += 1
            return True
        if self._unlimited:
            return True
        deadline = None if timeout is None else time.monotonic() + max(timeout, 0)
        while True:
            try:
                os.read(self.handle, 1)
                break
            except BlockingIOError:
                if not block:
                    return False
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                select.select([self.handle], [], [], remaining)
        if self.kind == RECURSIVE_MUTEX:
            self._owner, self._depth = self._me(), 1
        return True

    def release(self):
        if self.kind == RECURSIVE_MUTEX:
            if not self._is_mine():
                raise AssertionError("attempt to release recursive lock not owned by thread")
            self._depth -= 1
            if self._depth:
                return
            self._owner = None
        elif self._unlimited:
            return
        elif self._get_value() >= self.maxvalue:
            raise ValueError("semaphore or lock released too many times")
        os.write(self.handle, b"\0")

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


def sem_unlink(name):
    try:
        os.unlink(_path(name))
    except FileNotFoundError:
        pass


def shm_open(path, flags, mode=0o777):
    return os.open(_path(path), flags | os.O_CLOEXEC, mode)


def shm_unlink(path):
    os.unlink(_path(path))


def install(work: str, site: str) -> None:
    """Keep multiprocessing's semaphores and shared memory in work/.mp, here and in spawned children."""
    _state["folder"] = os.path.join(work, FOLDER)
    os.makedirs(_state["folder"], exist_ok=True)
    import _multiprocessing
    import _posixshmem

    _multiprocessing.SemLock, _multiprocessing.sem_unlink = SemLock, sem_unlink
    _posixshmem.shm_open, _posixshmem.shm_unlink = shm_open, shm_unlink
    import multiprocessing.spawn as spawn

    original = spawn.get_command_line

    def get_command_line(**kwds):
        command = original(**kwds)
        first = (f"import sys; sys.path.insert(0, {site!r}); import {__name__.rpartition('.')[2]} as s; "
                 f"s.install({work!r}, {site!r}); ")
        position = command.index("-c") + 1
        return command[:position] + [first + command[position]] + command[position + 1:]

    spawn.get_command_line = get_command_line
    sys.modules.setdefault(__name__.rpartition(".")[2], sys.modules[__name__])
