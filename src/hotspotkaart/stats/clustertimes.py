"""Hot spots as clusters, and when each cluster's overlast happens.

A hot spot on the map is rarely one cell: it is a group of touching cells that the Gi* test of
:mod:`hotspotkaart.stats.hotspots` found hot (at any confidence). This module names those
groups per period (:func:`label_clusters`: ``2024-1`` is the compare year's cluster with the
most meldingen) and, from the meldingen per cell, weekday and hour
(:func:`hotspotkaart.engine.grid.cell_week_counts`), gives each cluster

* its rows of ``tijden.csv`` (``area_type = "hotspot"``, :func:`cluster_time_rows`), so the
  table adds up per cluster as it does per buurt, and
* its hot times (:func:`cluster_hot_times`): the test of
  :func:`hotspotkaart.stats.hottimes.hot_times` on the cluster's meldingen with a time, against
  the cluster's own average, with the weekdays the covered days hold.

The clusters of one period are one Benjamini–Hochberg family of their own, apart from the
family of the city, wijken and buurten: they are chosen by their counts in space, and a family
of their own keeps that choice from changing the areas' q-values. The test asks how a
cluster's meldingen spread over the week given its total, so its choice by the total does not
make a block hot.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspotkaart.config.settings import AnalysisConfig
from hotspotkaart.engine.grid import cell_rows, grid_indices
from hotspotkaart.stats.coverage import Coverage
from hotspotkaart.stats.hotspots import HOT_90, HOT_95, HOT_99
from hotspotkaart.stats.temporal import count_values, tested_blocks

__all__ = ["HOTSPOT", "cluster_column", "cluster_hot_times", "cluster_time_rows",
           "cluster_weeks", "label_clusters"]

#: ``area_type`` of a hot-spot cluster in ``tijden.csv`` and the hot-times table.
HOTSPOT = "hotspot"

_HOT = (HOT_99, HOT_95, HOT_90)


def cluster_column(year: int) -> str:
    """Name the grid column holding each cell's cluster code in ``year`` (``hotspot_2024``)."""
    return f"{HOTSPOT}_{year}"


def label_clusters(cells: pd.DataFrame, years: Sequence[int],
                   cell_size: float) -> dict[int, npt.NDArray[np.object_]]:
    """Give every hot cell the code of its cluster per year; ``""`` for a cell that is not hot.

    Cells are in one cluster when they share an edge (as the maps merge them); clusters are
    numbered per year from 1 by their meldingen in that year, most first (ties: the cluster
    with the first cell in grid order first), and coded ``<year>-<number>``.

    Parameters
    ----------
    cells : pandas.DataFrame
        The grid table: ``x_min``, ``y_min``, ``gi_class_<year>`` and ``count_<year>``.
    years : sequence of int
        The periods to label.
    cell_size : float
        The grid's cell size in metres.
    """
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    ix, iy = grid_indices(cells, cell_size)
    out: dict[int, npt.NDArray[np.object_]] = {}
    for year in years:
        hot = np.flatnonzero(np.isin(cells[f"gi_class_{year}"].to_numpy(dtype=object), _HOT))
        codes = np.full(len(cells), "", dtype=object)
        if len(hot):
            # the hot cell east of and north of each hot cell, by its place among the hot ones
            among_hot = np.full(len(cells) + 1, -1)  # row -1 (no such cell) reads the last
            among_hot[hot] = np.arange(len(hot))
            neighbours = [among_hot[cell_rows(cells, ix[hot] + dx, iy[hot] + dy, cell_size)]
                          for dx, dy in ((1, 0), (0, 1))]
            rows = np.concatenate([np.flatnonzero(b >= 0) for b in neighbours])
            cols = np.concatenate([b[b >= 0] for b in neighbours])
            graph = coo_array((np.ones(len(rows)), (rows, cols)), shape=(len(hot), len(hot)))
            _n, label = connected_components(graph, directed=False)
            counts = np.bincount(label, cells[f"count_{year}"].to_numpy(float)[hot])
            first = np.full(len(counts), len(hot))
            np.minimum.at(first, label, np.arange(len(hot)))
            rank = np.empty(len(counts), dtype=np.int64)
            rank[np.lexsort((first, -counts))] = np.arange(1, len(counts) + 1)
            codes[hot] = [f"{year}-{r}" for r in rank[label]]
        out[year] = codes
    return out


def cluster_weeks(cell_weeks: pd.DataFrame, cells: pd.DataFrame,
                  clusters: dict[int, npt.NDArray[np.object_]],
                  cell_size: float) -> pd.DataFrame:
    """Return the rows of ``cell_weeks`` in a cluster of their period, with its code.

    The input of :func:`cluster_time_rows` and :func:`cluster_hot_times`; ``cell_weeks`` is
    :func:`hotspotkaart.engine.grid.cell_week_counts`, ``clusters`` :func:`label_clusters`.
    """
    position = cell_rows(cells, cell_weeks["ix"], cell_weeks["iy"], cell_size)
    period = cell_weeks["period"].to_numpy(np.int64)
    code = np.full(len(cell_weeks), "", dtype=object)
    for year, codes in clusters.items():
        take = (position >= 0) & (period == year)
        code[take] = codes[position[take]]
    frame = cell_weeks.assign(cluster=code)
    return frame[code != ""]


def cluster_time_rows(weeks: pd.DataFrame) -> pd.DataFrame:
    """Return the ``tijden.csv`` rows of the clusters: meldingen per weekday and hour.

    ``weeks`` is :func:`cluster_weeks`. Each cluster counts in its own period only; a melding
    without a time has an empty weekday and hour, and a time window is spread over its hours,
    as in the rest of the table.
    """
    table = weeks.groupby(["cluster", "period", "weekday", "hour"], sort=True)["n"].sum()
    table = table.reset_index()
    timed = table["hour"].to_numpy() >= 0
    return pd.DataFrame({
        "area_type": HOTSPOT, "area_code": table["cluster"].to_numpy(dtype=object),
        "period": table["period"].astype(np.int64), "category": "",
        "weekday": table["weekday"].where(timed).astype("Int64"),
        "hour": table["hour"].where(timed).astype("Int64"),
        "count": count_values(table["n"])})


def cluster_hot_times(weeks: pd.DataFrame, clusters: dict[int, npt.NDArray[np.object_]],
                      coverage: Coverage, config: AnalysisConfig,
                      dispersion: float) -> pd.DataFrame:
    """Test every weekday × 3-hour block of every cluster, one family per period.

    ``weeks`` is :func:`cluster_weeks`; the test counts its whole meldingen (``n_block``,
    as :func:`hotspotkaart.stats.temporal.hot_time_table` does).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`hotspotkaart.stats.temporal.hot_time_table` with ``area_type``
        ``hotspot`` and the cluster code as ``area_code``; empty without clusters.
    """
    timed = weeks[weeks["hour"] >= 0]
    parts = []
    for year, codes in clusters.items():
        names = sorted(set(codes) - {""}, key=lambda c: int(c.split("-")[1]))
        if not names:
            continue
        rows = timed[timed["period"] == year]
        arrays = np.zeros((len(names), 7, 24), dtype=np.int64)
        position = pd.Index(names).get_indexer(rows["cluster"])
        np.add.at(arrays, (position, rows["weekday"].to_numpy() - 1, rows["hour"].to_numpy()),
                  rows["n_block"].to_numpy())
        parts.append(tested_blocks(arrays, [HOTSPOT] * len(names), names, year, coverage,
                                   config, dispersion))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
