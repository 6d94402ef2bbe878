"""Argument checks shared by the stages (engine, stats).

:func:`check_cell_size` guards the edge where a library user passes a raw cell size
(:func:`hotspotkaart.engine.grid.make_grid`); a cell size from the configuration is checked when
the configuration is parsed and is not checked again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspotkaart._errors import InputError
from hotspotkaart.config.settings import Periods

__all__ = ["check_cell_size", "check_rd", "period_array", "require_columns"]


def check_rd(frame: gpd.GeoDataFrame, what: str) -> None:
    """Raise :class:`InputError` unless ``frame`` is in EPSG:28992 (RD New)."""
    crs = getattr(frame, "crs", None)
    if crs is None or crs.to_epsg() != 28992:
        msg = f"{what} must be in EPSG:28992 (RD New), got {crs}"
        raise InputError(msg)


def require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise :class:`InputError` naming the columns of ``columns`` that ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        msg = f"{what} lacks the column(s) {', '.join(missing)}"
        raise InputError(msg)


def period_array(incidents: pd.DataFrame, periods: Periods) -> npt.NDArray[np.int64]:
    """Return the ``period`` column as integers; every value must be the key of a period."""
    raw = pd.to_numeric(incidents["period"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isin(raw, periods.keys)
    if bad.any():
        example = incidents["period"].to_numpy()[bad][0]
        keys = [str(k) for k in periods.keys]
        allowed = (f"neither {keys[0]} nor {keys[1]}" if len(keys) == 2
                   else f"none of {', '.join(keys)}")
        msg = f"{int(bad.sum())} meldingen have a period that is {allowed} (e.g. {example!r})"
        raise InputError(msg)
    return raw.astype(np.int64)


def check_cell_size(cell_size: float) -> float:
    """Return ``cell_size`` as a float; raise :class:`InputError` unless it is positive metres."""
    size = float(cell_size)
    if not math.isfinite(size) or size <= 0:
        msg = f"cell_size = {cell_size!r} must be a positive number of metres"
        raise InputError(msg)
    return size
