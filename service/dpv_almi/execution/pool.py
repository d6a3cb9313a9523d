"""A process pool for the event loop: each worker has its own two channels (Unix socket pairs, see
:func:`_channel`), and the loop writes a task and awaits its answer itself -- no thread between a
request and its worker.

Why our own pool: the service used pebble, whose pool passes every task and every answer through
three threads of the service process.  Under load (wrk, 16 connections, a small query) those threads
took ~40 % of the service process's samples (py-spy) and their GIL hand-offs lengthened every
request.  What the query runner needs of a pool is small, and all of it is here:

* a **timeout per task that kills the worker** (Oxigraph cannot be interrupted) and a new worker
  in its place; the same when the awaiting request is cancelled (the client went away);
* a worker that **dies** (a memory cap, a crash) reported as :class:`WorkerDied`, and replaced;
* a **graceful close**: no new tasks, running ones finish, then the workers exit
  (:meth:`WorkerPool.close`, :meth:`WorkerPool.wait_closed`) -- how a data swap retires a pool;
* **recycling**: after each task a worker may say it is spent (*spent*, run in the worker: the
  runner's is "this worker holds too much private memory"); it then exits and its successor is
  started at once;
* workers started by any :mod:`multiprocessing` context: ``fork`` shares the parent's memory
  copy-on-write, ``forkserver`` starts clean.

A message is an 8-byte length and a pickle.  A worker is idle in a blocking read of its task pipe.
Every task carries a number that its answer repeats: an answer that is not the awaited task's (a
worker left with an unread answer by any failure) is never handed to a caller -- the worker is
killed instead.  Only an exception raised *by the function* leaves a worker in service; a failure
of the pipe, the pickle or anything else ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
import socket
import stat
import struct
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.context import BaseContext
from typing import Any, TypeVar, cast

log = logging.getLogger(__name__)

T = TypeVar("T")

_HEADER = struct.Struct("!Q")
_EXIT = b""
"""An empty task: the worker's cue to exit, so retiring needs no end of file (a sibling forked at that
instant holds a copy of the channel until it lets go, :func:`_detach_inherited`)."""


def _channel() -> tuple[socket.socket, socket.socket]:
    """One direction between the service and a worker: (the service's end, the worker's end).

    A Unix socket pair, not a pipe: uvloop (uvicorn's loop) closes a pipe's descriptor itself and
    then closes the file object it was handed too, and in a threaded service that second close can
    hit another thread's file opened meanwhile under the same number (seen: "Bad file descriptor"
    reading a file for a policy diff, "File exists" registering the next worker's pipe, then 500s
    under concurrent admin PUTs).  A socket handed to uvloop is detached instead, and asyncio's own
    loop closes it once."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)


class WorkerDied(Exception):
    """The worker ended while running a task (killed by a cap, crashed), or its pipe failed; it has
    been replaced.  *exitcode*: the process's (negative: the signal that ended it), None if unknown."""

    def __init__(self, message: str, exitcode: int | None = None) -> None:
        super().__init__(message)
        self.exitcode = exitcode


