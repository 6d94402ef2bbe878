"""Run the independent jobs of a build side by side on worker processes.

A build holds independent pieces of work: the testing steps per area level, the grid and the
zones, and every page and table it writes. :func:`run_jobs` runs such jobs on ``workers``
processes started with ``fork``, so that they inherit the analysed data instead of receiving a
copy of it, and returns their results in the order of the jobs, as if they had run one after the
other (a result comes back through a temporary file, unpickled as it is read):

- a warning raised in a worker is raised again in the calling process (so it reaches the
  ledger's ``summary.json`` and ``pytest.warns`` alike);
- an error raised by a job is raised from :func:`run_jobs`;
- a worker that dies (killed, out of memory) ends the build with :class:`BuildError`, which
  says how to run without workers.

With one worker, a single job, or on a system without ``fork`` (Windows, and macOS where
``fork`` is unsafe), the jobs run in order in the calling process. The statistics do not depend
on the number of workers: every random draw is seeded per job (``[analysis] seed``).

:func:`map_ahead` works a stream of items out on forked workers, in turns, while the caller
makes the next ones (the join stage: this process reads a piece of meldingen while the workers
join and count the ones before).

:class:`WarmProcess` is a worker started before the data exists: it imports a list of modules
while its caller goes on, and later runs one job (pickled to it) the same way, warnings and
errors included. The command line starts one for the testing stage right after reading the
configuration (:data:`hotspotkaart.stats.testing.PRELOAD`), so that the statistics libraries are
imported on the second core while the build imports folium and reads its inputs.
:func:`imports_without_gc` keeps the garbage collector out of such imports.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import logging
import multiprocessing
import os
import pickle
import shutil
import signal
import sys
import tempfile
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from hotspotkaart._errors import BuildError, ConfigError

__all__ = ["MAX_WORKERS", "WarmProcess", "available_cpus", "imports_without_gc", "map_ahead",
           "resolve_workers", "run_jobs"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
A = TypeVar("A")

#: The most worker processes ``workers = "auto"`` starts; more rarely pays for a build's jobs.
MAX_WORKERS = 8

#: The jobs of the running :func:`run_jobs` call, inherited by its forked workers.
_JOBS: Sequence[Callable[[], Any]] = ()

#: The function of the running :func:`map_ahead` call, inherited by its forked worker.
_AHEAD: Callable[[Any], Any] | None = None

#: The items :func:`map_ahead` hands its worker before it waits for the first result: one
#: being worked on and one ready, so that the worker need not wait for the caller (with more
#: lanes, one more for each further lane).
AHEAD = 2


@dataclass(frozen=True)
class _Outcome:
    """What a job returned, with the warnings it raised (category, text, file, line)."""

    value: Any
    warnings: list[tuple[type[Warning], str, str, int]]


def available_cpus() -> int:
    """Return the number of CPUs this process may run on (its affinity where known)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def resolve_workers(workers: int | str) -> int:
    """Turn the ``[engine] workers`` setting into a number of processes.

    Parameters
    ----------
    workers : int or "auto"
        A number of worker processes (1 runs everything in the calling process), or ``"auto"``
        for one per available CPU, at most :data:`MAX_WORKERS`.

    Returns
    -------
    int
        The number of processes for :func:`run_jobs`.
    """
    if workers == "auto":
        return min(available_cpus(), MAX_WORKERS)
    return int(workers)


def run_jobs(jobs: Sequence[Callable[[], T]], workers: int) -> list[T]:
    """Run ``jobs`` on up to ``workers`` forked processes; return their results in order.

    Parameters
    ----------
    jobs : sequence of callables without arguments
        Independent pieces of work. Their results must be picklable. They should be given
        longest first: a free worker takes the next job in this order.
    workers : int
        Largest number of worker processes (at least 1).

    Returns
    -------
    list
        ``[job() for job in jobs]``, computed side by side.

    Raises
    ------
    ConfigError
        If ``workers`` is below 1.
    BuildError
        If a worker process died before its job finished.
    """
    _check_workers(workers)
    n = min(workers, len(jobs))
    if n <= 1 or not _can_fork():
        return [job() for job in jobs]
    logger.debug("running %d jobs on %d worker processes", len(jobs), n)
    return [_unpack(outcome) for outcome in _run_forked(jobs, n)]


