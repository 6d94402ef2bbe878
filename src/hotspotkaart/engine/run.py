"""The join stage as a whole: the meldingen read, joined and counted by the chosen engine.

Both engines read the meldingen piece by piece, ``[engine] chunk_size`` records at a time
(:func:`~hotspotkaart.io.incidents.iter_incidents`; a file of fewer records is one piece, read
as :func:`~hotspotkaart.io.incidents.read_incidents` reads it), and after each piece the
ledger lets go of the fields of the records it used (:meth:`~hotspotkaart.io.ledger.Ledger.
keep_rejected_fields`): the text of millions of records is never held at once.

The memory engine joins each piece at once (:func:`~hotspotkaart.engine.join.join_incidents`),
counts it (:func:`~hotspotkaart.engine.tables.count_incidents`) and keeps its used meldingen
with their coordinates instead of shapely points (:func:`hotspotkaart._geometry.
without_points`), for the GeoPackage and the camera assessment; the counts of the pieces are
added up (:func:`~hotspotkaart.engine.tables.sum_tables`), which gives the tables of counting
all meldingen at once. With more than one worker the pieces are joined and counted on as many
worker processes, in turns, while this one reads the next (:func:`~hotspotkaart.runtime.
parallel.map_ahead`): reading takes less than joining and counting, and the three processes
share the cores. The dask engine joins and counts each piece in partitions
(:func:`~hotspotkaart.engine.partitioned.count_in_chunks`) and keeps no melding.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd

from hotspotkaart._geometry import COORDINATES, with_points, without_points
from hotspotkaart.config.settings import (
    ZONE_KINDS,
    AnalysisConfig,
    Config,
    IncidentSource,
    Periods,
)
from hotspotkaart.engine.join import join_incidents
from hotspotkaart.engine.partitioned import count_in_chunks
from hotspotkaart.engine.tables import (
    CountTables,
    compact_tables,
    count_incidents,
    plain_tables,
    sum_tables,
)
from hotspotkaart.io.crs import RD
from hotspotkaart.io.incidents import check_category_slugs, iter_incidents
from hotspotkaart.io.ledger import Ledger
from hotspotkaart.runtime.parallel import map_ahead, resolve_workers

__all__ = ["CATEGORICAL", "INCIDENT_COLUMNS", "join_and_count"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: The columns kept of each used melding (a time window's ``time_from`` and ``time_to`` after
#: ``timed`` where one is given), ``x`` and ``y`` in RD last.
INCIDENT_COLUMNS: tuple[str, ...] = (
    "source", "row", "melding_id", "date", "timed", "period", "category", "buurtcode",
    "wijkcode", *[f"in_{k}" for k in ZONE_KINDS], *COORDINATES)

#: The kept columns of few distinct values, held as categories: a code per melding instead of
#: a text (at 5 M meldingen some 300 MB less in the build and in every worker it forks).
CATEGORICAL: tuple[str, ...] = ("source", "category", "buurtcode", "wijkcode")


def join_and_count(config: Config, ledger: Ledger, buurten: gpd.GeoDataFrame,
                   zones: gpd.GeoDataFrame, zone_frame: gpd.GeoDataFrame,
                   ) -> tuple[pd.DataFrame, CountTables, dict[str, Any] | None]:
    """Read, join and count the meldingen of ``config``, piece by piece.

    Parameters
    ----------
    config : Config
        The build's configuration (its sources, periods, analysis and engine).
    ledger : Ledger
        Receives the records read and every rejection of the reading and the join.
    buurten : geopandas.GeoDataFrame
        The buurten with ``buurtcode``, ``wijkcode`` and ``gemeentecode``.
    zones, zone_frame : geopandas.GeoDataFrame
        The zones as read, and their columns the counts use.

    Returns
    -------
    tuple
        The used meldingen (:data:`INCIDENT_COLUMNS`; none with the dask engine), the count
        tables, and for the dask engine its ``summary.json`` block (else None).

    Raises
    ------
    InputError
        As :func:`~hotspotkaart.io.incidents.iter_incidents`, or when two categories get one
        output column name (:func:`~hotspotkaart.io.incidents.check_category_slugs`).
    """
    check = _CategoryCheck(config.incidents)
    if config.engine.kind != "dask":
        pieces = iter_incidents(config.incidents, config.periods, ledger,
                                config.engine.chunk_size, points=False)
        used, tables = _count_pieces(pieces, config, ledger, buurten, zones, zone_frame, check)
        return used, tables, None
    chunks = iter_incidents(config.incidents, config.periods, ledger, config.engine.chunk_size)
    tables = count_in_chunks(chunks, buurten, zones, zone_frame, config.periods,
                             config.analysis, config.engine, ledger, check=check)
    engine = {"kind": "dask", "partitions": tables.partitions, "chunks": tables.chunks,
              "chunk_size": config.engine.chunk_size, "scheduler": config.engine.scheduler,
              "note": ("partitioned engine: per-melding data is not kept, so the "
                       "GeoPackage layer 'incidents' is not written")}
    none = pd.DataFrame({c: pd.Series(dtype=float if c in COORDINATES else object)
                         for c in INCIDENT_COLUMNS})
    return none, tables, engine


def _count_pieces(chunks: Iterable[pd.DataFrame], config: Config, ledger: Ledger,
                  buurten: gpd.GeoDataFrame, zones: gpd.GeoDataFrame,
                  zone_frame: gpd.GeoDataFrame, check: Callable[[pd.DataFrame], None],
                  ) -> tuple[pd.DataFrame, CountTables]:
    """Join and count each piece at once; return the kept meldingen and the summed tables.

    With more than one worker the pieces are joined and counted on that many worker
    processes, in turns, while this one reads the next (:func:`~hotspotkaart.runtime.parallel.
    map_ahead`, a lane per worker). Each worker keeps its pieces' count tables
    (:class:`_PieceCounter`) and hands back their sum after the last; this process adds those
    up and gets each piece's used meldingen and the join's rejections, in the pieces' order.
    The ledger then lets go of the fields of the used records of every piece whose join is
    in, but keeps those of the pieces read and not yet joined.
    """
    seconds = dict.fromkeys(("reading", "joining", "counting"), 0.0)
    waiting: deque[pd.DataFrame] = deque()  # source and row of the pieces read, not yet in

    def read() -> Iterator[pd.DataFrame]:
        pieces = iter(chunks)
        while (chunk := _timed(lambda: next(pieces, None), seconds, "reading")) is not None:
            waiting.append(chunk[["source", "row"]])
            yield chunk

    counter = _PieceCounter(buurten=buurten, zones=zones, zone_frame=zone_frame,
                            periods=config.periods, analysis=config.analysis)
    kept: list[pd.DataFrame] = []
    totals: list[CountTables] = []  # one per lane, after the pieces
    workers = resolve_workers(config.engine.workers)
    for piece in map_ahead(counter, read(), workers, lanes=workers, close=True):
        if piece is None or isinstance(piece, CountTables):  # a lane's total, at the end
            if piece is not None:
                totals.append(piece)
            continue
        waiting.popleft()
        ledger.take(piece.ledger)
        check(piece.kept)
        kept.append(piece.kept)
        ledger.keep_rejected_fields("incidents", waiting=list(waiting))
        for key, value in piece.seconds.items():
            seconds[key] += value
    logger.info("memory engine: %d piece(s); %s", len(kept),
                ", ".join(f"{k} {v:.1f} s" for k, v in seconds.items()))
    tables = plain_tables(totals[0]) if len(totals) == 1 else sum_tables(totals)
    return _joined_pieces(kept), dataclasses.replace(tables, chunks=len(kept))


@dataclasses.dataclass(frozen=True)
class _Piece:
    """One piece of meldingen joined and counted, as :class:`_PieceCounter` hands it back."""

    kept: pd.DataFrame  # the used meldingen, :func:`_kept`
    ledger: Ledger  # the join's rejections and warnings
    seconds: dict[str, float]  # joining and counting


class _PieceCounter:
    """Join and count pieces of candidate meldingen one after the other; keep their tables.

    Called with a piece (coordinates in ``x`` and ``y``) it returns the piece's used meldingen
    and rejections and keeps its count tables; called with None after the last piece, the
    tables of all its pieces added up (:func:`~hotspotkaart.engine.tables.sum_tables`), None
    if it had none. On a worker of :func:`~hotspotkaart.runtime.parallel.map_ahead`, which
    works its lane's pieces out in order, the tables stay in the worker: a piece's tables are
    nearly as large as those of all meldingen, and this process would hold them all at once.
    Every :data:`FOLD` pieces they are added up, so that the worker holds at most that many.
    """

    #: Pieces whose tables are kept apart before they are added up.
    FOLD = 4

    def __init__(self, *, buurten: gpd.GeoDataFrame, zones: gpd.GeoDataFrame,
                 zone_frame: gpd.GeoDataFrame, periods: Periods,
                 analysis: AnalysisConfig) -> None:
        self.buurten, self.zones, self.zone_frame = buurten, zones, zone_frame
        self.periods, self.analysis = periods, analysis
        self.parts: list[CountTables] = []

    def __call__(self, chunk: pd.DataFrame | None) -> _Piece | CountTables | None:
        if chunk is None:  # a lane of map_ahead may have had no piece
            if not self.parts:
                return None
            total = self.parts[0] if len(self.parts) == 1 else sum_tables(self.parts)
            return compact_tables(total)  # coded keys: fewer bytes to hand back and add up
        seconds = dict.fromkeys(("joining", "counting"), 0.0)
        scratch = Ledger()
        used = _timed(lambda: join_incidents(with_points(chunk, RD), self.buurten, self.zones,
                                             scratch), seconds, "joining")
        self.parts.append(_timed(partial(count_incidents, used, self.zone_frame, self.periods,
                                         self.analysis), seconds, "counting"))
        if len(self.parts) == self.FOLD:
            self.parts = [sum_tables(self.parts)]
        return _Piece(_kept(without_points(used)), scratch, seconds)


class _CategoryCheck:
    """:func:`~hotspotkaart.io.incidents.check_category_slugs` of meldingen used piece by piece.

    Called with each piece's used meldingen (``source``, ``row``, ``category``), it checks the
    first used melding of every category so far, as the check of all of them at once would.
    """

    def __init__(self, sources: tuple[IncidentSource, ...]) -> None:
        self.sources = sources
        self.firsts = pd.DataFrame(columns=["source", "row", "category"])

    def __call__(self, used: pd.DataFrame) -> None:
        new = used[["source", "row", "category"]].drop_duplicates("category")
        self.firsts = pd.concat([self.firsts, new], ignore_index=True).drop_duplicates(
            "category")
        check_category_slugs(self.firsts, self.sources)


def _timed(step: Callable[[], T], seconds: dict[str, float], key: str) -> T:
    """Return ``step()``, its wall time added to ``seconds[key]``."""
    start = time.perf_counter()
    try:
        return step()
    finally:
        seconds[key] += time.perf_counter() - start


def _kept(used: pd.DataFrame) -> pd.DataFrame:
    """Return the :data:`INCIDENT_COLUMNS` of ``used``, a time window's where one is given."""
    window = [c for c in ("time_from", "time_to") if c in used.columns]
    kept = used[[*INCIDENT_COLUMNS[:5], *window, *INCIDENT_COLUMNS[5:]]]
    return kept.astype({c: "category" for c in CATEGORICAL})


def _joined_pieces(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    """Put the kept meldingen of the pieces together, the :data:`CATEGORICAL` as categories."""
    if len(pieces) == 1:
        return pieces[0]
    union = pd.api.types.union_categoricals
    categories = {c: union([p[c] for p in pieces], sort_categories=True).categories
                  for c in CATEGORICAL}
    return pd.concat([p.astype({c: pd.CategoricalDtype(v) for c, v in categories.items()})
                      for p in pieces], ignore_index=True)
