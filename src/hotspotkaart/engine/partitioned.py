"""The dask engine: join and count the meldingen per chunk and partition on dask-geopandas.

With ``[engine] kind = "dask"`` the candidate meldingen are split into partitions with
:func:`dask_geopandas.from_geopandas`. Each partition is joined to the buurten and zones
(:func:`hotspotkaart.engine.join.join_incidents`) and reduced to the small count tables of the
analysis (:func:`~hotspotkaart.engine.counting.area_counts`,
:func:`~hotspotkaart.engine.grid.grid_counts`,
:func:`~hotspotkaart.engine.zonecounts.zone_counts`,
:func:`~hotspotkaart.engine.counting.incident_totals`).
The partial tables are summed and fed to the same testing step as the in-memory engine, so the
results are identical. The joined meldingen themselves are dropped after counting: per-melding
outputs (the GeoPackage layer ``incidents``) are not written by this engine.

Meldingen joined outside the municipality are rejected in the build's ledger in the same order
as the in-memory join would reject them, so ``rejected.csv`` is identical as well.

The partitions run on the scheduler the config names (:func:`dask_scheduler`): in this process
(``synchronous``), on its threads (``threads``), or on dask.distributed (``distributed``), a
cluster at ``[engine] address`` or a ``LocalCluster`` started for the run. The buurten and
zones go into the task graph once, not once per partition.

dask is an optional dependency (``pip install 'hotspotkaart[scale]'``); it is imported only when
this engine runs.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import geopandas as gpd
import pandas as pd

from hotspotkaart._errors import BuildError, ConfigError
from hotspotkaart.config.settings import (
    DEFAULT_PARTITION_SIZE,
    AnalysisConfig,
    EngineConfig,
    Periods,
)
from hotspotkaart.engine.join import join_incidents
from hotspotkaart.engine.tables import CountTables, count_incidents, sum_tables
from hotspotkaart.io.ledger import Ledger, Rejection
from hotspotkaart.runtime.parallel import resolve_workers

__all__ = ["count_in_chunks", "count_partitioned", "dask_scheduler", "n_partitions"]

#: Seconds to wait for the dask scheduler at ``[engine] address`` before giving up.
CONNECT_TIMEOUT_S = 20

logger = logging.getLogger(__name__)


def n_partitions(n_rows: int, engine: EngineConfig) -> int:
    """Choose how many partitions the dask engine splits ``n_rows`` candidate meldingen into.

    Parameters
    ----------
    n_rows : int
        Candidate meldingen.
    engine : EngineConfig
        ``partitions``, or else ``partition_size`` (default
        :data:`~hotspotkaart.config.settings.DEFAULT_PARTITION_SIZE`).

    Returns
    -------
    int
        At least 1 and at most ``max(n_rows, 1)``.

    """
    if engine.partitions is not None:
        wanted = engine.partitions
    else:
        size = engine.partition_size or DEFAULT_PARTITION_SIZE
        wanted = math.ceil(n_rows / size)
    return max(1, min(wanted, max(n_rows, 1)))


def count_partitioned(candidates: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame,
                      zones: gpd.GeoDataFrame, zone_frame: gpd.GeoDataFrame,
                      periods: Periods, analysis: AnalysisConfig, engine: EngineConfig,
                      ledger: Ledger) -> CountTables:
    """Join and count the candidate meldingen partition by partition with dask-geopandas.

    Parameters
    ----------
    candidates : geopandas.GeoDataFrame
        Candidate meldingen from :func:`hotspotkaart.io.incidents.read_incidents`. Not modified.
    buurten : geopandas.GeoDataFrame
        The buurten (with ``buurtcode`` and ``wijkcode``).
    zones : geopandas.GeoDataFrame
        The zones from :func:`hotspotkaart.io.zones.read_zones`, for the join.
    zone_frame : geopandas.GeoDataFrame
        The zone columns passed to the zone statistics.
    periods : Periods
        The periods of the build (base, compare and any trend-only ones).
    analysis : AnalysisConfig
        ``cell_size`` and ``buffer_m``.
    engine : EngineConfig
        Partitioning and scheduler.
    ledger : Ledger
        Receives the rejections of meldingen outside the municipality, in candidate order.

    Returns
    -------
    CountTables
        The summed count tables; identical to counting all meldingen at once.

    Raises
    ------
    ConfigError
        If dask-geopandas is not installed.

    """
    with dask_scheduler(engine) as scheduler:
        return _count_partitioned(candidates, buurten, zones, zone_frame, periods, analysis,
                                  engine, ledger, scheduler)


def _count_partitioned(candidates: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame,
                       zones: gpd.GeoDataFrame, zone_frame: gpd.GeoDataFrame,
                       periods: Periods, analysis: AnalysisConfig, engine: EngineConfig,
                       ledger: Ledger, scheduler: Any) -> CountTables:
    """Do :func:`count_partitioned` on the open ``scheduler`` (from :func:`dask_scheduler`)."""
    import dask
    import dask_geopandas

    n_parts = n_partitions(len(candidates), engine)
    frame = dask_geopandas.from_geopandas(candidates, npartitions=n_parts, sort=False)
    # each frame one key of the graph (named, so that dask need not hash it): sent once
    run = uuid.uuid4().hex
    shared = [dask.delayed(x, name=f"{label}-{run}", traverse=False) for label, x in
              (("buurten", buurten), ("zones", zones), ("zone-frame", zone_frame))]
    tasks = [dask.delayed(_count_part)(part, *shared, periods, analysis)
             for part in frame.to_delayed()]
    logger.info("dask engine: %d meldingen in %d partitions, %s scheduler", len(candidates),
                len(tasks), engine.scheduler)
    results = dask.compute(*tasks, scheduler=scheduler)
    _replay_rejections(ledger, [r for _, rejections in results for r in rejections])
    parts = [tables for tables, _ in results]
    return sum_tables(parts)


def _count_part(part: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame, zones: gpd.GeoDataFrame,
                zone_frame: gpd.GeoDataFrame, periods: Periods, analysis: AnalysisConfig
                ) -> tuple[CountTables, list[Rejection]]:
    """Join and count one partition (a task; on a worker of a cluster too)."""
    scratch = Ledger()
    joined = join_incidents(part, buurten, zones, scratch)
    return count_incidents(joined, zone_frame, periods, analysis), scratch.rejections


@contextmanager
def dask_scheduler(engine: EngineConfig) -> Iterator[Any]:
    """Open the scheduler of ``[engine] scheduler`` for :func:`dask.compute`, and close it.

    Parameters
    ----------
    engine : EngineConfig
        ``scheduler``, and for ``distributed`` the ``address`` of a running scheduler or the
        ``workers`` of the ``LocalCluster`` to start (``"auto"``: one per CPU).

    Yields
    ------
    str or distributed.Client
        The scheduler's name, or a client of the cluster (closed afterwards, with a cluster
        started here).

    Raises
    ------
    ConfigError
        If dask-geopandas or, for ``distributed``, dask.distributed is not installed.
    BuildError
        If no scheduler answers at ``address``.

    """
    try:
        import dask  # noqa: F401
        import dask_geopandas  # noqa: F401
    except ImportError:
        msg = ("[engine] kind = \"dask\" needs dask-geopandas, which is not installed; "
               "install it with: pip install 'hotspotkaart[scale]'")
        raise ConfigError(msg) from None
    if engine.scheduler != "distributed":
        yield engine.scheduler
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        msg = ("[engine] scheduler = \"distributed\" needs dask.distributed, which is not "
               "installed; install it with: pip install 'hotspotkaart[scale]'")
        raise ConfigError(msg) from None
    if engine.address is not None:
        try:
            client = Client(engine.address, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            msg = (f"[engine] address = {engine.address!r}: no dask scheduler answers there "
                   f"({' '.join(str(exc).split())}); start one or remove address to run on a "
                   "local cluster")
            raise BuildError(msg) from None
        with client:
            logger.info("dask engine: on the scheduler at %s", engine.address)
            yield client
        return
    workers = resolve_workers(engine.workers)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.WARNING) as cluster, \
            Client(cluster) as client:
        logger.info("dask engine: on a local cluster of %d worker processes", workers)
        yield client


def count_in_chunks(chunks: Iterable[gpd.GeoDataFrame], buurten: gpd.GeoDataFrame,
                    zones: gpd.GeoDataFrame, zone_frame: gpd.GeoDataFrame, periods: Periods,
                    analysis: AnalysisConfig, engine: EngineConfig, ledger: Ledger, *,
                    check: Callable[[pd.DataFrame], None] | None = None) -> CountTables:
    """Join and count candidate meldingen that are read chunk by chunk, each on partitions.

    Each chunk (see :func:`hotspotkaart.io.incidents.iter_incidents`) goes through
    :func:`count_partitioned`; its count tables are added up, and then the ledger lets go of the
    original fields of the chunk's records that were not rejected, so that only one chunk of
    meldingen is held at a time.

    Parameters
    ----------
    chunks : iterable of geopandas.GeoDataFrame
        Candidate meldingen, in the order :func:`hotspotkaart.io.incidents.read_incidents` gives.
    buurten, zones, zone_frame, periods, analysis, engine, ledger
        As for :func:`count_partitioned`.
    check : callable, optional
        Called after each chunk is counted with its used meldingen (``source``, ``row``,
        ``category``); raises to stop the build.

    Returns
    -------
    CountTables
        Identical to counting all meldingen at once; ``chunks`` says how many were read.

    """
    with dask_scheduler(engine) as scheduler:  # one cluster for every chunk
        return _count_chunks(chunks, buurten, zones, zone_frame, periods, analysis, engine,
                             ledger, check, scheduler)


def _count_chunks(chunks: Iterable[gpd.GeoDataFrame], buurten: gpd.GeoDataFrame,
                  zones: gpd.GeoDataFrame, zone_frame: gpd.GeoDataFrame, periods: Periods,
                  analysis: AnalysisConfig, engine: EngineConfig, ledger: Ledger,
                  check: Callable[[pd.DataFrame], None] | None, scheduler: Any) -> CountTables:
    """Do :func:`count_in_chunks` on the open ``scheduler``."""
    total: CountTables | None = None
    n = 0
    for n, chunk in enumerate(chunks, start=1):
        rejected_before = len(ledger.rejections)
        part = _count_partitioned(chunk, buurten, zones, zone_frame, periods, analysis,
                                  engine, ledger, scheduler)
        if check is not None:
            check(_used(chunk[["source", "row", "category"]],
                        ledger.rejections[rejected_before:]))
        total = part if total is None else sum_tables([total, part])  # added up as they come
        ledger.keep_rejected_fields("incidents")
        logger.info("dask engine: chunk %d counted (%d meldingen)", n, len(chunk))
    if total is None:
        msg = "count_in_chunks was given no chunk; iter_incidents gives at least one"
        raise ValueError(msg)
    return dataclasses.replace(total, chunks=n)


def _used(chunk: pd.DataFrame, rejections: Sequence[Rejection]) -> pd.DataFrame:
    """Return the rows of ``chunk`` that none of the join's ``rejections`` names."""
    rejected = {(r.source, r.row) for r in rejections if r.kind == "incidents"}
    if not rejected:
        return chunk
    keys = pd.MultiIndex.from_arrays([chunk["source"].astype(str), chunk["row"].astype(int)])
    return chunk[~keys.isin(list(rejected))]


def _replay_rejections(ledger: Ledger, rejections: list[Rejection]) -> None:
    """Reject in the order :func:`join_incidents` uses on the whole frame.

    That order is: per source in order of first appearance, per reason likewise, rows in
    candidate order. The partitions are in candidate order, so a stable grouping restores it.
    """
    if not rejections:
        return
    table = pd.DataFrame([r.__dict__ for r in rejections])
    for (kind, source, reason), group in table.groupby(["kind", "source", "reason"],
                                                       sort=False):
        ledger.reject(str(kind), str(source), group["row"].tolist(), str(reason),
                      group["detail"].tolist())