def map_ahead(function: Callable[[A | None], T], items: Iterable[A], workers: int, *,
              lanes: int = 1, close: bool = False) -> Iterator[T]:
    """Yield ``function(item)`` for each item in order, worked out on forked processes.

    While the worker processes work on items, the caller makes the next ones (``items`` is
    consumed in this process) and uses the results given so far: a stream of which making an
    item and working it out each take a core. The items are dealt in turn to ``lanes``
    workers (item ``k`` to lane ``k % lanes``); at most :data:`AHEAD` items, and one more per
    further lane, wait for or are in the workers. The items and results are pickled (a result
    comes back through a temporary file, as with :func:`run_jobs`); the function is not (the
    workers inherit it). Each lane works its items out in order, so the function may keep
    state from item to item (a running total): on a worker that state is the worker's and
    stays there. With ``close`` each lane is called once more with None after the items, and
    those results follow, lane by lane: the way to ask each lane for its total. Warnings
    raised there are raised again here, errors from the generator.

    With ``workers`` = 1 or without ``fork`` everything runs in order in the calling process,
    as one lane.

    Parameters
    ----------
    function : callable
        Takes one item (or None, with ``close``). The items and its results must pickle; the
        function need not.
    items : iterable
        The items, made as they are asked for.
    workers : int
        The build's number of worker processes (at least 1); the lanes are at most as many.
    lanes : int, default 1
        Worker processes that take turns, each with state of its own.
    close : bool, default False
        Whether each lane is called with None after the last item.

    Yields
    ------
    object
        ``function(item)``, in the order of ``items``; with ``close`` then each lane's
        ``function(None)``.

    Raises
    ------
    ConfigError
        If ``workers`` or ``lanes`` is below 1.
    BuildError
        If a worker process died before it finished.
    """
    _check_workers(workers)
    if lanes < 1:
        msg = f"lanes must be at least 1, got {lanes}"
        raise ConfigError(msg)
    if workers == 1 or not _can_fork():
        yield from map(function, items)
        if close:
            yield function(None)
        return
    yield from _mapped_ahead(function, iter(items), min(lanes, workers), close)


def _mapped_ahead(function: Callable[[A | None], T], items: Iterator[A], lanes: int,
                  close: bool) -> Iterator[T]:
    """Do :func:`map_ahead` on ``lanes`` forked workers."""
    global _AHEAD  # handed to the forked workers, which inherit it
    _AHEAD = function
    pending: deque[Future[_Outcome | _Stored]] = deque()
    folder = Path(tempfile.mkdtemp(prefix="hotspotkaart-ahead-"))  # the results: _Stored
    context = multiprocessing.get_context("fork")
    pools = [ProcessPoolExecutor(max_workers=1, mp_context=context,
                                 initializer=_die_with_parent, initargs=(os.getpid(),))
             for _ in range(lanes)]
    try:
        gc.freeze()  # see _run_forked
        try:  # the workers fork at the first submit: now, before the first item is made,
            for pool in pools:  # so that they start with less of this process's memory
                pool.submit(os.getpid)
        finally:
            gc.unfreeze()
        number = 0
        for number, item in enumerate(items, start=1):
            if len(pending) == AHEAD + lanes - 1:
                yield _unpack(_loaded(pending.popleft().result()))
            pool = pools[(number - 1) % lanes]
            pending.append(pool.submit(_run_ahead, item, folder / f"{number}.pickle"))
            del item  # the pool holds it until the worker is done with it
        if close:
            for lane, pool in enumerate(pools, start=1):
                pending.append(pool.submit(_run_ahead, None,
                                           folder / f"{number + lane}.pickle"))
        while pending:
            yield _unpack(_loaded(pending.popleft().result()))
    except BrokenProcessPool as exc:
        raise BuildError(_DIED) from exc
    finally:
        _AHEAD = None
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(folder, ignore_errors=True)


