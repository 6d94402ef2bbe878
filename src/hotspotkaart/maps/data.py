"""What every map draws: the analysed layers and the context printed around them.

:class:`MapData` holds the layers in EPSG:28992 and remembers what the maps of one build share
(spatial indexes, the rows per wijk, the class breaks, layers made once for all buurten), so a
wijk map takes its part instead of making it again. :class:`MapContext` holds the titles,
years, credit and method lines. Both are made by :func:`hotspotkaart.pipeline.map_data` and
:func:`hotspotkaart.pipeline.map_context` and used by :mod:`hotspotkaart.maps.overview`,
:mod:`hotspotkaart.maps.pages`, :mod:`hotspotkaart.maps.fieldmap` and
:mod:`hotspotkaart.camera.report`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspotkaart._naming import category_slugs
from hotspotkaart.config.settings import Periods
from hotspotkaart.stats.classbreaks import CountBreaks, field_breaks, shared_bins

__all__ = ["MapContext", "MapData"]

T = TypeVar("T")


@dataclass(frozen=True)
class MapData:
    """The analysed layers every map draws from (EPSG:28992).

    Attributes
    ----------
    buurten, wijken : geopandas.GeoDataFrame
        Area tables from :func:`hotspotkaart.stats.areas.area_table`.
    zones : geopandas.GeoDataFrame
        Policy zones, with the per-zone figures of :mod:`hotspotkaart.stats.zones` where known.
    locations : geopandas.GeoDataFrame
        Named overlast locations (``name``, ``year``, ``status``).
    cells : geopandas.GeoDataFrame or None
        Grid cells from :func:`hotspotkaart.stats.grid.analyse_grid`.
    categories : list of str
        The categories of meldingen, in display order.
    breaks : CountBreaks or None
        The class breaks of the buurt counts when already made (a build makes them in its
        testing stage); made from ``buurten`` when first needed otherwise.
    months, times, hot_times : pandas.DataFrame or None
        When overlast happens (:class:`hotspotkaart.stats.temporal.Timing`): ``maanden.csv``,
        ``tijden.csv`` and the tested weekday × 3-hour blocks; the pages leave their charts
        out without them.
    """

    buurten: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    locations: gpd.GeoDataFrame
    cells: gpd.GeoDataFrame | None = None
    categories: list[str] = field(default_factory=list)
    breaks: CountBreaks | None = None
    months: pd.DataFrame | None = None
    times: pd.DataFrame | None = None
    hot_times: pd.DataFrame | None = None
    _memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, init=False, repr=False,
                                              compare=False)

    def __post_init__(self) -> None:
        # the build's breaks are what count_bins and field_breaks remember for their years
        known = self.breaks
        if known is not None:
            self._memo[("count bins", known.years)] = known.shared
            self._memo[("field breaks", known.years, known.threshold)] = known.field

    @property
    def slugs(self) -> dict[str, str]:
        """Column slug per category, as the analysis names its columns."""
        return category_slugs(self.categories)

    def intersecting(self, layer: str, shape: shapely.Geometry) -> gpd.GeoDataFrame:
        """Rows of ``layer`` (``cells``, ``zones`` or ``locations``) that intersect ``shape``.

        The same rows, in the same order, as ``frame[frame.intersects(shape)]``, found through a
        spatial index built once per layer, so each wijk map does not test every row again.
        """
        frame = getattr(self, layer)
        tree = self.remembered(("tree", layer), lambda: shapely.STRtree(frame.geometry.to_numpy()))
        return frame.iloc[np.sort(tree.query(shape, predicate="intersects"))]

    def in_wijk(self, layer: str, wijkcode: str) -> gpd.GeoDataFrame:
        """Rows of ``layer`` (``buurten`` or ``wijken``) whose ``wijkcode`` is ``wijkcode``.

        The same rows, in the same order, as ``frame[frame["wijkcode"] == wijkcode]``, found
        through the positions per wijk, listed once per layer, so each wijk map does not
        compare every row of the national tables again.
        """
        return getattr(self, layer).iloc[self.rows_in_wijk(layer, wijkcode)]

    def remembered(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        """Return ``make()``, made once per ``key`` for these layers (the wijk maps share it)."""
        if key not in self._memo:
            self._memo[key] = make()
        value: T = self._memo[key]
        return value

    def rows_in_wijk(self, layer: str, wijkcode: str) -> list[int]:
        """Positions in ``layer`` (``buurten`` or ``wijken``) of the rows of one wijk."""
        rows = self.remembered(("rows per wijk", layer),
                                lambda: _positions_by_code(getattr(self, layer)["wijkcode"]))
        return list(rows.get(wijkcode, []))

    def count_bins(self, years: tuple[int, int]) -> np.ndarray:
        """Return :func:`shared_bins` of all buurten (made once, or the build's ``breaks``)."""
        return self.remembered(("count bins", tuple(years)),
                               lambda: shared_bins(self.buurten, years))

    def field_breaks(self, years: tuple[int, int], threshold: int) -> np.ndarray:
        """Return :func:`field_breaks` of all buurten at ``threshold`` (made once, or given)."""
        return self.remembered(("field breaks", tuple(years), threshold),
                               lambda: field_breaks(self.buurten, years, threshold))


def _positions_by_code(codes: pd.Series) -> dict[Any, list[int]]:
    """List the positions of each code, in order."""
    rows: dict[Any, list[int]] = {}
    for i, code in enumerate(codes.tolist()):
        rows.setdefault(code, []).append(i)
    return rows


@dataclass(frozen=True)
class MapContext:
    """What every map prints around its layers.

    Attributes
    ----------
    area_name : str
        Municipality name for titles.
    years : tuple of int
        The keys of the base and the compare period (the year of a calendar year).
    credit : str
        The boundary credit required by CBS/Kadaster.
    method : sequence of str
        Method-stamp lines.
    synthetic : bool
        Whether the data are demonstration data.
    basemap : str
        Default basemap key (``grijs``, ``standaard``, ``pastel``, ``luchtfoto`` or ``geen``).
    fdr_q : float
        The FDR level, to put p and q in words.
    periods : Periods, optional
        The periods, which name the years (:meth:`label`); None for the calendar years
        ``years``.
    """

    area_name: str
    years: tuple[int, int]
    credit: str
    method: Sequence[str]
    synthetic: bool
    basemap: str = "grijs"
    fdr_q: float = 0.05
    periods: Periods | None = None

    def label(self, year: int) -> str:
        """Return what the maps call period ``year``: ``2023``, or ``jul 2023–jun 2024``."""
        return self.periods.label(year) if self.periods is not None else str(year)
