"""The query runner's process pool (:mod:`dpv_almi.execution.pool`), with real worker processes:
answers and exceptions come back, a timeout or a cancelled caller kills and replaces the worker, a
dead worker is reported and replaced, a closed pool finishes what runs, and a forked worker holds
no other worker's channel, nor any pipe or socket of the parent's."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import select
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from dpv_almi.execution import pool as worker_pool
from dpv_almi.execution.pool import PoolClosed, WorkerDied, WorkerPool

CONTEXTS = ["fork", "forkserver"]


def echo(value: object) -> object:
    return value


def pid() -> int:
    return os.getpid()


def sleep(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def fail(message: str) -> None:
    raise ValueError(message)


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class Unpicklable(Exception):
    def __reduce__(self):  # type: ignore[no-untyped-def]
        raise TypeError("no pickling")


def fail_unpicklably() -> None:
    raise Unpicklable("x")


def sleep_then_channels(seconds: float) -> list[tuple[int, int]]:
    """(fd, inode) of every pipe and socket this process holds beyond the standard streams (after a
    pause, so overlapping calls use every worker)."""
    time.sleep(seconds)
    held = []
    for name in os.listdir("/proc/self/fd"):
        try:
            info = os.stat(f"/proc/self/fd/{name}")
        except OSError:
            continue
        if int(name) > 2 and (stat.S_ISFIFO(info.st_mode) or stat.S_ISSOCK(info.st_mode)):
            held.append((int(name), info.st_ino))
    return held


_INITIALISED: list[str] = []


def initialise(tag: str) -> None:
    _INITIALISED.append(tag)


def initialised() -> list[str]:
    return list(_INITIALISED)


def _in_pool(context: str, scenario: Callable[[WorkerPool], Awaitable[None]], size: int = 2) -> None:
    """Run *scenario* on a fresh pool of *size* workers started by *context*, and stop the pool."""

    async def main() -> None:
        pool = WorkerPool(size, multiprocessing.get_context(context), initialise, ("ready",))
        try:
            await scenario(pool)
        finally:
            pool.stop()

    asyncio.run(main())


def _alive(process_id: int) -> bool:
    status = Path(f"/proc/{process_id}/stat")
    try:
        return status.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


async def _both_workers(pool: WorkerPool) -> set[int]:
    """The pids of a two-worker pool: two tasks that overlap run on both."""
    return set(await asyncio.gather(*(pool.run(sleep, (0.3,), timeout=10) for _ in range(2))))


@pytest.mark.parametrize("context", CONTEXTS)
def test_answers_exceptions_and_initializer(context: str) -> None:
    async def scenario(pool: WorkerPool) -> None:
        assert await pool.run(echo, ({"a": [1, 2]},), timeout=10) == {"a": [1, 2]}
        assert await pool.run(initialised, timeout=10) == ["ready"]
        with pytest.raises(ValueError, match="bad"):
            await pool.run(fail, ("bad",), timeout=10)
        with pytest.raises(RuntimeError, match="Unpicklable"):
            await pool.run(fail_unpicklably, timeout=10)
        assert await pool.run(echo, (1,), timeout=10) == 1  # a worker that raised still serves

    _in_pool(context, scenario)


@pytest.mark.parametrize("context", CONTEXTS)
def test_large_answers_and_tasks_cross_the_channels_whole(context: str) -> None:
    async def scenario(pool: WorkerPool) -> None:
        big = os.urandom(5 * 1024 * 1024)
        answers = await asyncio.gather(*(pool.run(echo, (big,), timeout=30) for _ in range(4)))
        assert all(answer == big for answer in answers)

    _in_pool(context, scenario)


def test_runs_in_parallel_up_to_its_size() -> None:
    async def scenario(pool: WorkerPool) -> None:
        await pool.start()
        started = time.monotonic()
        pids = await asyncio.gather(*(pool.run(sleep, (0.5,), timeout=10) for _ in range(4)))
        assert 0.95 < time.monotonic() - started < 1.9  # two at a time
        assert len(set(pids)) == 2

    _in_pool("fork", scenario)


@pytest.mark.parametrize("context", CONTEXTS)
def test_timeout_kills_the_worker_and_a_new_one_serves(context: str) -> None:
    async def scenario(pool: WorkerPool) -> None:
        before = await _both_workers(pool)
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await pool.run(sleep, (30,), timeout=0.5)
        assert time.monotonic() - started < 3
        after = await _both_workers(pool)
        assert len(before & after) == 1  # one worker replaced, the other kept
        (killed,) = before - after
        await asyncio.sleep(0.2)  # reaped in the background
        assert not _alive(killed)

    _in_pool(context, scenario)


def test_cancelled_caller_kills_its_worker() -> None:
    async def scenario(pool: WorkerPool) -> None:
        before = await _both_workers(pool)
        task = asyncio.create_task(pool.run(sleep, (30,), timeout=60))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        after = await _both_workers(pool)
        assert len(before & after) == 1
        (killed,) = before - after
        await asyncio.sleep(0.2)
        assert not _alive(killed)

    _in_pool("fork", scenario)


@pytest.mark.parametrize("context", CONTEXTS)
def test_dead_worker_is_reported_and_replaced(context: str) -> None:
    async def scenario(pool: WorkerPool) -> None:
        with pytest.raises(WorkerDied, match="exit code -9"):
            await pool.run(die, timeout=10)
        assert await pool.run(echo, ("after",), timeout=10) == "after"
        assert len(await _both_workers(pool)) == 2

    _in_pool(context, scenario)


def test_close_lets_running_tasks_finish_then_workers_exit() -> None:
    async def scenario(pool: WorkerPool) -> None:
        idle, busy = sorted(await _both_workers(pool))
        running = asyncio.create_task(pool.run(sleep, (0.8,), timeout=10))
        await asyncio.sleep(0.2)
        pool.close()
        with pytest.raises(PoolClosed):
            await pool.run(echo, (1,), timeout=10)
        worker = await running  # finished, not killed
        assert worker in (idle, busy)
        await asyncio.wait_for(pool.wait_closed(), 10)
        assert not _alive(idle) and not _alive(busy)

    _in_pool("fork", scenario)


def test_forked_worker_holds_only_its_own_channels() -> None:
    """A worker forked after another must not keep that worker's channels open (else a dead worker's
    end of file, or a retired one's exit, could be held off): each holds its own two, none shared."""

    async def scenario(pool: WorkerPool) -> None:
        await pool.start()
        held = await asyncio.gather(*(pool.run(sleep_then_channels, (0.3,), timeout=10) for _ in range(3)))
        own = [{inode for _fd, inode in channels} for channels in held]
        assert [len(channels) for channels in own] == [2, 2, 2], held
        assert len(set().union(*own)) == 6, "two workers hold the same channel"

    _in_pool("fork", scenario, size=3)