def _run_ahead(item: Any, path: Path) -> _Outcome | _Stored:
    """Work out one item of :func:`map_ahead` in its worker; store a result at ``path``."""
    function = _AHEAD
    if function is None:  # the worker inherits _AHEAD; without it this is not that worker
        msg = "_run_ahead runs only in the worker of map_ahead"
        raise RuntimeError(msg)
    return _stored(_record(partial(function, item)), path)


class WarmProcess:
    """A worker process, forked now, that imports ``modules`` and later runs one job.

    The process starts at once and imports ``modules`` while the caller goes on; :meth:`run`
    then hands it a job. The job and its result travel by pickle (the process was forked before
    the job's data existed), its warnings are raised again in the caller and its errors raised
    from :meth:`run`, as with :func:`run_jobs`. The job may itself call :func:`run_jobs`: those
    workers are forked from this process and inherit its imports. After its job the process
    ends, so its memory is free for what the caller does next; a further job runs in the
    calling process.

    With ``workers`` = 1, or without ``fork``, no process is started and :meth:`run` calls the
    job in the calling process. Use it as a context manager, so the process also ends when no
    job came.

    Parameters
    ----------
    modules : sequence of str
        Modules to import in advance. One that fails to import is left to the job, which then
        reports the error itself.
    workers : int
        The build's number of worker processes (at least 1).

    Raises
    ------
    ConfigError
        If ``workers`` is below 1.
    """

    def __init__(self, modules: Sequence[str], workers: int) -> None:
        _check_workers(workers)
        self._pool: ProcessPoolExecutor | None = None
        if workers > 1 and _can_fork():
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("fork"),
                initializer=_warm_up, initargs=(os.getpid(), tuple(modules)))
            self._pool.submit(os.getpid)  # the pool forks its worker at the first submit
            logger.debug("importing %s in a worker process", ", ".join(modules))

    def run(self, job: Callable[[], T], *, meanwhile: Callable[[], object] | None = None,
            here: bool = False) -> T:
        """Run ``job`` in the warm process (in this one when there is none or it ran a job).

        Parameters
        ----------
        job : callable
            The job; it and its result must pickle.
        meanwhile : callable, optional
            Work for this process while it waits for the job (called before the job when the
            job runs here). Its errors are raised; the warm process then ends after its job.
        here : bool, default False
            Run the job in this process and end the warm one unused: for a job whose data or
            result is so large that pickling it costs more than the imports saved.

        Raises
        ------
        BuildError
            If the warm process died before the job finished.
        """
        if here and self._pool is not None:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=False)  # it ends when its imports are done
        if self._pool is None:
            if meanwhile is not None:
                meanwhile()
            return job()
        pool, self._pool = self._pool, None
        future: Future[_Outcome] = pool.submit(_record, job)
        try:
            if meanwhile is not None:
                meanwhile()
            return _unpack(future.result())
        except BrokenProcessPool as exc:
            raise BuildError(_DIED) from exc
        finally:
            pool.shutdown(wait=False)  # the process ends by itself; nobody waits for it

    def close(self) -> None:
        """End the warm process (after its job, if one is running)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> WarmProcess:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


@contextmanager
def imports_without_gc() -> Iterator[None]:
    """Import without the cyclic garbage collector; keep what was imported out of it afterwards.

    What an import makes (modules, classes, functions, tables) lives as long as the process:
    collecting while it is being made finds nothing to free (what it costs is measured in
    ``benchmarks/README.md``, ``bench_process.py``). At the end the imported objects are frozen
    (:func:`gc.freeze`), so later collections skip them too, and the collector runs again as
    before.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _check_workers(workers: int) -> None:
    if workers < 1:
        msg = f"workers = {workers!r} is not allowed; use a whole number >= 1"
        raise ConfigError(msg)