class _Raised(Exception):
    """The task's function raised *error* in the worker: the worker itself is fine."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(error)
        self.error = error


class PoolClosed(Exception):
    """The pool takes no more tasks."""


class PoolBusy(Exception):
    """Too many tasks wait for a worker, or this one waited too long: come back later."""


# --- worker side ----------------------------------------------------------------------------------


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _detach_inherited(keep: set[int]) -> None:
    """Let go of every pipe and socket a forked worker inherited, but *keep* and the standard streams.

    ``fork`` copies every descriptor the service holds at that instant, whichever thread opened it:
    the listening socket, clients' connections, and the pipes of a subprocess that another thread
    is starting (``subprocess.Popen`` reads a close-on-exec pipe until its child execs; a worker
    never execs, so its copy would hold that read open for the worker's whole life).  Each is
    replaced by ``/dev/null`` rather than closed, so the parent's objects copied into this process
    can never close a later file that reuses the number.  multiprocessing's sentinel pipe goes too:
    the parent polls for the worker's exit (:func:`_reap`) instead of reading it."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:  # no /proc (not Linux): nothing to enumerate
        return
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for name in names:
            fd = int(name)
            if fd <= 2 or fd == null or fd in keep:
                continue
            try:
                mode = os.fstat(fd).st_mode
                if stat.S_ISSOCK(mode) or stat.S_ISFIFO(mode):
                    os.dup2(null, fd)
            except OSError:  # the directory's own descriptor, gone by now
                continue
    finally:
        os.close(null)


def _worker_main(
    tasks: socket.socket,
    answers: socket.socket,
    initializer: Callable[..., None] | None,
    initargs: Sequence[Any],
    spent: Callable[[], bool] | None = None,
    forked: bool = False,
) -> None:
    """Run tasks from *tasks* until told to exit; each answer is ``(True, value, spent)`` or
    ``(False, exception, spent)``, *spent* saying whether this worker asks to be replaced.
    A *forked* worker first lets go of every pipe and socket but its own two (other workers' too)."""
    task_fd, answer_fd = tasks.fileno(), answers.fileno()
    if forked:
        _detach_inherited({task_fd, answer_fd})
    if initializer is not None:
        initializer(*initargs)
    while True:
        header = _read_exactly(task_fd, _HEADER.size)
        if header is None:
            return
        payload = _read_exactly(task_fd, _HEADER.unpack(header)[0])
        if not payload:
            return
        number, function, args = pickle.loads(payload)  # noqa: S301 - pickles cross pipes between our own processes only
        try:
            ok, value = True, function(*args)
        except BaseException as exc:  # noqa: BLE001 -- every failure goes back to the caller
            ok, value = False, exc
        done = bool(spent is not None and spent())
        try:
            answer = pickle.dumps((number, ok, value, done), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an answer or exception that does not pickle  # noqa: BLE001 - a boundary: any failure here is reported, never raised further
            answer = pickle.dumps(
                (number, False, RuntimeError(repr(value if not ok else exc)), done), protocol=pickle.HIGHEST_PROTOCOL
            )
        _write_all(answer_fd, _HEADER.pack(len(answer)) + answer)


# --- parent side ----------------------------------------------------------------------------------


class _Worker:
    """One worker process and the loop's ends of its pipes."""

    def __init__(
        self,
        process: Any,
        reader: asyncio.StreamReader,
        read_end: asyncio.BaseTransport,
        writer: asyncio.WriteTransport,
    ) -> None:
        self.process, self.reader, self.read_end, self.writer = process, reader, read_end, writer
        self.spent = False
        """The worker asked to be replaced with its last answer."""

    def send(self, data: bytes) -> None:
        self.writer.write(_HEADER.pack(len(data)) + data)

    async def answer(self, number: int) -> Any:
        """The answer to task *number*: its value, :class:`_Raised` if the function raised, or
        :class:`WorkerDied` for anything else (the pipe ended or failed, a stray answer)."""
        try:
            header = await self.reader.readexactly(_HEADER.size)
            payload = await self.reader.readexactly(_HEADER.unpack(header)[0])
            answered, ok, value, self.spent = pickle.loads(payload)  # noqa: S301 - our own processes only
        except asyncio.IncompleteReadError:
            await asyncio.get_running_loop().run_in_executor(None, _reap, self.process, 1)
            code = self.process.exitcode
            raise WorkerDied(f"query worker {self.process.pid} ended (exit code {code})", code) from None
        except (OSError, RuntimeError, ValueError, EOFError, pickle.UnpicklingError, asyncio.LimitOverrunError) as exc:
            raise WorkerDied(f"query worker {self.process.pid}: its pipe failed ({exc!r})") from None
        if answered != number:
            raise WorkerDied(f"query worker {self.process.pid} answered task {answered}, not {number}")
        if ok:
            return value
        raise _Raised(value)

    def usable(self) -> bool:
        """Alive, with its pipes open: an idle worker can die (a signal, the OOM killer) unnoticed."""
        return not self.writer.is_closing() and not self.read_end.is_closing() and self.process.is_alive()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, TypeError):
            os.kill(self.process.pid, signal.SIGKILL)
        self.release()

    def retire(self) -> None:
        """Ask an idle worker to exit once it reads this."""
        if not self.writer.is_closing():
            self.send(_EXIT)
        self.release()

    def release(self) -> None:
        self.writer.close()
        self.read_end.close()


def _reap(process: Any, timeout: float) -> None:
    """Wait up to *timeout* s for *process* to exit, and reap it.  ``Process.join(timeout)`` cannot
    be used: it waits on a sentinel pipe that a forked worker lets go of (:func:`_detach_inherited`),
    and then waits without a limit.  ``exitcode`` asks the kernel without blocking."""
    deadline = time.monotonic() + timeout
    while process.exitcode is None and time.monotonic() < deadline:
        time.sleep(0.01)


def _abandon(forked: asyncio.Future[tuple[Any, socket.socket, socket.socket]]) -> None:
    """End a worker whose start nobody waits for any more."""
    if forked.cancelled() or forked.exception() is not None:
        return
    process, task_end, answer_end = forked.result()
    process.kill()
    task_end.close()
    answer_end.close()
    threading.Thread(target=process.join, daemon=True).start()


class WorkerPool:
    """*size* worker processes started by *context*, each running *initializer(*initargs)* once and
    *spent()* after each task (true: replace this worker)."""

    def __init__(
        self,
        size: int,
        context: BaseContext,
        initializer: Callable[..., None] | None = None,
        initargs: Sequence[Any] = (),
        spent: Callable[[], bool] | None = None,
        *,
        queue_limit: int = 0,
        queue_wait: float = 0,
    ) -> None:
        """*queue_limit* tasks may wait for a worker at once (0: no bound), and a task gives up
        waiting after *queue_wait* s once every worker has been busy that long (0: never): past
        either, :class:`PoolBusy`.  Under runaway queries a client is refused quickly instead of
        waiting behind them for their whole timeouts; behind short tasks it waits its turn."""
        self.size = max(1, size)
        self.queue_limit, self.queue_wait = queue_limit, queue_wait
        self._waiting = 0
        self._busy_since: dict[_Worker, float] = {}
        """When each busy worker took its task (loop time)."""
        self.context = context
        self.initializer, self.initargs, self.spent = initializer, tuple(initargs), spent
        self._idle: list[_Worker] = []
        self._live: set[_Worker] = set()
        self._slots: asyncio.Semaphore | None = None
        self._closed = False
        self._drained: asyncio.Event | None = None
        self._reaping: list[asyncio.Future[Any]] = []
        self._starting: asyncio.Lock | None = None
        self._replenishing: set[asyncio.Task[None]] = set()
        self._tasks = 0
        """Tasks numbered so far: every answer must carry its own task's number."""

    # -- starting workers
    def _fork(self) -> tuple[Any, socket.socket, socket.socket]:
        """Start one worker (blocking: forking a large process takes a while); returns it and the
        service's ends of its channels (tasks, answers)."""
        task_end, worker_tasks = _channel()
        answer_end, worker_answers = _channel()
        # a forked child holds copies of every descriptor of this process (it lets go of them); a fresh one none
        forked = self.context.get_start_method() == "fork"
        process = self.context.Process(  # type: ignore[attr-defined]  # every concrete context has one
            target=_worker_main,
            daemon=True,
            name="dpv-almi query worker",
            args=(worker_tasks, worker_answers, self.initializer, self.initargs, self.spent, forked),
        )
        try:
            process.start()
        except BaseException:
            task_end.close()
            answer_end.close()
            raise
        finally:
            worker_tasks.close()
            worker_answers.close()
        return process, task_end, answer_end

    async def _spawn(self) -> _Worker:
        loop = asyncio.get_running_loop()
        forked = loop.run_in_executor(None, self._fork)
        try:
            process, task_end, answer_end = await asyncio.shield(forked)
        except asyncio.CancelledError:  # the fork goes on in its thread: end what it starts
            forked.add_done_callback(_abandon)
            raise
        reader = asyncio.StreamReader(limit=1 << 20)
        read_end, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), answer_end)
        writer, _ = await loop.connect_write_pipe(asyncio.Protocol, task_end)
        worker = _Worker(process, reader, read_end, writer)
        self._live.add(worker)
        return worker

    async def _take(self) -> _Worker:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        if self._slots.locked():
            if self.queue_limit and self._waiting >= self.queue_limit:
                raise PoolBusy(f"{self._waiting} queries already wait for a worker")
            self._waiting += 1
            try:
                await self._acquire_while_moving()
            finally:
                self._waiting -= 1
        else:
            await self._slots.acquire()
        try:
            if self._closed:
                raise PoolClosed("the pool takes no more tasks")
            while self._idle:
                worker = self._idle.pop()
                if worker.usable():
                    return worker
                self._end(worker, retire=False)  # died while idle (a signal, a cap): reaped, replaced
            return await self._spawn()
        except BaseException:
            self._slots.release()
            raise

    async def _acquire_while_moving(self) -> None:
        """Wait for a worker for as long as the queue moves: past ``queue_wait``, give up (PoolBusy)
        only when every busy worker has been on its task longer than that -- runaways hold the pool.
        Workers busy with short tasks (a page's queries, a burst) keep the caller waiting its turn."""
        assert self._slots is not None  # noqa: S101 - an invariant for the type checker, not an input check
        if not self.queue_wait:
            await self._slots.acquire()
            return
        loop = asyncio.get_running_loop()
        waited_since = loop.time()
        while True:
            try:
                async with asyncio.timeout(max(0.05, waited_since + self.queue_wait - loop.time())):
                    await self._slots.acquire()
                return
            except TimeoutError:
                now = loop.time()
                if self._busy_since and all(now - began >= self.queue_wait for began in self._busy_since.values()):
                    raise PoolBusy(f"every worker has been busy for over {self.queue_wait:g} s") from None
                waited_since = now - self.queue_wait + 0.25  # look again shortly

    def _give_back(self, worker: _Worker | None) -> None:
        if worker is not None:
            if self._closed or worker.spent:
                self._end(worker, retire=True)
                if not self._closed:  # a spent worker's successor starts now, not with the next task
                    task = asyncio.get_running_loop().create_task(self._replenish())
                    self._replenishing.add(task)
                    task.add_done_callback(self._replenishing.discard)
            else:
                self._idle.append(worker)
        assert self._slots is not None  # noqa: S101 - an invariant for the type checker, not an input check
        self._slots.release()
        if self._closed and not (self._live - set(self._idle)) and self._drained is not None:
            self._drained.set()

    async def _replenish(self) -> None:
        """Start one worker if the pool is short of one.  It holds a slot while it does, as a task
        would: so a task's own start of a worker and this one never make more than ``size``."""
        assert self._slots is not None  # noqa: S101 - an invariant for the type checker, not an input check
        async with self._slots:
            if self._closed or len(self._live) >= self.size:
                return
            try:
                worker = await self._spawn()
            except Exception as exc:  # the next task tries again  # noqa: BLE001 - a boundary: any failure here is reported, never raised further
                log.error("could not start a query worker: %s", exc)
                return
            if self._closed:
                self._end(worker, retire=True)
            else:
                self._idle.append(worker)

    def _end(self, worker: _Worker, *, retire: bool) -> None:
        self._live.discard(worker)
        if retire:
            worker.retire()
        else:
            worker.kill()
        reaped = asyncio.get_running_loop().run_in_executor(None, _reap, worker.process, 10)
        self._reaping = [f for f in self._reaping if not f.done()] + [reaped]

    # -- the public face
    async def start(self) -> None:
        """Start the workers not yet running (the first task does, if this was not called)."""
        self._starting = self._starting or asyncio.Lock()
        async with self._starting:  # tasks arriving meanwhile wait here, then find every worker idle
            while len(self._live) < self.size and not self._closed:
                self._idle.append(await self._spawn())

    async def run(self, function: Callable[..., T], args: Sequence[Any] = (), *, timeout: float) -> T:
        """``function(*args)`` in a worker; past *timeout* s (:class:`TimeoutError`) or when the caller is
        cancelled, the worker is killed and replaced.  The function's exceptions are raised here."""
        self._tasks += 1
        number = self._tasks
        payload = pickle.dumps((number, function, tuple(args)), protocol=pickle.HIGHEST_PROTOCOL)
        if self._starting is None or self._starting.locked():
            await self.start()
        worker = await self._take()
        self._busy_since[worker] = asyncio.get_running_loop().time()
        keep: _Worker | None = None
        try:
            if worker.writer.is_closing():
                raise WorkerDied(f"query worker {worker.process.pid}: its task pipe is closed")
            worker.send(payload)
            async with asyncio.timeout(timeout):
                value = await worker.answer(number)
            keep = worker
            return cast(T, value)  # what the worker's function(*args) returned, unpickled
        except _Raised as raised:
            keep = worker  # the function raised: the worker answered in order and is fine
            raise raised.error from None
        except BaseException:
            # a timeout, a cancelled caller, a dead worker or a failed pipe: whatever the worker
            # was doing or has left unread, it never serves another task
            self._end(worker, retire=False)
            raise
        finally:
            self._busy_since.pop(worker, None)
            self._give_back(keep)

    def close(self) -> None:
        """Take no more tasks; idle workers exit now, busy ones once their task is done."""
        self._closed = True
        self._drained = asyncio.Event()
        for worker in self._idle:
            self._end(worker, retire=True)
        self._idle.clear()
        if not self._live:
            self._drained.set()

    async def wait_closed(self) -> None:
        """Wait until a closed pool's running tasks are done and its workers asked to exit."""
        if self._drained is not None:
            await self._drained.wait()
        await asyncio.gather(*self._reaping)

    def stop(self) -> None:
        """Kill every worker now; tasks still running fail with :class:`WorkerDied`."""
        self._closed = True
        for worker in list(self._live):
            self._live.discard(worker)
            worker.kill()
            _reap(worker.process, 5)
        self._idle.clear()
