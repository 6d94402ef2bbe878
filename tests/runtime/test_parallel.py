"""Tests of running a build's jobs on forked worker processes."""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from hotspotkaart._errors import BuildError, ConfigError, HotspotkaartWarning, InputError
from hotspotkaart.runtime import parallel
from hotspotkaart.runtime.parallel import (
    MAX_WORKERS,
    WarmProcess,
    available_cpus,
    imports_without_gc,
    map_ahead,
    resolve_workers,
    run_jobs,
)

forking = pytest.mark.skipif(not parallel._can_fork(), reason="needs the fork start method")


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


@forking
def test_jobs_run_in_worker_processes_and_results_keep_job_order():
    jobs = [lambda i=i: (i, _pid_after(0.05 * (4 - i))) for i in range(4)]
    results = run_jobs(jobs, workers=2)
    assert [i for i, _ in results] == [0, 1, 2, 3]
    pids = {pid for _, pid in results}
    assert os.getpid() not in pids
    assert len(pids) == 2


def test_one_worker_runs_the_jobs_in_this_process_in_order():
    seen: list[int] = []
    jobs = [lambda i=i: seen.append(i) or os.getpid() for i in range(3)]
    assert run_jobs(jobs, workers=1) == [os.getpid()] * 3
    assert seen == [0, 1, 2]


def _peak_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1])
    return 0


def _large_result() -> np.ndarray:
    return np.arange(16_000_000, dtype=np.int64)  # 128 MB


@forking
@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
def test_a_result_reaches_the_caller_without_a_second_copy_and_leaves_no_file(monkeypatch,
                                                                              tmp_path):
    monkeypatch.setattr(parallel.tempfile, "tempdir", str(tmp_path))
    loaded: list[Path] = []
    real = parallel._loaded
    monkeypatch.setattr(parallel, "_loaded", lambda r: (loaded.append(getattr(r, "path", None)),
                                                        real(r))[1])
    Path("/proc/self/clear_refs").write_text("5")  # the peak from here on
    before = _peak_kb()
    result, nothing = run_jobs([_large_result, lambda: None], workers=2)
    rise = (_peak_kb() - before) * 1024
    np.testing.assert_array_equal(result, np.arange(16_000_000))
    assert nothing is None
    assert rise < 1.5 * result.nbytes  # read from the file as it is unpickled, not from a pipe
    assert loaded[0] is not None  # stored in a file ...
    assert loaded[1] is None  # ... what returned None came back directly
    assert list(tmp_path.iterdir()) == []  # and the folder is gone


@forking
def test_the_data_of_the_caller_reaches_the_workers_without_pickling():
    unpicklable = {"lock": __import__("threading").Lock(), "values": list(range(1000))}
    jobs = [lambda: sum(unpicklable["values"]), lambda: len(unpicklable["values"])]
    assert run_jobs(jobs, workers=2) == [sum(range(1000)), 1000]


@forking
def test_a_warning_in_a_worker_is_raised_again_in_the_caller():
    def job() -> int:
        warnings.warn("buurt BU1 repaired", HotspotkaartWarning, stacklevel=1)
        return 1

    with pytest.warns(HotspotkaartWarning, match="buurt BU1 repaired"):
        assert run_jobs([job, lambda: 2], workers=2) == [1, 2]


@forking
def test_an_error_in_a_job_is_raised_from_run_jobs():
    def job() -> None:
        msg = "zones.geojson row 3: not a polygon"
        raise InputError(msg)

    with pytest.raises(InputError, match="row 3: not a polygon"):
        run_jobs([lambda: 1, job], workers=2)


@forking
def test_a_worker_that_dies_ends_the_build_with_a_clear_error():
    def killed() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(BuildError, match=r"worker process .* stopped unexpectedly.*workers = 1"):
        run_jobs([lambda: 1, killed], workers=2)


def test_workers_below_one_are_refused():
    with pytest.raises(ConfigError, match="workers = 0 is not allowed"):
        run_jobs([lambda: 1], workers=0)


