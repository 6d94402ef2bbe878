"""Helpers shared by the tests of meldingen: reading them, and as points again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from hotspotkaart.config.settings import IncidentSource, Periods
from hotspotkaart.io.incidents import read_incidents
from hotspotkaart.io.ledger import Ledger

PERIODS = Periods(2023, 2024)


def source(path: Path, **kwargs: Any) -> IncidentSource:
    """Describe a file with columns id, datum, soort, x and y in RD New; ``kwargs`` override."""
    defaults = {"date": "datum", "category": "soort", "x": "x", "y": "y", "crs": "EPSG:28992",
                "id": "id"}
    defaults.update(kwargs)
    return IncidentSource(path=path, **defaults)


def read(path: Path, **kwargs: Any) -> tuple[gpd.GeoDataFrame, Ledger]:
    """Read one file described by :func:`source`; return the meldingen and the ledger."""
    ledger = Ledger()
    frame = read_incidents((source(path, **kwargs),), PERIODS, ledger)
    return frame, ledger


def reasons(ledger: Ledger) -> dict[int, str]:
    """Return the rejection reason per row number."""
    return {r.row: r.reason for r in ledger.rejections}


def as_points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return kept meldingen (coordinates ``x``, ``y``) as RD points, as the counts take them."""
    geometry = gpd.points_from_xy(frame["x"], frame["y"], crs="EPSG:28992")
    return gpd.GeoDataFrame(frame.drop(columns=["x", "y"]), geometry=geometry)
