"""The gemeente of every area, cell, zone and count row of a run over one or more gemeenten.

A run covers the gemeenten of ``[area] municipality_code`` (one code, or a list for a region).
Buurten and wijken carry their CBS ``gemeentecode``; everything else gets it here, so that every
table of a region can be filtered to one gemeente:

* a grid cell or a zone belongs to the gemeente holding its centre, or, where the centre lies
  outside every gemeente (a cell along the edge, a zone on the water), to the one it overlaps
  most (:func:`gemeente_of_shapes`);
* the meldingen per gemeente are the sum of those of its wijken (:func:`gemeente_counts`), so
  the gemeente table is tested exactly as the wijk table is.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from hotspotkaart.engine.counting import sum_counts

__all__ = ["gemeente_counts", "gemeente_lookup", "gemeente_of_shapes"]

#: The gemeentecode of a shape that lies in no gemeente of the run.
NO_GEMEENTE = ""


def gemeente_of_shapes(shapes: npt.ArrayLike, gemeenten: gpd.GeoDataFrame) -> np.ndarray:
    """Return the gemeentecode of each shape: the gemeente of its centre, else its largest overlap.

    Parameters
    ----------
    shapes : array of shapely geometries
        Cells or zones, in the CRS of ``gemeenten``.
    gemeenten : geopandas.GeoDataFrame
        ``gemeentecode`` and the gemeente polygons
        (:attr:`hotspotkaart.io.boundaries.Boundaries.gemeenten`).

    Returns
    -------
    numpy.ndarray of str
        One code per shape; :data:`NO_GEMEENTE` for a shape that touches no gemeente.
    """
    geoms = np.asarray(shapes, dtype=object)
    codes = gemeenten["gemeentecode"].to_numpy(dtype=object)
    out = np.full(len(geoms), NO_GEMEENTE, dtype=object)
    if len(geoms) == 0:
        return out
    if len(codes) == 1:  # one gemeente: every shape that overlaps it is in it
        tree = shapely.STRtree(gemeenten.geometry.to_numpy())
        out[np.unique(tree.query(geoms, predicate="intersects")[0])] = codes[0]
        return out
    tree = shapely.STRtree(gemeenten.geometry.to_numpy())
    centres = shapely.centroid(geoms)
    inside, where = tree.query(centres, predicate="within")
    out[inside] = codes[where]
    rest = np.setdiff1d(np.arange(len(geoms)), inside)
    out[rest] = _largest_overlap(geoms[rest], gemeenten, tree, codes)
    return out


def _largest_overlap(geoms: np.ndarray, gemeenten: gpd.GeoDataFrame, tree: shapely.STRtree,
                     codes: np.ndarray) -> np.ndarray:
    out = np.full(len(geoms), NO_GEMEENTE, dtype=object)
    if len(geoms) == 0:
        return out
    shape_idx, gemeente_idx = tree.query(geoms, predicate="intersects")
    if len(shape_idx) == 0:
        return out
    overlap = shapely.area(shapely.intersection(geoms[shape_idx],
                                                gemeenten.geometry.to_numpy()[gemeente_idx]))
    # the largest overlap per shape; ties go to the gemeente listed first
    order = np.lexsort((gemeente_idx, -overlap, shape_idx))
    first = np.unique(shape_idx[order], return_index=True)[1]
    best = order[first]
    out[shape_idx[best]] = codes[gemeente_idx[best]]
    return out


def gemeente_lookup(buurten: pd.DataFrame, wijken: pd.DataFrame) -> dict[str, str]:
    """Return buurtcode and wijkcode → gemeentecode, for tables keyed by either."""
    pairs: dict[str, str] = {}
    for frame, key in ((buurten, "buurtcode"), (wijken, "wijkcode")):
        pairs.update(zip(frame[key].astype(str), frame["gemeentecode"].astype(str), strict=True))
    return pairs


def gemeente_counts(wijk_counts: pd.DataFrame, wijk_gemeente: Mapping[str, str]) -> pd.DataFrame:
    """Add up a wijk count table (``CountTables.wijken``) per gemeente.

    Parameters
    ----------
    wijk_counts : pandas.DataFrame
        ``wijkcode``, ``period``, ``category`` and ``n``.
    wijk_gemeente : mapping
        wijkcode → gemeentecode (every wijk of the run).

    Returns
    -------
    pandas.DataFrame
        ``gemeentecode``, ``period``, ``category`` and ``n``, as
        :func:`~hotspotkaart.engine.counting.area_counts` makes them.
    """
    frame = pd.DataFrame({
        "gemeentecode": wijk_counts["wijkcode"].map(wijk_gemeente).to_numpy(dtype=object),
        "period": wijk_counts["period"].to_numpy(),
        "category": wijk_counts["category"].to_numpy(dtype=object),
        "n": wijk_counts["n"].to_numpy(),
    })
    return sum_counts([frame], ["gemeentecode", "period", "category"])