def _ended_within(fd: int, seconds: float) -> bool:
    """True if reading *fd* (a pipe or socket) meets its end within *seconds*: no process holds the
    other end any more."""
    readable, _, _ = select.select([fd], [], [], seconds)
    return bool(readable) and os.read(fd, 1) == b""


def test_forked_worker_lets_go_of_the_parents_other_pipes_and_sockets() -> None:
    """A pipe or socket the parent holds when a worker forks -- another thread's subprocess start
    (``Popen`` reads a close-on-exec pipe until its child execs), a client's connection -- ends when
    the parent closes it.  A worker that kept its copy hung ``subprocess.run`` for good (CI, stop 21)."""
    errpipe_read, errpipe_write = os.pipe()  # close-on-exec, as Popen's; a forked worker never execs
    ours, theirs = socket.socketpair()

    async def scenario(pool: WorkerPool) -> None:
        await pool.start()
        held = await asyncio.gather(*(pool.run(sleep_then_channels, (0.3,), timeout=10) for _ in range(2)))
        assert [len(channels) for channels in held] == [2, 2], held  # its task channel and its answer channel
        os.close(errpipe_write)
        assert _ended_within(errpipe_read, 5), "a worker holds the parent's pipe"
        theirs.close()
        assert _ended_within(ours.fileno(), 5), "a worker holds the parent's socket"
        assert await pool.run(echo, ("still serves",), timeout=10) == "still serves"

    try:
        _in_pool("fork", scenario)
    finally:
        os.close(errpipe_read)
        ours.close()
        theirs.close()


def test_subprocesses_started_while_workers_fork_are_not_held() -> None:
    """The race itself: one thread starts subprocesses while workers fork and stay alive.  A worker
    holding a starting subprocess's pipe kept ``Popen`` waiting for as long as the worker lived."""
    done = threading.Event()

    def start_subprocesses() -> None:
        for _ in range(100):
            subprocess.run([sys.executable, "-c", "pass"], check=True, timeout=30)
        done.set()

    async def main() -> None:
        pools: list[WorkerPool] = []
        starter = threading.Thread(target=start_subprocesses, daemon=True)
        starter.start()
        try:
            deadline = time.monotonic() + 60
            while not done.is_set() and time.monotonic() < deadline:
                if len(pools) < 60:  # workers that live on, as a service's do
                    pool = WorkerPool(1, multiprocessing.get_context("fork"))
                    await pool.start()
                    pools.append(pool)
                else:
                    await asyncio.sleep(0.1)
            assert done.is_set(), f"a subprocess start was held while {len(pools)} workers forked"
        finally:
            for pool in pools:
                pool.stop()
            starter.join(30)

    asyncio.run(main())


def test_a_worker_that_let_go_of_its_sentinel_is_still_reaped_in_time() -> None:
    """``Process.join(timeout)`` waits on multiprocessing's sentinel pipe, which a forked worker no
    longer holds: the pool's reaping polls instead, and a worker that does not exit is waited for
    no longer than asked."""

    async def scenario(pool: WorkerPool) -> None:
        await pool.start()
        (worker,) = pool._idle
        os.kill(worker.process.pid, signal.SIGSTOP)  # alive, and will not exit by itself
        try:
            started = time.monotonic()
            worker_pool._reap(worker.process, 0.5)
            assert 0.4 < time.monotonic() - started < 3 and worker.process.exitcode is None
        finally:
            os.kill(worker.process.pid, signal.SIGKILL)
        worker_pool._reap(worker.process, 10)
        assert worker.process.exitcode == -signal.SIGKILL

    _in_pool("fork", scenario, size=1)


