"""Read CBS wijk and buurt boundaries, whatever edition or schema the municipality has.

Three schemas are recognised, by their column names (case-insensitive):

* the files shipped in ``geo/`` (``buurtcode``, ``buurtnaam``, ``wijkcode``, ``wijknaam``, …);
* the national CBS ``wijkenbuurten_<jaar>`` GeoPackage (layers ``buurten``/``wijken``, columns
  ``buurtcode``, ``buurtnaam``, ``wijkcode``, ``gemeentecode``, ``aantal_inwoners``, …);
* the older CBS shapefiles (``BU_CODE``, ``BU_NAAM``, ``WK_CODE``, ``GM_CODE``, ``AANT_INW``, …).

The result is always the same: one row per buurt of one municipality in EPSG:28992 with canonical
columns. CBS codes secret or missing figures as large negative numbers (−99997, −99995, …);
these become missing values, never counts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspotkaart._errors import BoundaryError, InputError
from hotspotkaart._geometry import repair_polygons
from hotspotkaart.config.settings import AreaConfig
from hotspotkaart.io.ledger import Ledger
from hotspotkaart.io.vector import read_vector, vector_to_rd

__all__ = ["Boundaries", "read_boundaries"]

logger = logging.getLogger(__name__)

#: Values at or below this are CBS codes for secret or missing figures.
CBS_MISSING_BELOW = -99990

_BUURT_COLUMNS: dict[str, tuple[str, ...]] = {
    "buurtcode": ("buurtcode", "bu_code"),
    "buurtnaam": ("buurtnaam", "bu_naam"),
    "wijkcode": ("wijkcode", "wk_code"),
    "wijknaam": ("wijknaam", "wk_naam"),
    "gemeentecode": ("gemeentecode", "gm_code"),
    "gemeentenaam": ("gemeentenaam", "gm_naam"),
    "aantal_inwoners": ("aantal_inwoners", "aant_inw"),
}
_WIJK_COLUMNS: dict[str, tuple[str, ...]] = {
    key: _BUURT_COLUMNS[key]
    for key in ("wijkcode", "wijknaam", "gemeentecode", "gemeentenaam", "aantal_inwoners")
}


@dataclass(frozen=True)
class Boundaries:
    """The buurten, wijken and gemeenten of a run (one gemeente or a region), in EPSG:28992.

    Attributes
    ----------
    buurten : geopandas.GeoDataFrame
        ``buurtcode``, ``buurtnaam``, ``wijkcode``, ``wijknaam``, ``gemeentecode``,
        ``aantal_inwoners`` (float, NaN where unknown or secret) and the polygon.
    wijken : geopandas.GeoDataFrame
        ``wijkcode``, ``wijknaam``, ``gemeentecode``, ``aantal_inwoners`` and the polygon.
    gemeenten : geopandas.GeoDataFrame
        ``gemeentecode``, ``gemeentenaam`` (the code where the files name none),
        ``aantal_inwoners`` and the polygon, dissolved from the buurten, in the configured order.

    """

    buurten: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame
    gemeenten: gpd.GeoDataFrame

    @property
    def outline(self) -> shapely.Geometry:
        """The municipality as the union of its buurten."""
        return shapely.union_all(self.buurten.geometry.to_numpy())


def read_boundaries(area: AreaConfig, ledger: Ledger) -> Boundaries:
    """Read, filter and validate the buurten (and wijken) of ``area.municipality_codes``.

    Parameters
    ----------
    area : AreaConfig
        The ``[area]`` section of the configuration.
    ledger : Ledger
        Receives warnings about repaired geometries and overlaps.

    Returns
    -------
    Boundaries
        Buurten and wijken in EPSG:28992. Wijken are dissolved from the buurten when no wijk
        file is configured, so that they always nest.

    Raises
    ------
    BoundaryError
        If a file cannot be read, lacks the code columns, has no CRS, holds no buurt of the
        municipality, or has duplicate buurtcodes.

    """
    buurten = _read_layer(area.buurten, area.buurten_layer, "buurten", _BUURT_COLUMNS,
                          area.municipality_codes, "buurtcode", ledger)
    if area.wijken is not None:
        wijken = _read_layer(area.wijken, area.wijken_layer, "wijken", _WIJK_COLUMNS,
                             area.municipality_codes, "wijkcode", ledger)
        names = wijken.set_index("wijkcode")["wijknaam"]
        buurten["wijknaam"] = buurten["wijknaam"].fillna(buurten["wijkcode"].map(names))
        unknown = sorted(set(buurten["wijkcode"]) - set(wijken["wijkcode"]))
        if unknown:
            msg = (f"{area.wijken}: wijk(en) {', '.join(unknown[:5])} of the buurten are missing "
                   "from the wijk file; use the wijk file of the same CBS edition, or leave "
                   "'wijken' out to dissolve them from the buurten")
            raise BoundaryError(msg)
    else:
        wijken = _dissolve(buurten, "wijkcode", "wijknaam",
                           extra=("gemeentecode", "gemeentenaam"))
    buurten["wijknaam"] = buurten["wijknaam"].fillna(buurten["wijkcode"])
    _check_coverage(buurten, area.buurten, ledger)
    gemeenten = _dissolve(buurten, "gemeentecode", "gemeentenaam")
    order = {code: i for i, code in enumerate(area.municipality_codes)}
    gemeenten = gemeenten.iloc[np.argsort(gemeenten["gemeentecode"].map(order).to_numpy(),
                                          kind="stable")].reset_index(drop=True)
    return Boundaries(buurten=buurten, wijken=wijken, gemeenten=gemeenten)


def _read_layer(path: Path, layer: str | None, wanted: str, columns: dict[str, tuple[str, ...]],
                municipalities: tuple[str, ...], code_column: str, ledger: Ledger
                ) -> gpd.GeoDataFrame:
    gdf = read_vector(path, layer=layer or None, wanted=wanted, error=BoundaryError,
                      several=f"name the {wanted} layer with {wanted}_layer in the config")
    canonical = _canonical_columns(gdf, columns, path, code_column)
    canonical = _filter_municipalities(canonical, municipalities, path, code_column)
    if canonical.crs is None:
        msg = (f"{path}: the file has no coordinate reference system; CBS boundaries are in "
               "EPSG:28992, so save the file with its CRS (e.g. as GeoPackage)")
        raise BoundaryError(msg)
    try:
        canonical = vector_to_rd(canonical, path, label=path.name, warn=ledger.warn, setting=None)
    except InputError as exc:  # the values contradict the CRS: a boundary file is unusable
        raise BoundaryError(str(exc)) from None
    canonical = _repair(canonical, path, code_column, ledger)
    duplicated = canonical[code_column][canonical[code_column].duplicated()]
    if not duplicated.empty:
        msg = f"{path}: {code_column} {duplicated.iloc[0]} occurs more than once"
        raise BoundaryError(msg)
    return canonical.sort_values(code_column, kind="stable").reset_index(drop=True)


def _canonical_columns(gdf: gpd.GeoDataFrame, columns: dict[str, tuple[str, ...]], path: Path,
                       code_column: str) -> gpd.GeoDataFrame:
    lower = {str(c).lower(): c for c in gdf.columns}
    out = gpd.GeoDataFrame(geometry=gdf.geometry.copy(), crs=gdf.crs)
    for canonical, aliases in columns.items():
        source = next((lower[a] for a in aliases if a in lower), None)
        out[canonical] = gdf[source].copy() if source is not None else pd.NA
    if out[code_column].isna().all():
        names = ", ".join(repr(c) for c in gdf.columns if c != gdf.geometry.name)
        msg = (f"{path}: no {code_column} column found (looked for "
               f"{' or '.join(columns[code_column])}); the file has {names}")
        raise BoundaryError(msg)
    for text_col in ("buurtcode", "buurtnaam", "wijkcode", "wijknaam", "gemeentecode",
                     "gemeentenaam"):
        if text_col in out:
            out[text_col] = out[text_col].astype("string").str.strip().astype(object)
            out[text_col] = out[text_col].where(out[text_col].notna(), None)
    out["aantal_inwoners"] = _cbs_number(out["aantal_inwoners"])
    if code_column == "buurtcode":
        derived = "WK" + out["buurtcode"].str[2:8]
        out["wijkcode"] = out["wijkcode"].fillna(derived)
    out["gemeentecode"] = out["gemeentecode"].fillna("GM" + out[code_column].str[2:6])
    return out[[*columns, "geometry"]]


def _cbs_number(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    secret = numbers <= CBS_MISSING_BELOW
    return numbers.where(~secret, np.nan)


def _filter_municipalities(gdf: gpd.GeoDataFrame, municipalities: tuple[str, ...], path: Path,
                           code_column: str) -> gpd.GeoDataFrame:
    """Keep the features of ``municipalities``; each of them must have at least one."""
    selected = gdf[gdf["gemeentecode"].isin(municipalities)]
    nameless = selected[code_column].isna()
    if nameless.any():
        row = int(selected.index[nameless][0]) + 1
        gemeente = selected.loc[selected.index[nameless][0], "gemeentecode"]
        msg = (f"{path}: feature {row} of municipality {gemeente} has no {code_column}; "
               "every buurt and wijk needs its CBS code")
        raise BoundaryError(msg)
    found = set(selected["gemeentecode"])
    missing = [code for code in municipalities if code not in found]
    if missing:
        present = sorted(gdf["gemeentecode"].dropna().unique())
        shown = ", ".join(present[:6]) + (" …" if len(present) > 6 else "")
        msg = (f"{path}: no {code_column.replace('code', '')} of municipality_code "
               f"{missing[0]} in the file; it holds {shown or 'no gemeentecode'}")
        raise BoundaryError(msg)
    return selected.copy()


def _repair(gdf: gpd.GeoDataFrame, path: Path, code_column: str, ledger: Ledger
            ) -> gpd.GeoDataFrame:
    geoms = gdf.geometry
    missing = geoms.isna() | geoms.is_empty
    if missing.any():
        msg = f"{path}: {code_column} {gdf.loc[missing, code_column].iloc[0]} has no geometry"
        raise BoundaryError(msg)
    repaired, _ = repair_polygons(shapely.force_2d(geoms.to_numpy()),
                                  gdf[code_column].astype(str).tolist(), where=path.name,
                                  warn=ledger.warn)
    return gdf.set_geometry(repaired, crs=gdf.crs)


def _dissolve(buurten: gpd.GeoDataFrame, key: str, name: str, extra: tuple[str, ...] = ()
              ) -> gpd.GeoDataFrame:
    """Dissolve the buurten into the areas of ``key`` (the code where ``name`` is missing)."""
    grouped = buurten.groupby(key, sort=True)
    population = grouped["aantal_inwoners"].agg(lambda s: s.sum() if s.notna().all() else np.nan)
    geometry = grouped["geometry"].agg(lambda s: shapely.union_all(s.to_numpy()))
    codes = pd.Series(geometry.index, index=geometry.index)
    columns = {key: geometry.index.to_numpy(),
               name: grouped[name].first().fillna(codes).to_numpy()}
    columns.update({column: grouped[column].first().to_numpy() for column in extra})
    return gpd.GeoDataFrame({**columns, "aantal_inwoners": population.to_numpy()},
                            geometry=list(geometry.to_numpy()), crs=buurten.crs)


def _check_coverage(buurten: gpd.GeoDataFrame, path: Path, ledger: Ledger) -> None:
    """Warn about buurten that overlap and about gaps between them inside the municipality."""
    total = float(buurten.geometry.area.sum())
    union = shapely.union_all(buurten.geometry.to_numpy())
    overlap = total - float(union.area)
    if overlap > 1.0:
        ledger.warn(f"{path.name}: buurten overlap by {overlap:,.0f} m² in total; a melding in an "
                    "overlap goes to the buurt with the lowest code")
    holes = [shapely.Polygon(ring) for part in shapely.get_parts(union)
             if part.geom_type == "Polygon" for ring in part.interiors]
    gaps = [hole for hole in holes if hole.area > 1.0]
    if gaps:
        area = sum(hole.area for hole in gaps)
        ledger.warn(f"{path.name}: the buurten leave {len(gaps)} gap(s) of {area:,.0f} m² in "
                    "total inside the municipality; a melding in a gap is rejected as 'buiten "
                    "de gemeente'")