def test_auto_uses_the_available_cpus_up_to_the_maximum():
    assert resolve_workers("auto") == min(available_cpus(), MAX_WORKERS)
    assert resolve_workers("auto") >= 1
    assert resolve_workers(3) == 3


# -- WarmProcess ------------------------------------------------------------------------------
# Its jobs travel by pickle, so they are functions of this module (with their arguments).


def _loaded(name: str) -> tuple[int, bool]:
    return os.getpid(), name in sys.modules


def _collector() -> tuple[bool, int]:
    return gc.isenabled(), gc.get_freeze_count()


def _warn_and_return(value: int) -> int:
    warnings.warn("zone Z1 repaired", HotspotkaartWarning, stacklevel=1)
    return value


def _fail() -> None:
    msg = "buurten.gpkg row 7: not a polygon"
    raise InputError(msg)


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _fan_out() -> tuple[int, list[int]]:
    return os.getpid(), run_jobs([partial(_pid_after, 0.2), partial(_pid_after, 0.2)], workers=2)


@pytest.fixture
def fresh_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A module nobody has imported yet, importable by this process and its forks."""
    name = f"warm_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


@forking
def test_a_warm_process_imports_its_modules_before_it_runs_a_job(fresh_module):
    with WarmProcess([fresh_module], workers=2) as warm:
        pid, loaded = warm.run(partial(_loaded, fresh_module))
        assert pid != os.getpid()
        assert loaded  # imported in advance: the job itself did not import it
        assert fresh_module not in sys.modules  # and only there
        # its process ended after the job: a second one runs here
        assert warm.run(partial(_loaded, fresh_module)) == (os.getpid(), False)


@forking
def test_a_warm_process_imports_without_the_collector_and_runs_its_job_with_it(fresh_module):
    with WarmProcess([fresh_module], workers=2) as warm:
        enabled, frozen = warm.run(_collector)
    assert enabled
    assert frozen > gc.get_freeze_count()  # what its imports made is left out of collections


def _wait_for(path: Path) -> tuple[int, bool]:
    deadline = time.monotonic() + 30
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return os.getpid(), path.exists()


@forking
def test_a_warm_process_runs_its_job_while_the_caller_does_other_work(tmp_path):
    # the job waits for a file that only the caller's meanwhile makes: both run at once
    signal_file = tmp_path / "made meanwhile"
    done: list[int] = []

    def meanwhile() -> None:
        signal_file.touch()
        done.append(os.getpid())

    with WarmProcess([], workers=2) as warm:
        pid, seen = warm.run(partial(_wait_for, signal_file), meanwhile=meanwhile)
    assert seen
    assert pid != os.getpid()
    assert done == [os.getpid()]


def test_without_a_warm_process_the_meanwhile_work_comes_first(tmp_path):
    order: list[str] = []
    with WarmProcess([], workers=1) as warm:
        assert warm.run(lambda: order.append("job") or 5,
                        meanwhile=lambda: order.append("meanwhile")) == 5
    assert order == ["meanwhile", "job"]


@forking
def test_an_error_of_the_meanwhile_work_is_raised_and_the_process_still_ends(tmp_path):
    with WarmProcess([], workers=2) as warm, pytest.raises(InputError, match="row 7"):
        warm.run(partial(_loaded, "os"), meanwhile=_fail)
    assert warm.run(partial(_loaded, "os")) == (os.getpid(), True)  # the next job runs here


def test_a_warm_process_of_one_worker_runs_its_job_in_this_process(fresh_module):
    with WarmProcess([fresh_module], workers=1) as warm:
        assert warm.run(partial(_loaded, fresh_module)) == (os.getpid(), False)


@forking
def test_a_warm_process_passes_warnings_and_errors_on():
    with WarmProcess([], workers=2) as warm:
        with pytest.warns(HotspotkaartWarning, match="zone Z1 repaired"):
            assert warm.run(partial(_warn_and_return, 3)) == 3
        with pytest.raises(InputError, match="row 7: not a polygon"):
            warm.run(_fail)


@forking
def test_a_warm_process_that_dies_ends_the_build_with_a_clear_error():
    with (WarmProcess([], workers=2) as warm,
          pytest.raises(BuildError, match=r"stopped unexpectedly.*workers = 1")):
        warm.run(_die)


@forking
def test_a_module_that_fails_to_import_in_advance_is_left_to_the_job():
    with WarmProcess(["hotspotkaart_no_such_module"], workers=2) as warm:
        pid, loaded = warm.run(partial(_loaded, "hotspotkaart_no_such_module"))
    assert pid != os.getpid()
    assert not loaded


@forking
def test_a_job_asked_to_run_here_runs_in_this_process_and_the_warm_one_ends(fresh_module):
    before = {child.pid for child in multiprocessing.active_children()}
    with WarmProcess([fresh_module], workers=2) as warm:
        (warm_pid,) = {child.pid for child in multiprocessing.active_children()} - before
        assert warm.run(partial(_loaded, fresh_module), here=True) == (os.getpid(), False)
        deadline = time.monotonic() + 30
        while warm_pid in {c.pid for c in multiprocessing.active_children()}:
            assert time.monotonic() < deadline, "the unused warm process did not end"
            time.sleep(0.05)
        assert warm.run(partial(_loaded, "os")) == (os.getpid(), True)  # the next one too


@forking
def test_the_job_of_a_warm_process_can_run_jobs_on_its_own_workers():
    with WarmProcess([], workers=2) as warm:
        warm_pid, pids = warm.run(_fan_out)
    assert len(set(pids)) == 2  # forked from the warm process, side by side
    assert not {os.getpid(), warm_pid} & set(pids)


def test_a_warm_process_refuses_workers_below_one():
    with pytest.raises(ConfigError, match="workers = 0 is not allowed"):
        WarmProcess([], workers=0)


def test_imports_run_without_the_collector_and_what_they_made_is_frozen():
    was_enabled = gc.isenabled()
    try:
        gc.enable()
        frozen = gc.get_freeze_count()
        with imports_without_gc():
            assert not gc.isenabled()
            made = [[i] for i in range(1000)]  # stands in for what an import makes
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen + len(made)
        gc.disable()
        with imports_without_gc():
            pass
        assert not gc.isenabled()  # a collector that was off stays off
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _resident_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(ln for ln in status if ln.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


@forking
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
def test_workers_do_not_start_with_the_memory_their_parent_freed():
    # freed among objects that live on (as the join frees the read's points), glibc keeps it
    held = [bytearray(4000) for _ in range(100_000)]
    before_free = _resident_mb()
    kept = held[::50]
    del held
    freed_but_kept = _resident_mb()
    worker_mb = run_jobs([_resident_mb, _resident_mb], workers=2)
    assert freed_but_kept > before_free - 100  # glibc kept it: the case that matters
    assert max(worker_mb) < freed_but_kept - 150
    assert len(kept) == 2000


def _square_and_pid(item: int) -> tuple[int, int]:
    return item * item, os.getpid()


@forking
def test_map_ahead_works_on_a_worker_process_and_keeps_the_order():
    results = list(map_ahead(_square_and_pid, range(7), workers=2))
    assert [value for value, _ in results] == [i * i for i in range(7)]
    pids = {pid for _, pid in results}
    assert pids != {os.getpid()}
    assert len(pids) == 1  # one worker, so the items are worked out in order


@forking
@pytest.mark.parametrize("lanes", [1, 2])
def test_map_ahead_makes_the_next_items_while_the_worker_works_but_no_more_than_ahead(lanes):
    made: list[float] = []
    done: list[float] = []

    def items():
        for i in range(6):
            made.append(time.perf_counter())
            yield i

    def slow(item: int) -> float:
        time.sleep(0.2)
        return time.perf_counter()

    for finished in map_ahead(slow, items(), workers=2, lanes=lanes):
        done.append(finished)
        # when a result arrives, at most AHEAD more items (and one per further lane) were
        # handed out after it
        assert len(made) <= len(done) + parallel.AHEAD + lanes - 1
    assert len(done) == 6
    assert made[1] < done[0]  # the second item was made while the first was worked out


def test_map_ahead_with_one_worker_runs_here_in_order():
    assert list(map_ahead(_square_and_pid, [3, 1, 2], workers=1)) == [
        (9, os.getpid()), (1, os.getpid()), (4, os.getpid())]


class _RunningTotal:
    """Adds up the items it is given; called with None, the total and this process."""

    def __init__(self) -> None:
        self.total = 0

    def __call__(self, item: int | None) -> tuple[int, int]:
        if item is None:
            return self.total, os.getpid()
        self.total += item
        return item, os.getpid()


@forking
def test_map_ahead_deals_the_items_to_lanes_each_with_its_own_state():
    items = [1, 10, 100, 1000, 10000]
    results = list(map_ahead(_RunningTotal(), items, workers=2, lanes=2, close=True))
    assert [value for value, _ in results[:5]] == items  # in order
    pids = [pid for _, pid in results]
    assert len(set(pids[:5])) == 2
    assert os.getpid() not in pids
    assert pids[:5] == [pids[0], pids[1]] * 2 + [pids[0]]  # item k on lane k % 2
    # each lane's total after the items, lane by lane: 1 + 100 + 10000 and 10 + 1000
    assert results[5:] == [(10101, pids[0]), (1010, pids[1])]
    # a lane without items is still asked; more lanes than workers are as many as workers
    assert [v for v, _ in map_ahead(_RunningTotal(), [7], workers=2, lanes=2, close=True)
            ] == [7, 7, 0]
    assert len(list(map_ahead(_RunningTotal(), [7], workers=2, lanes=5, close=True))) == 3


def test_map_ahead_with_one_worker_is_one_lane_asked_once_at_the_close():
    results = list(map_ahead(_RunningTotal(), [2, 3], workers=1, lanes=2, close=True))
    assert results == [(2, os.getpid()), (3, os.getpid()), (5, os.getpid())]


@forking
def test_map_ahead_passes_warnings_and_errors_on_and_dies_clearly():
    def warns(item: int) -> int:
        if item == 1:
            warnings.warn(f"piece {item} repaired", HotspotkaartWarning, stacklevel=1)
        return item

    with pytest.warns(HotspotkaartWarning, match="piece 1 repaired"):
        assert list(map_ahead(warns, [0, 1], workers=2)) == [0, 1]

    def fails(item: int) -> int:
        if item == 2:
            msg = "meldingen.csv row 12: cannot be joined"
            raise InputError(msg)
        return item

    with pytest.raises(InputError, match="row 12: cannot be joined"):
        list(map_ahead(fails, range(5), workers=2))

    def killed(item: int) -> int:
        os.kill(os.getpid(), signal.SIGKILL)
        return item

    with pytest.raises(BuildError, match=r"worker process .* stopped unexpectedly"):
        list(map_ahead(killed, range(3), workers=2))


def test_map_ahead_refuses_workers_or_lanes_below_one():
    with pytest.raises(ConfigError, match="workers = 0 is not allowed"):
        list(map_ahead(_square_and_pid, [1], workers=0))
    with pytest.raises(ConfigError, match="lanes must be at least 1, got 0"):
        list(map_ahead(_square_and_pid, [1], workers=2, lanes=0))


@forking
def test_map_ahead_results_come_through_files_that_are_gone_afterwards(monkeypatch, tmp_path):
    monkeypatch.setattr(parallel.tempfile, "tempdir", str(tmp_path))
    stored: list[object] = []
    real = parallel._loaded
    monkeypatch.setattr(parallel, "_loaded", lambda r: (stored.append(r), real(r))[1])
    results = list(map_ahead(_square_and_pid, range(4), workers=2))
    assert [value for value, _ in results] == [0, 1, 4, 9]
    assert all(isinstance(r, parallel._Stored) for r in stored)  # not through the pipe
    assert list(tmp_path.iterdir()) == []
    stopped = map_ahead(_square_and_pid, range(6), workers=2)
    assert next(stopped)[0] == 0
    stopped.close()  # a caller that stops early: the worker ends, the files go
    assert list(tmp_path.iterdir()) == []