def _warm_up(parent: int, modules: tuple[str, ...]) -> None:
    """Start a :class:`WarmProcess`: end with the parent, import ``modules``."""
    _die_with_parent(parent)
    with imports_without_gc():
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception as exc:  # the job imports it again and reports the error itself
                logger.debug("could not import %s in advance: %s", name, exc)


def _unpack(outcome: _Outcome) -> Any:
    """Raise the warnings of a job again in this process; return its value."""
    for category, text, filename, lineno in outcome.warnings:
        warnings.warn_explicit(text, category, filename, lineno)
    return outcome.value


def _can_fork() -> bool:
    """``fork`` exists and is safe: Linux and the other Unixes, not macOS or Windows."""
    return sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods()


def _run_forked(jobs: Sequence[Callable[[], Any]], n: int) -> list[_Outcome]:
    global _JOBS  # handed to the forked workers, which inherit it
    _JOBS = jobs
    # Objects that exist now are left alone by the workers' garbage collector, so their memory
    # stays shared with this process instead of being copied page by page.
    gc.freeze()
    _return_freed_memory()
    folder = Path(tempfile.mkdtemp(prefix="hotspotkaart-jobs-"))  # the results, see _Stored
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=n, mp_context=context,
                                 initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
            futures = [pool.submit(_run_job, index, folder) for index in range(len(jobs))]
            return [_loaded(future.result()) for future in futures]
    except BrokenProcessPool as exc:
        raise BuildError(_DIED) from exc
    finally:
        _JOBS = ()
        gc.unfreeze()
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class _Stored:
    """Where a worker put the :class:`_Outcome` of a job that returned something.

    The pool would send the result through a pipe, which the receiving process reads whole
    before it unpickles: the bytes and the objects at once, a gigabyte each for the
    when-tables at national scale. A file is unpickled as it is read.
    """

    path: Path


def _loaded(result: _Outcome | _Stored) -> _Outcome:
    """Return the outcome of a job, read from its file when a worker stored it."""
    if isinstance(result, _Outcome):
        return result
    with result.path.open("rb") as handle:
        outcome: _Outcome = pickle.load(handle)  # our own worker wrote it
    result.path.unlink()
    return outcome


def _return_freed_memory() -> None:
    """Give the heap memory this process freed back to the system before workers fork.

    glibc keeps freed memory for reuse; a forked worker starts with every page its parent
    holds, so what the read and the join freed (millions of small objects) would count in each
    worker too. ``malloc_trim`` returns it (what that saves is in ``benchmarks/README.md``);
    elsewhere than glibc nothing happens.
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


def _die_with_parent(parent: int) -> None:
    """Make a worker end when the build's process does, even when that is killed outright.

    Without this, workers of a killed build would go on writing into its staging folder.
    Linux delivers SIGKILL to the worker when its parent dies (``PR_SET_PDEATHSIG``); elsewhere
    the worker ends when it next asks the dead parent for a job.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            logger.debug("prctl(PR_SET_PDEATHSIG) unavailable; workers outlive a killed build")
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1

_DIED = ("a worker process of the build stopped unexpectedly (out of memory?); "
         "set [engine] workers = 1 to build in one process")


def _run_job(index: int, folder: Path) -> _Outcome | _Stored:
    """Run job ``index`` of :func:`run_jobs` in a worker; store a result in ``folder``."""
    return _stored(_record(_JOBS[index]), folder / f"{index}.pickle")


def _stored(outcome: _Outcome, path: Path) -> _Outcome | _Stored:
    """Write an outcome with a result to ``path`` (pickled as it is written); see :class:`_Stored`.

    Through the pool's pipe the worker would first make the whole pickle in memory, beside
    the objects: at national scale the sum of the join's count tables took 0.9 GB so.
    """
    if outcome.value is None:  # the pages: nothing to store
        return outcome
    with path.open("wb") as handle:
        pickle.dump(outcome, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return _Stored(path)


def _record(job: Callable[[], Any]) -> _Outcome:
    """Run ``job``, recording its warnings instead of printing them."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = job()
    return _Outcome(value, [(w.category, str(w.message), w.filename, w.lineno) for w in caught])
