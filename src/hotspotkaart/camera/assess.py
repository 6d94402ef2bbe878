"""Evidence for designating camera areas (art. 151c Gemeentewet), per candidate area.

``hotspotkaart camera CANDIDATES`` reads one or more candidate polygons, puts the figures a
planner needs for a council proposal next to each other — computed the same way every time —
and writes ``camera/<naam>.html`` (a map per candidate), ``camera/kandidaten.csv`` (one row per
candidate, best first) and ``camera/rapport.html`` (a printable summary with method and caveats).
``--suggest`` adds candidate areas made from the grid's persistent and new hot spots that lie
outside the existing camera areas. The pages are rendered by :mod:`hotspotkaart.camera.report`.

What is counted
---------------
* A melding is *inside* a candidate when it lies in the polygon or on its edge (as for zones).
* ``count_<year>``, ``count_<year>_<slug>``: meldingen inside per period and per category.
* ``per_1000m2_<year>``: ``1000 · count / area``; ``share_city_<year>``: ``count / city total``
  (0..1).
* ``share_wijk_<year>``: ``count`` divided by the meldingen of the wijk(en) the candidate lies
  in — every wijk holding at least 1 % of the candidate's area, and always the wijk holding the
  largest part (0..1). Counting the whole wijken (not area-weighted parts) keeps the denominator a
  number a gebiedsregisseur recognises from the wijk map.
* ``diff``, ``pct_change``, ``p_value``/``q_value``/``change_class``: the change block of the
  area tables (:func:`hotspotkaart.stats.change.change_columns`): the exact conditional binomial
  test with ``p0`` from the days per period, FDR (Benjamini–Hochberg) over the candidates of the
  run; ``*_trend``: the same against the city-wide trend; both on the effective counts with the
  build's dispersion factor (:mod:`hotspotkaart.stats.dispersion`). ``pct_change`` is NaN when
  the base count is below ``min_count``.
* ``cells_blijvend``/``cells_nieuw``/``cells_verdwenen``: grid cells with that hot-spot
  transition of which at least half the area lies in the candidate; ``share_city_persistent_pct``
  is ``100 · cells_blijvend / all blijvend cells of the city``.
* ``camera_overlap_pct``, ``alcoholverbod_overlap_pct``, ``veiligheidsrisicogebied_overlap_pct``:
  the percentage of the candidate's area inside zones of that kind that were valid on at least
  one day of the compare year; ``<prefix>_zones`` names them.
* ``buurten``/``wijken``: the areas the candidate lies in with their share of its area, as text
  (``Naam (62 %); …``); ``buurten_list``/``wijken_list`` hold the same as a list of
  ``{"code", "name", "share"}`` (share 0..1; areas below 1 % left out unless it is the largest).
* ``ring_<year>``: meldingen in the ring from the candidate's edge to ``ring_m`` metres around it
  (inside the municipality), the displacement check; ``ring_per_1000m2_<year>`` likewise.
* ``<layer>_inside``, ``<layer>_ring``: points of each extra layer (e.g. horeca) inside and in
  the ring.

The score
---------
``score = w_density·z(density) + w_persistent·z(persistent) + w_new·z(new)
+ w_increase·z(increase) − w_camera_overlap·z(camera_overlap)`` where ``density`` is
``per_1000m2_<compare>``, ``persistent`` = ``cells_blijvend``, ``new`` = ``cells_nieuw``,
``increase`` is +1 for ``significante stijging``, −1 for ``significante daling`` and 0 otherwise,
``camera_overlap`` = ``camera_overlap_pct``, and ``z(x) = (x − mean) / sd`` over the candidates
of the run (population sd; 0 for every candidate when all values are equal). Scores therefore
rank the candidates *of one run*; they are not comparable between runs. ``rank`` 1 is the highest
score (ties: more meldingen in the compare year first, then by name). The weights come from
``[camera] weights`` in the configuration (defaults
:data:`hotspotkaart.config.camera.DEFAULT_WEIGHTS`).

Inputs
------
The ``[camera]`` table of the configuration, the candidate file and the extra point layers are
read and validated by :mod:`hotspotkaart.camera.inputs`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from hotspotkaart._errors import InputError
from hotspotkaart._geometry import POLYGONAL, polygonal_part
from hotspotkaart._naming import category_slugs
from hotspotkaart.config.camera import (
    DEFAULT_RING_M,
    ZONE_PREFIX,
    check_ring,
    check_weights,
)
from hotspotkaart.config.settings import ZONE_KINDS, Periods
from hotspotkaart.io.crs import RD
from hotspotkaart.stats.change import (
    DALING,
    STIJGING,
    change_columns,
    p0_from_days,
    p0_from_trend,
)
from hotspotkaart.stats.hotspots import BLIJVEND, NIEUW, VERDWENEN
from hotspotkaart.stats.zones import valid_days

__all__ = [
    "assess",
    "suggest",
]

if TYPE_CHECKING:
    from hotspotkaart.pipeline import BuildResult

logger = logging.getLogger(__name__)

#: Smallest share of a candidate's area for a buurt or wijk to be listed as touched.
MIN_AREA_SHARE = 0.01
#: A grid cell counts as covered when at least this share of it lies in the candidate.
MIN_CELL_SHARE = 0.5
#: Percentage of camera overlap from which a candidate is an existing camera area.
EXISTING_CAMERA_PCT = 95.0

STATUS_NEW = "nieuw gebied"
STATUS_PARTLY = "deels al onder cameratoezicht"
STATUS_EXISTING = "bestaand cameragebied (voortzetting)"


# -- assessment -------------------------------------------------------------------------------


def assess(result: BuildResult, candidates: gpd.GeoDataFrame, *, ring_m: float = DEFAULT_RING_M,
           extra_points: Mapping[str, gpd.GeoDataFrame] | None = None,
           weights: Mapping[str, float] | None = None) -> gpd.GeoDataFrame:
    """Compute the evidence, the score and the rank of every candidate area.

    Parameters
    ----------
    result : BuildResult
        The analysed run (:func:`hotspotkaart.pipeline.analyse`).
    candidates : geopandas.GeoDataFrame
        ``name`` and polygons in EPSG:28992 (from
        :func:`~hotspotkaart.camera.inputs.read_candidates` or :func:`suggest`); an optional
        ``source`` column is kept.
    ring_m : float, default 200
        Width of the displacement ring in metres.
    extra_points : dict of str to geopandas.GeoDataFrame, optional
        Point layers in EPSG:28992 by column prefix (e.g. ``{"horeca": points}``).
    weights : dict of str to float, optional
        Score weights (see :data:`~hotspotkaart.config.camera.DEFAULT_WEIGHTS`); missing keys
        take the default.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per candidate in input order with the columns described in the module
        docstring, ``score``, ``rank`` and the standardised components ``z_<component>``.

    Raises
    ------
    InputError
        If the candidates are not polygons in EPSG:28992 with unique names.
    ConfigError
        If ``ring_m`` or ``weights`` are invalid.
    """
    ring_m = check_ring(ring_m)
    weights = check_weights(weights)
    cands = _check_candidates(candidates)
    config = result.config
    base, compare = config.periods.years
    years = (base, compare)

    incidents = result.incidents
    tree = shapely.STRtree(shapely.points(incidents["x"].to_numpy(), incidents["y"].to_numpy()))
    period = pd.to_numeric(incidents["period"]).to_numpy(dtype=np.int64)
    labels = np.array(["onbekend" if pd.isna(c) else str(c) for c in incidents["category"]],
                      dtype=object)
    slugs = category_slugs(list(labels))
    totals = {y: int((period == y).sum()) for y in years}
    outline = result.boundaries.outline
    wijk_counts = result.wijken.set_index("wijkcode")
    cells = result.grid.cells
    cell_geoms = np.asarray(cells.geometry.to_numpy(), dtype=object)
    cell_tree = shapely.STRtree(cell_geoms)
    transition = cells["transition"].to_numpy(dtype=object)
    city_persistent = int((transition == BLIJVEND).sum())
    zone_unions = _valid_zone_unions(result.zones, config.periods, compare)
    extra_trees = {slug: shapely.STRtree(np.asarray(points.geometry.to_numpy(), dtype=object))
                   for slug, points in (extra_points or {}).items()}

    rows: list[dict[str, Any]] = []
    for geom in cands.geometry.to_numpy():
        row: dict[str, Any] = {}
        area = float(geom.area)
        inside = _hits(tree, geom)
        ring = ring_geometry(geom, ring_m, outline)
        ring_idx = np.setdiff1d(_hits(tree, ring), inside)
        ring_area = float(ring.area)
        buurten = _area_shares(geom, result.boundaries.buurten, "buurtcode", "buurtnaam")
        wijken = _area_shares(geom, result.boundaries.wijken, "wijkcode", "wijknaam")
        row["area_m2"] = area
        row.update(_count_figures(period[inside], labels[inside], period[ring_idx], slugs,
                                  totals, wijk_counts, [w["code"] for w in wijken],
                                  area, ring_area))
        row["ring_area_m2"] = ring_area
        row.update(_cell_figures(geom, cell_tree, cell_geoms, transition, city_persistent))
        row.update(_zone_figures(geom, zone_unions))
        row["buurten"] = _shares_text(buurten)
        row["wijken"] = _shares_text(wijken)
        row["buurten_list"] = buurten
        row["wijken_list"] = wijken
        row.update(_point_figures(geom, ring, extra_trees))
        rows.append(row)

    frame = _tested(pd.DataFrame(rows, index=cands.index), result, totals)
    c = frame[f"count_{compare}"].to_numpy(dtype=np.int64)
    overlap = frame["camera_overlap_pct"].to_numpy(dtype=float)
    frame["status"] = np.where(overlap >= EXISTING_CAMERA_PCT, STATUS_EXISTING,
                               np.where(overlap > 5.0, STATUS_PARTLY, STATUS_NEW))

    names = cands["name"].astype(str).to_numpy()
    frame = _score_and_rank(frame, compare, weights, names, c)

    head = pd.DataFrame({"name": names, "source": cands.get("source", pd.Series(
        "bestand", index=cands.index)).to_numpy()}, index=cands.index)
    lead = ["rank", "score", "status"]
    frame = pd.concat([head, frame[lead], frame.drop(columns=lead)], axis=1)
    out = gpd.GeoDataFrame(frame, geometry=cands.geometry.to_numpy(), crs=RD)
    return out.reset_index(drop=True)


def _tested(frame: pd.DataFrame, result: BuildResult, totals: Mapping[int, int]) -> pd.DataFrame:
    """Add the change test of the areas' counts, as for buurten (stats.change)."""
    base, compare = result.config.periods.years
    periods = result.config.periods
    days = ((periods.days(base), periods.days(compare)) if result.coverage is None
            else (result.coverage.days(base), result.coverage.days(compare)))
    p0s = {"": p0_from_days(*days),
           "_trend": p0_from_trend(totals[base], totals[compare])}
    phi = 1.0 if result.dispersion is None else result.dispersion.applied
    b = frame[f"count_{base}"].to_numpy(dtype=np.int64)
    c = frame[f"count_{compare}"].to_numpy(dtype=np.int64)
    return frame.assign(**change_columns(b, c, p0s, min_count=int(result.config.analysis.min_count),
                                         fdr_q=result.config.analysis.fdr_q, dispersion=phi))