def test_worker_started_for_a_cancelled_caller_is_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fork runs in a thread and cannot be stopped half-way: if its caller is cancelled meanwhile,
    the worker it starts is ended as soon as it exists, and its channels are closed."""
    started: list[tuple[object, socket.socket, socket.socket]] = []
    fork = WorkerPool._fork

    def slow_fork(self: WorkerPool) -> tuple[object, socket.socket, socket.socket]:
        time.sleep(0.5)
        forked = fork(self)
        started.append(forked)
        return forked

    monkeypatch.setattr(WorkerPool, "_fork", slow_fork)

    async def scenario(pool: WorkerPool) -> None:
        task = asyncio.create_task(pool.run(echo, (1,), timeout=10))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(1.0)
        assert len(started) == 1
        process, task_end, answer_end = started[0]
        assert not _alive(process.pid)  # type: ignore[attr-defined]
        assert task_end.fileno() == answer_end.fileno() == -1

    _in_pool("fork", scenario, size=1)


def always_spent() -> bool:
    return True


def test_a_spent_worker_is_replaced_after_its_answer() -> None:
    """A worker whose check says it is spent answers, exits, and a successor is started at once."""

    async def scenario(pool: WorkerPool) -> None:
        first = await pool.run(pid, timeout=10)  # answered, not lost
        second = await pool.run(pid, timeout=10)
        assert first != second
        await asyncio.sleep(0.5)
        assert not _alive(first)
        assert len(pool._live) == 2  # the pool is back to its size before the next task

    async def main() -> None:
        pool = WorkerPool(2, multiprocessing.get_context("fork"), spent=always_spent)
        try:
            await scenario(pool)
        finally:
            pool.stop()

    asyncio.run(main())


def test_a_worker_that_cannot_be_started_fails_its_task_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fork refused by the system (EAGAIN) reaches the caller as the OSError it is, without
    holding a slot: once forks work again, the pool serves."""
    fork = WorkerPool._fork
    refuse = [True]

    def flaky_fork(self: WorkerPool) -> tuple[object, socket.socket, socket.socket]:
        if refuse[0]:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return fork(self)

    monkeypatch.setattr(WorkerPool, "_fork", flaky_fork)

    async def scenario(pool: WorkerPool) -> None:
        for _ in range(3):  # more attempts than slots: none is lost
            with pytest.raises(BlockingIOError):
                await pool.run(echo, (1,), timeout=10)
        refuse[0] = False
        assert await pool.run(echo, ("up",), timeout=10) == "up"

    _in_pool("fork", scenario, size=1)


def test_an_answer_to_another_task_is_never_handed_over() -> None:
    """A worker left with an unread answer (any failure between a send and its read) must not give it
    to the next caller: an answer carries its task's number, and a stray one ends the worker."""

    class _Process:
        pid, exitcode = 0, None

    async def scenario() -> None:
        reader = asyncio.StreamReader()
        stray = worker_pool.pickle.dumps((5, True, "the answer to task 5", False))
        reader.feed_data(worker_pool._HEADER.pack(len(stray)) + stray)
        worker = worker_pool._Worker(_Process(), reader, None, None)  # type: ignore[arg-type]
        with pytest.raises(WorkerDied, match="answered task 5, not 6"):
            await worker.answer(6)
        ours = worker_pool.pickle.dumps((7, True, "the answer to task 7", False))
        reader.feed_data(worker_pool._HEADER.pack(len(ours)) + ours)
        assert await worker.answer(7) == "the answer to task 7"

    asyncio.run(scenario())


@pytest.mark.parametrize("context", CONTEXTS)
def test_answers_stay_with_their_callers_while_workers_die(context: str) -> None:
    """Many callers at once, some of whose workers are killed mid-task: every value returned is the
    caller's own, every other caller gets WorkerDied or TimeoutError, and the pool still serves."""

    async def scenario() -> None:
        pool = WorkerPool(2, multiprocessing.get_context(context))
        await pool.start()

        async def one(i: int) -> object:
            try:
                return await pool.run(echo, (i,), timeout=5)
            except (WorkerDied, TimeoutError) as exc:
                return exc

        async def killer() -> None:
            for _ in range(10):
                await asyncio.sleep(0.02)
                for worker in list(pool._live):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(worker.process.pid, signal.SIGKILL)

        results = await asyncio.gather(*(one(i) for i in range(200)), killer())
        for i, result in enumerate(results[:200]):
            assert result == i or isinstance(result, (WorkerDied, TimeoutError)), (i, result)
        assert await pool.run(echo, ("after",), timeout=10) == "after"
        pool.close()
        await pool.wait_closed()

    asyncio.run(scenario())
