"""Where the grading runs: a local process pool, or a Dask cluster. Both yield outcomes as they finish.

Local pool: `spawn`ed processes (a fresh interpreter each: no state forked from
the batch process), one per core by default. A worker that dies (killed by the
kernel, say) breaks the pool; the unfinished tasks then run again in a new pool,
and after a second break one at a time, so only the submission that kills its
worker is marked as a grader error.

Dask: ADDRESS is a scheduler ("tls://host:8786", or "tcp://..." on this machine) or
"local:N", which starts a LocalCluster of N single-threaded worker processes on this
machine for the run. Tasks carry the seed and the submissions' files, results carry the
grades: across a network they travel only over TLS, with the certificates of TLS_FILES
(commands/batch.py refuses a hidden seed over plain TCP to another machine).
"""
from __future__ import annotations

import multiprocessing
import os
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from .worker import GradeOutcome, GradeTask, grade_task, init_pool_worker

LOCAL_DASK_PREFIX = "local:"
DASK_CONNECT_SECONDS = 30
# --dask-tls DIR holds these: the cluster's certificate authority, and the client's certificate and key.
TLS_FILES = {"tls_ca_file": "ca.pem", "tls_client_cert": "client.pem", "tls_client_key": "client-key.pem"}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def tls_security(folder):
    """A distributed.Security that speaks only TLS, with the certificates in folder (see TLS_FILES)."""
    from pathlib import Path

    from distributed.security import Security

    paths = {name: Path(folder) / file for name, file in TLS_FILES.items()}
    missing = [path.name for path in paths.values() if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"missing {', '.join(missing)}")
    return Security(**{name: str(path) for name, path in paths.items()}, require_encryption=True)


def is_loopback(address: str) -> bool:
    """Whether a tcp:// address stays on this machine."""
    host = address.split("://", 1)[-1].rsplit(":", 1)[0]
    return host in LOOPBACK_HOSTS


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def run_in_pool(tasks: Iterable[GradeTask], jobs: int) -> Iterator[GradeOutcome]:
    """Grade tasks on a local pool of `jobs` processes; yield each outcome as it finishes."""
    pending = {task.key: task for task in tasks}
    for width in (jobs, jobs, 1):
        if not pending:
            return
        if width == 1 and len(pending) > 1:
            for task in list(pending.values()):
                yield from _run_pool_round({task.key: task}, 1, final=True)
                pending.pop(task.key)
            return
        finished = yield from _run_pool_round(pending, width, final=False)
        for key in finished:
            pending.pop(key)
    for task in pending.values():  # a lone task broke its pool three times
        yield GradeOutcome(task.key, error=_DIED)


_DIED = "the worker process grading this submission died (out of memory, or killed from outside)"


def _run_pool_round(pending: dict[str, GradeTask], width: int, final: bool):
    """One pool's life: yield outcomes; return the keys finished (the pool may break midway)."""
    finished: list[str] = []
    context = multiprocessing.get_context("spawn")
    executor = ProcessPoolExecutor(max_workers=max(1, min(width, len(pending))), mp_context=context, initializer=init_pool_worker, initargs=(os.getpid(),))
    completed = False
    try:
        futures = {executor.submit(grade_task, task): key for key, task in pending.items()}
        waiting = set(futures)
        while waiting:
            done, waiting = wait(waiting, return_when=FIRST_COMPLETED)
            for future in done:
                key = futures[future]
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    if not final:
                        continue  # run again by the next round
                    outcome = GradeOutcome(key, error=_DIED)
                finished.append(key)
                yield outcome
        completed = True
    finally:
        if completed:
            executor.shutdown(wait=True)
        else:
            _stop_pool(executor)
    return finished


def _stop_pool(executor: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers now (also on Ctrl-C or an error)."""
    processes = list(getattr(executor, "_processes", {}).values())  # the pool keeps them private
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


def run_on_dask(tasks: Iterable[GradeTask], address: str, security=None) -> Iterator[GradeOutcome]:
    """Grade tasks on a Dask cluster (an address, or "local:N"); yield each outcome as it finishes.

    security: the distributed.Security to present to a tls:// scheduler (tls_security).
    """
    from distributed import Client, as_completed

    cluster = _local_cluster(address) if address.startswith(LOCAL_DASK_PREFIX) else None
    options = {"security": security} if security is not None else {}
    client = Client(cluster if cluster is not None else address, timeout=DASK_CONNECT_SECONDS, **options)
    run_id = uuid.uuid4().hex[:8]
    try:
        futures = {}
        for task in tasks:
            future = client.submit(grade_task, task, key=f"convlab-grade-{run_id}-{task.key}", pure=False)
            futures[future.key] = (future, task.key)
        for future in as_completed([future for future, _ in futures.values()]):
            key = futures[future.key][1]
            try:
                outcome = future.result()
            except Exception as error:  # KilledWorker, a lost connection: this submission only
                outcome = GradeOutcome(key, error=f"the Dask task failed: {type(error).__name__}: {error}")
            future.release()
            yield outcome
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _local_cluster(address: str):
    from distributed import LocalCluster

    text = address[len(LOCAL_DASK_PREFIX):] or str(default_jobs())
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"--dask {address!r}: expected local:N with N a whole number of workers, e.g. local:2")
    return LocalCluster(n_workers=int(text), threads_per_worker=1, processes=True, dashboard_address=None)