def _zone_figures(geom: shapely.Geometry, zone_unions: Mapping[str, Any]) -> dict[str, Any]:
    """Per zone kind: the share of the area covered, and the names of the zones it touches."""
    area = float(geom.area)
    row: dict[str, Any] = {}
    for kind in ZONE_KINDS:
        prefix = ZONE_PREFIX[kind]
        union, zones = zone_unions[kind]
        covered = float(shapely.intersection(geom, union).area) if union is not None else 0.0
        row[f"{prefix}_overlap_pct"] = min(100.0, 100.0 * covered / area)
        touching = [name for name, zone in zones
                    if shapely.intersection(geom, zone).area > 1e-6 * area]
        row[f"{prefix}_zones"] = "; ".join(dict.fromkeys(touching))
    return row


def _point_figures(geom: shapely.Geometry, ring: shapely.Geometry,
                   trees: Mapping[str, shapely.STRtree]) -> dict[str, int]:
    """Per extra point layer: the points inside the area and in its ring."""
    row: dict[str, int] = {}
    for slug, tree in trees.items():
        inside = _hits(tree, geom)
        row[f"{slug}_inside"] = len(inside)
        row[f"{slug}_ring"] = len(np.setdiff1d(_hits(tree, ring), inside))
    return row


def score_components(table: pd.DataFrame, compare: int) -> dict[str, npt.NDArray[np.float64]]:
    """Return the raw score components per candidate, before standardisation."""
    classes = table["change_class"].to_numpy(dtype=object)
    increase = np.where(classes == STIJGING, 1.0, np.where(classes == DALING, -1.0, 0.0))
    return {
        "density": table[f"per_1000m2_{compare}"].to_numpy(dtype=float),
        "persistent": table["cells_blijvend"].to_numpy(dtype=float),
        "new": table["cells_nieuw"].to_numpy(dtype=float),
        "increase": increase,
        "camera_overlap": table["camera_overlap_pct"].to_numpy(dtype=float),
    }


