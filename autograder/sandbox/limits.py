"""The limits one sandbox child runs under: grading.toml's [limits], minus submission_seconds."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    call_seconds: float  # wall-clock limit of one call (the grader kills the child after it)
    memory_mb: int  # address space of each process the child starts
    output_kb: int  # stdout+stderr kept; the rest is read and dropped
    file_size_mb: int  # largest file student code may write
    open_files: int  # file descriptors per process
    processes: int  # processes and threads, all together
