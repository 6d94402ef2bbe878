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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspotkaart import __version__
from hotspotkaart._format import nl_float
from hotspotkaart._naming import category_slugs
from hotspotkaart.config.settings import Config, Periods
from hotspotkaart.stats.classbreaks import CountBreaks, field_breaks, shared_bins
from hotspotkaart.stats.dispersion import Dispersion

__all__ = ["MapContext", "MapData", "method_context"]

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
    gemeenten : geopandas.GeoDataFrame or None
        The area table per gemeente of a region (None for one gemeente).
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
    gemeenten: gpd.GeoDataFrame | None = None
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

    def for_gemeente(self, gemeentecode: str) -> MapData:
        """Return the layers of one gemeente of a region, its *when* rows as the city's.

        Buurten, wijken, cells and zones are those whose ``gemeentecode`` is ``gemeentecode``,
        locations those inside its buurten; the rows of the time tables of the gemeente level
        become its city rows, so its pages chart the gemeente as a city. The figures stay the
        region's (its tests are families over the whole region), and so do the class breaks,
        so colours mean the same on every gemeente's page.
        """
        of = partial(self._of_gemeente, gemeentecode=gemeentecode)
        buurten = of("buurten")
        outline = shapely.union_all(buurten.geometry.to_numpy())
        return replace(self, buurten=buurten, wijken=of("wijken"), zones=of("zones"),
                       locations=self.intersecting("locations", outline), cells=of("cells"),
                       months=_as_city(of("months")), times=_as_city(of("times")),
                       hot_times=_as_city(of("hot_times")), gemeenten=None)

    def _of_gemeente(self, layer: str, gemeentecode: str) -> Any:
        """Rows of ``layer`` whose ``gemeentecode`` is ``gemeentecode`` (positions made once)."""
        frame = getattr(self, layer)
        if frame is None:
            return None
        rows = self.remembered(("rows per gemeente", layer),
                               lambda: frame.groupby("gemeentecode", sort=False).indices)
        return frame.iloc[rows.get(gemeentecode, [])].reset_index(drop=True)

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


def _as_city(table: pd.DataFrame | None) -> pd.DataFrame | None:
    """Return a gemeente's rows of a *when* table with its gemeente rows as the city rows."""
    if table is None:
        return None
    rows = table[table["area_type"] != "stad"].reset_index(drop=True)  # the region's rows
    own = (rows["area_type"] == "gemeente").to_numpy()
    rows.loc[own, "area_type"] = "stad"
    rows.loc[own, "area_code"] = ""
    return rows


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


def method_context(config: Config, method: Mapping[str, Any], dispersion: Dispersion,
                   generated_at: datetime) -> MapContext:
    """Make the :class:`MapContext` of a build: its titles, credit and method stamp.

    ``method`` is the method block of ``summary.json``; the stamp says in Dutch what it holds,
    and for a region over which areas each family of tests runs.
    """
    analysis = config.analysis
    period = method["data_period"]
    phi = dispersion.applied
    generated = generated_at.astimezone().strftime("%d-%m-%Y %H:%M")
    lines = [
        f"Perioden: {method['periods']}; meldingen van {_nl_date(period['first'])} t/m "
        f"{_nl_date(period['last'])}",
        f"Verandering per buurt en per cel (3 × 3 cellen): exacte binomiale toets (per dag), "
        f"FDR q = {nl_float(analysis.fdr_q, 2)}, minimaal {analysis.min_count} meldingen",
        f"Herhaalde meldingen: dispersie {nl_float(phi, 2)} "
        f"({_DISPERSION_NL[dispersion.source]}); "
        f"elke melding telt als 1/{nl_float(phi, 2)} onafhankelijke waarneming",
        f"Hot spots: Getis-Ord Gi* op cellen van {analysis.cell_size:g} m, 8 buren; een cel is "
        "hot spot als haar 3 × 3 cellen significant meer meldingen hebben dan haar buurt én "
        "haar omgeving bij gelijke spreiding doen verwachten (exacte Poisson-toets, FDR "
        "90/95/99 %)",
        *([_REGION_LINE.format(n=len(config.area.municipality_codes))]
          if config.area.region else []),
        f"Grenzen: {config.area.edition or 'CBS'}",
        f"Gemaakt: {generated} met hotspotkaart {__version__}",
    ]
    return MapContext(area_name=config.area.name, years=config.periods.years,
                      credit=config.area.credit, method=lines, synthetic=config.synthetic,
                      basemap=config.maps.basemap, fdr_q=analysis.fdr_q,
                      periods=config.periods)


#: How the dispersion was found, in the words of the method stamp.
_DISPERSION_NL = {"estimated": "geschat uit de buurten", "fixed": "ingesteld",
                  "too few buurten": "te weinig buurten om te schatten"}

#: The method line of a region: the families of tests span the whole region.
_REGION_LINE = ("Regio van {n} gemeenten: de toetsen van buurten, wijken, cellen, zones en "
                "tijden vormen elk één familie over de hele regio (FDR over de regio, "
                "dispersie uit alle buurten); de gemeenten onderling zijn een eigen familie")


def _nl_date(iso: str | None) -> str:
    return "–" if iso is None else pd.Timestamp(iso).strftime("%d-%m-%Y")