def standardise(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """``(x − mean) / sd`` with the population sd; zeros when the sd is 0 (or NaN values)."""
    x = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    sd = float(x.std()) if len(x) else 0.0
    if len(x) < 2 or sd <= 1e-12:
        return np.zeros(len(x))
    return np.asarray((x - x.mean()) / sd, dtype=float)


def _count_figures(period: npt.NDArray[np.int64], labels: npt.NDArray[np.object_],
                   ring_period: npt.NDArray[np.int64], slugs: Mapping[str, str],
                   totals: Mapping[int, int], wijk_counts: pd.DataFrame, wijk_codes: list[Any],
                   area: float, ring_area: float) -> dict[str, Any]:
    """Count the meldingen of one candidate (``period``, ``labels`` inside) and of its ring.

    ``count_<y>``, ``count_<y>_<slug>``, ``per_1000m2_<y>``, ``share_city_<y>``,
    ``share_wijk_<y>``, ``ring_<y>`` and ``ring_per_1000m2_<y>``, each for both years (the
    keys of ``totals``), in that order.
    """
    years = tuple(totals)
    row: dict[str, Any] = {}
    for y in years:
        row[f"count_{y}"] = int((period == y).sum())
    for y in years:
        for label, slug in slugs.items():
            row[f"count_{y}_{slug}"] = int(((period == y) & (labels == label)).sum())
    for y in years:
        row[f"per_1000m2_{y}"] = 1000.0 * row[f"count_{y}"] / area
    for y in years:
        row[f"share_city_{y}"] = row[f"count_{y}"] / totals[y] if totals[y] else np.nan
    for y in years:
        denominator = (float(wijk_counts.loc[wijk_codes, f"count_{y}"].sum()) if wijk_codes
                       else 0.0)
        row[f"share_wijk_{y}"] = row[f"count_{y}"] / denominator if denominator else np.nan
    for y in years:
        row[f"ring_{y}"] = int((ring_period == y).sum())
    for y in years:
        row[f"ring_per_1000m2_{y}"] = (1000.0 * row[f"ring_{y}"] / ring_area
                                       if ring_area > 0 else np.nan)
    return row


def _score_and_rank(frame: pd.DataFrame, compare: int, weights: Mapping[str, float],
                    names: npt.NDArray[Any], compare_counts: npt.NDArray[np.int64]
                    ) -> pd.DataFrame:
    """Add ``z_<component>``, ``score`` and ``rank`` (see the module docstring) to a copy."""
    frame = frame.copy()
    components = score_components(frame, compare)
    score = np.zeros(len(frame))
    for key, values in components.items():
        z = standardise(values)
        frame[f"z_{key}"] = z
        sign = -1.0 if key == "camera_overlap" else 1.0
        score += sign * weights[key] * z
    frame["score"] = np.round(score, 6)
    order = np.lexsort((names, -compare_counts, -frame["score"].to_numpy()))
    ranks = np.empty(len(frame), dtype=np.int64)
    ranks[order] = np.arange(1, len(frame) + 1)
    frame["rank"] = ranks
    return frame


def _check_candidates(candidates: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if not isinstance(candidates, gpd.GeoDataFrame) or "name" not in candidates.columns:
        msg = "candidates must be a GeoDataFrame with a 'name' column (see read_candidates)"
        raise InputError(msg)
    if candidates.crs is None or candidates.crs.to_epsg() != 28992:
        msg = f"candidates must be in EPSG:28992 (RD New), got {candidates.crs}"
        raise InputError(msg)
    if candidates["name"].duplicated().any():
        dup = candidates["name"][candidates["name"].duplicated()].iloc[0]
        msg = f"candidate name {dup!r} occurs more than once; every candidate needs its own name"
        raise InputError(msg)
    types = candidates.geometry.geom_type
    if not types.isin(POLYGONAL).all():
        bad = candidates["name"][~types.isin(POLYGONAL)].iloc[0]
        msg = f"candidate {bad!r} is not a polygon"
        raise InputError(msg)
    return candidates


def _hits(tree: shapely.STRtree, geom: Any) -> npt.NDArray[np.intp]:
    if geom is None or shapely.is_empty(geom):
        return np.zeros(0, dtype=np.intp)
    return np.unique(np.asarray(tree.query(geom, predicate="intersects"), dtype=np.intp))


def _area_shares(geom: Any, areas: gpd.GeoDataFrame, code: str, name: str
                 ) -> list[dict[str, Any]]:
    area_geoms = areas.geometry.to_numpy()
    idx = shapely.STRtree(area_geoms).query(geom, predicate="intersects")
    shares = []
    for i in idx:
        share = float(shapely.intersection(geom, area_geoms[i]).area) / geom.area
        if share > 0:
            shares.append({"code": str(areas[code].iloc[i]), "name": str(areas[name].iloc[i]),
                           "share": share})
    shares.sort(key=lambda s: (-s["share"], s["code"]))
    return [s for i, s in enumerate(shares) if i == 0 or s["share"] >= MIN_AREA_SHARE]


def _shares_text(shares: Sequence[Mapping[str, Any]]) -> str:
    return "; ".join(f"{s['name']} ({100 * s['share']:.0f} %)" for s in shares)


def _cell_figures(geom: Any, tree: shapely.STRtree, cell_geoms: npt.NDArray[np.object_],
                  transition: npt.NDArray[np.object_], city_persistent: int) -> dict[str, Any]:
    idx = tree.query(geom, predicate="intersects")
    if len(idx):
        share = shapely.area(shapely.intersection(cell_geoms[idx], geom)) \
            / shapely.area(cell_geoms[idx])
        idx = idx[share >= MIN_CELL_SHARE]
    kinds = transition[idx]
    blijvend = int((kinds == BLIJVEND).sum())
    return {
        "cells_covered": len(idx),
        "cells_blijvend": blijvend,
        "cells_nieuw": int((kinds == NIEUW).sum()),
        "cells_verdwenen": int((kinds == VERDWENEN).sum()),
        "share_city_persistent_pct": 100.0 * blijvend / city_persistent if city_persistent
        else np.nan,
    }


def _valid_zone_unions(zones: gpd.GeoDataFrame, periods: Periods, key: int
                       ) -> dict[str, tuple[Any, list[tuple[str, Any]]]]:
    """Per kind: the union of the zones valid on at least one day of period ``key``, and them."""
    period = (periods.start(key), periods.end(key))
    out: dict[str, tuple[Any, list[tuple[str, Any]]]] = {}
    for kind in ZONE_KINDS:
        of_kind = zones[zones["kind"] == kind]
        valid = [valid_days(a, b, *period) > 0
                 for a, b in zip(of_kind["valid_from"], of_kind["valid_to"], strict=True)]
        chosen = of_kind[np.asarray(valid, dtype=bool)] if len(of_kind) else of_kind
        geoms = chosen.geometry.to_numpy()
        union = shapely.union_all(geoms) if len(geoms) else None
        out[kind] = (union, list(zip(chosen["name"].astype(str), geoms, strict=True)))
    return out


def camera_union(result: BuildResult) -> Any:
    """Return the camera zones valid on at least one day of the compare year, as one geometry."""
    periods = result.config.periods
    union, _ = _valid_zone_unions(result.zones, periods, periods.compare)["cameratoezicht"]
    return union if union is not None else shapely.Polygon()


# -- suggestions ------------------------------------------------------------------------------


def suggest(result: BuildResult, *, min_cells: int = 3, radius_m: float = 250.0,
            max_areas: int = 10, classes: Sequence[str] = (BLIJVEND, NIEUW)
            ) -> gpd.GeoDataFrame:
    """Propose compact candidate areas from clusters of persistent and new hot-spot cells.

    Cells with a transition in ``classes`` of which less than half lies in a camera area (valid
    in the compare year) are grouped into clusters when they share an edge or a corner. Areas
    grow from the busiest cell: the cell with the most meldingen in the compare year that is
    not used yet takes every unused cell of its cluster whose centre lies within ``radius_m``
    of its own; this repeats until ``max_areas`` areas are made or no cell is left, so a large
    cluster is split into several areas of a size a camera area can have. An area of fewer than
    ``min_cells`` cells is dropped. Its polygon is the union of its cells, closed with a round
    buffer of 0.4 cell (which bridges corner contacts but not a gap of a whole cell), minus the
    existing camera areas, clipped to the municipality.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name`` (``voorstel 1`` … in order of persistent cells, then meldingen in the compare
        year), ``source`` (``"voorstel"``), ``cells``, ``cells_blijvend`` and the polygons
        (EPSG:28992); empty when there is nothing to propose.
    """
    config = result.config
    compare = config.periods.compare
    cells = result.grid.cells
    size = float(result.grid.method.get("cell_size_m", config.analysis.cell_size))
    camera = camera_union(result)
    hot = cells[cells["transition"].isin(list(classes))]
    if len(hot) and not camera.is_empty:
        covered = shapely.area(shapely.intersection(hot.geometry.to_numpy(), camera)) \
            / shapely.area(hot.geometry.to_numpy())
        hot = hot[covered < MIN_CELL_SHARE]
    columns = ["name", "source", "cells", "cells_blijvend"]
    if hot.empty:
        return gpd.GeoDataFrame(pd.DataFrame({c: [] for c in columns}),
                                geometry=gpd.GeoSeries([], crs=RD), crs=RD)
    outline = result.boundaries.outline
    closing = 0.4 * size
    geoms = hot.geometry.to_numpy()
    centres = shapely.get_coordinates(shapely.centroid(geoms))
    groups = shapely.get_parts(shapely.union_all(shapely.buffer(geoms, closing / 2)))
    cell_idx, group_idx = shapely.STRtree(groups).query(shapely.centroid(geoms),
                                                       predicate="within")
    cluster = np.full(len(hot), -1, dtype=np.int64)
    cluster[cell_idx] = group_idx
    counts = hot[f"count_{compare}"].to_numpy(dtype=np.int64)
    order = np.lexsort((hot["cell_id"].to_numpy(dtype=str), -counts))
    free = np.ones(len(hot), dtype=bool)
    proposals: list[dict[str, Any]] = []
    for seed in order:
        if len(proposals) >= max_areas:
            break
        if not free[seed]:
            continue
        near = np.hypot(*(centres - centres[seed]).T) <= radius_m + 1e-6
        members = np.flatnonzero(free & near & (cluster == cluster[seed]))
        free[members] = False
        if len(members) < min_cells:
            continue
        union = shapely.union_all(geoms[members])
        closed = shapely.buffer(shapely.buffer(union, closing), -closing)
        shape = polygonal_part(shapely.intersection(shapely.difference(closed, camera),
                                                     outline))
        parts = [p for p in shapely.get_parts(shape) if p.area >= 0.5 * size * size]
        if not parts:
            continue
        member_rows = hot.iloc[members]
        proposals.append({
            "cells": len(members),
            "cells_blijvend": int((member_rows["transition"] == BLIJVEND).sum()),
            "meldingen": int(counts[members].sum()),
            "geometry": shapely.simplify(shapely.union_all(parts), 0.5),
        })
    proposals.sort(key=lambda p: (-p["cells_blijvend"], -p["meldingen"], -p["cells"]))
    frame = pd.DataFrame({
        "name": [f"voorstel {i}" for i in range(1, len(proposals) + 1)],
        "source": "voorstel",
        "cells": [p["cells"] for p in proposals],
        "cells_blijvend": [p["cells_blijvend"] for p in proposals],
    })
    logger.info("suggested %d candidate area(s) from hot-spot clusters", len(proposals))
    return gpd.GeoDataFrame(frame, geometry=[p["geometry"] for p in proposals], crs=RD)


def ring_geometry(geom: Any, ring_m: float, outline: Any) -> Any:
    """Return the ring from the edge of ``geom`` to ``ring_m`` around it, inside ``outline``."""
    ring = shapely.difference(shapely.buffer(geom, ring_m), geom)
    return polygonal_part(shapely.intersection(ring, outline))


# -- the run ----------------------------------------------------------------------------------


