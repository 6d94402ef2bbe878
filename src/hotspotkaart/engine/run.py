"""The join stage as a whole: the meldingen joined and counted by the engine the config chooses.

The memory engine joins the read candidates at once (:func:`~hotspotkaart.engine.join.
join_incidents`) and counts them (:func:`~hotspotkaart.engine.tables.count_incidents`); the
meldingen it keeps for the GeoPackage and the camera assessment then hold their coordinates
instead of shapely points (:func:`hotspotkaart._geometry.without_points`). The dask engine
reads, joins and counts chunk by chunk (:func:`~hotspotkaart.engine.partitioned.
count_in_chunks`) and keeps no melding.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import geopandas as gpd
import pandas as pd

from hotspotkaart._geometry import COORDINATES, without_points
from hotspotkaart.config.settings import ZONE_KINDS, Config
from hotspotkaart.engine.join import join_incidents
from hotspotkaart.engine.partitioned import count_in_chunks
from hotspotkaart.engine.tables import CountTables, count_incidents
from hotspotkaart.io.incidents import check_category_slugs, iter_incidents
from hotspotkaart.io.ledger import Ledger

__all__ = ["CATEGORICAL", "INCIDENT_COLUMNS", "join_and_count"]

#: The columns kept of each used melding (a time window's ``time_from`` and ``time_to`` after
#: ``timed`` where one is given), ``x`` and ``y`` in RD last.
INCIDENT_COLUMNS: tuple[str, ...] = (
    "source", "row", "melding_id", "date", "timed", "period", "category", "buurtcode",
    "wijkcode", *[f"in_{k}" for k in ZONE_KINDS], *COORDINATES)


def join_and_count(config: Config, ledger: Ledger, buurten: gpd.GeoDataFrame,
                   zones: gpd.GeoDataFrame, zone_frame: gpd.GeoDataFrame,
                   candidates: gpd.GeoDataFrame | None,
                   ) -> tuple[pd.DataFrame, CountTables, dict[str, Any] | None]:
    """Join and count the meldingen: ``candidates`` read, or (dask engine, None) in chunks.

    Parameters
    ----------
    config : Config
        The build's configuration (its sources, periods, analysis and engine).
    ledger : Ledger
        Receives the rejections of the join (and, dask engine, of the reading).
    buurten : geopandas.GeoDataFrame
        The buurten with ``buurtcode``, ``wijkcode`` and ``gemeentecode``.
    zones, zone_frame : geopandas.GeoDataFrame
        The zones as read, and their columns the counts use.
    candidates : geopandas.GeoDataFrame or None
        The read meldingen (memory engine), or None (the dask engine reads them here).

    Returns
    -------
    tuple
        The used meldingen (:data:`INCIDENT_COLUMNS`; none with the dask engine), the count
        tables, and for the dask engine its ``summary.json`` block (else None).
    """
    if candidates is not None:
        used = join_incidents(candidates, buurten, zones, ledger)
        check_category_slugs(used, config.incidents)  # the used meldingen get columns
        tables = count_incidents(used, zone_frame, config.periods, config.analysis)
        return _kept(without_points(used)), tables, None  # counted: coordinates are enough
    chunks = iter_incidents(config.incidents, config.periods, ledger, config.engine.chunk_size)
    tables = count_in_chunks(chunks, buurten, zones, zone_frame, config.periods,
                             config.analysis, config.engine, ledger,
                             check=partial(check_category_slugs, sources=config.incidents))
    engine = {"kind": "dask", "partitions": tables.partitions, "chunks": tables.chunks,
              "chunk_size": config.engine.chunk_size, "scheduler": config.engine.scheduler,
              "note": ("partitioned engine: per-melding data is not kept, so the "
                       "GeoPackage layer 'incidents' is not written")}
    none = pd.DataFrame({c: pd.Series(dtype=float if c in COORDINATES else object)
                         for c in INCIDENT_COLUMNS})
    return none, tables, engine


#: The kept columns of few distinct values, held as categories: a code per melding instead of
#: a text (at 5 M meldingen some 300 MB less in the build and in every worker it forks).
CATEGORICAL: tuple[str, ...] = ("source", "category", "buurtcode", "wijkcode")


def _kept(used: pd.DataFrame) -> pd.DataFrame:
    """Return the :data:`INCIDENT_COLUMNS` of ``used``, a time window's where one is given."""
    window = [c for c in ("time_from", "time_to") if c in used.columns]
    kept = used[[*INCIDENT_COLUMNS[:5], *window, *INCIDENT_COLUMNS[5:]]]
    return kept.astype({c: "category" for c in CATEGORICAL})
