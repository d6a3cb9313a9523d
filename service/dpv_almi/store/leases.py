"""Locks an on-disk store shares between processes: one writer at a time, and readers' leases.

Several processes use one store directory: ``dpv-almi serve --store S`` (and its query workers),
``dpv-almi load … --store S``, another service instance.  Two rules keep each of them whole:

* **Writers take turns** (:func:`writing`): an exclusive ``flock`` on ``S/write.lock`` around reading
  the registry, building the new generation and switching ``CURRENT``; a writer that read the
  registry before another's write would otherwise write its stale records over it.
* **A generation in use is never deleted** (:func:`lease`, :func:`in_use`): whoever serves a
  generation holds a shared ``flock`` on ``S/leases/<generation>.lock`` for as long as it does; the
  pruning after a write removes only generations nobody holds.  A service keeps serving its
  generation after another process's load and picks the new one up when it restarts (or writes).

``flock`` locks belong to open files and end with their process, so a killed reader or writer
never leaves a lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


def _lock_file(store: Path, name: str) -> int:
    (store / "leases").mkdir(exist_ok=True)
    return os.open(store / "leases" / name, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)


@contextlib.contextmanager
def writing(store: Path) -> Iterator[None]:
    """Hold the store's write lock (blocking until the writer before has finished)."""
    store.mkdir(parents=True, exist_ok=True)
    fd = os.open(store / "write.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


class Lease:
    """A shared lock on one generation: while it is held, no writer deletes that generation."""

    def __init__(self, generation: Path) -> None:
        self.generation = generation
        self._fd: int | None = _lock_file(generation.parent, f"{generation.name}.lock")
        fcntl.flock(self._fd, fcntl.LOCK_SH)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        self.release()


def lease(generation: Path) -> Lease:
    return Lease(generation)


def in_use(generation: Path) -> bool:
    """Whether some process holds a lease on *generation* (tried without waiting)."""
    fd = _lock_file(generation.parent, f"{generation.name}.lock")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def forget(generation: Path) -> None:
    """Remove the lease file of a deleted generation."""
    with contextlib.suppress(FileNotFoundError):
        (generation.parent / "leases" / f"{generation.name}.lock").unlink()
