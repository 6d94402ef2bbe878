"""Run the stages in order: read → join → analyse → render → export.

:func:`analyse` does everything in memory and returns a :class:`BuildResult`; :func:`build` adds
the maps and writes every output atomically. The command line (:mod:`hotspotkaart.cli`) is a thin
layer over these two functions.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from hotspotkaart import __version__
from hotspotkaart.accounting import Ledger
from hotspotkaart.analysis import area_table
from hotspotkaart.boundaries import Boundaries, read_boundaries
from hotspotkaart.config import ZONE_KINDS, Config
from hotspotkaart.export import (
    staged_outputs,
    write_csv,
    write_geopackage,
    write_html,
    write_json,
)
from hotspotkaart.joins import join_incidents
from hotspotkaart.maps import MapContext, overview_map
from hotspotkaart.sources import read_incidents
from hotspotkaart.zones import read_locations, read_zones

__all__ = ["BuildResult", "analyse", "build"]

logger = logging.getLogger(__name__)

_INCIDENT_COLUMNS = ["source", "row", "melding_id", "date", "period", "category", "buurtcode",
                     "wijkcode", *[f"in_{k}" for k in ZONE_KINDS], "geometry"]


@dataclass(frozen=True)
class BuildResult:
    """Everything one run computed, before or after it was written."""

    config: Config
    boundaries: Boundaries
    incidents: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    locations: gpd.GeoDataFrame
    buurten: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame
    ledger: Ledger
    generated_at: datetime
    outputs: list[Path] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, Any]:
        """The content of ``summary.json``."""
        return _summary(self)


def analyse(config: Config) -> BuildResult:
    """Read, validate, join and analyse the inputs of ``config``; write nothing.

    Parameters
    ----------
    config : Config
        A validated configuration (see :func:`hotspotkaart.config.load_config`).

    Returns
    -------
    BuildResult
        The joined meldingen, the area tables and the ledger of every input record.
    """
    ledger = Ledger()
    boundaries = read_boundaries(config.area, ledger)
    zones = read_zones(config.zones, ledger)
    locations = read_locations(config.locations, ledger)
    candidates = read_incidents(config.incidents, config.periods, ledger)
    incidents = join_incidents(candidates, boundaries.buurten, zones, ledger)
    incidents = gpd.GeoDataFrame(incidents[_INCIDENT_COLUMNS], geometry="geometry",
                                 crs=incidents.crs)
    buurten = area_table(incidents, boundaries.buurten, "buurtcode", config.periods,
                         config.analysis)
    wijken = area_table(incidents, boundaries.wijken, "wijkcode", config.periods,
                        config.analysis)
    result = BuildResult(config=config, boundaries=boundaries, incidents=incidents, zones=zones,
                         locations=locations, buurten=buurten, wijken=wijken, ledger=ledger,
                         generated_at=_generated_at())
    _summary(result)  # checks read == used + rejected before anything is written
    return result


def build(config: Config, out_dir: Path | None = None) -> BuildResult:
    """Analyse the inputs and write every output into ``out_dir``.

    Parameters
    ----------
    config : Config
        A validated configuration.
    out_dir : Path, optional
        Output folder; defaults to ``config.output_dir``.

    Returns
    -------
    BuildResult
        The result, with ``outputs`` listing the files written.
    """
    result = analyse(config)
    target = out_dir if out_dir is not None else config.output_dir
    page = overview_map(result.buurten, result.zones, result.locations,
                        _map_context(result)).get_root().render()
    with staged_outputs(target) as staging:
        write_json(staging.path("summary.json"), result.summary)
        write_csv(staging.path("rejected.csv"), result.ledger.rejection_table())
        write_csv(staging.path("buurten.csv"), result.buurten)
        write_csv(staging.path("wijken.csv"), result.wijken)
        write_geopackage(staging.path("hotspotkaart.gpkg"), {
            "buurten": result.buurten,
            "wijken": result.wijken,
            "incidents": _incident_layer(result.incidents),
        })
        write_html(staging.path("overzicht.html"), page)
        names = list(staging.written)
    result.outputs.extend(target / name for name in names)
    logger.info("wrote %d files to %s", len(names), target)
    return result


def _incident_layer(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    layer = incidents.copy()
    layer["date"] = layer["date"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    return layer


def _generated_at() -> datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def _summary(result: BuildResult) -> dict[str, Any]:
    config, ledger, incidents = result.config, result.ledger, result.incidents
    years = config.periods.years
    per_period = incidents["period"].value_counts()
    per_category = incidents.groupby(["category", "period"]).size()
    categories = sorted(incidents["category"].unique())
    return {
        "tool": {"name": "hotspotkaart", "version": __version__},
        "generated_at": result.generated_at.isoformat(),
        "area": {"name": config.area.name, "municipality_code": config.area.municipality_code,
                 "buurten": len(result.boundaries.buurten),
                 "wijken": len(result.boundaries.wijken),
                 "boundary_edition": config.area.edition, "credit": config.area.credit},
        "periods": {"base": config.periods.base, "compare": config.periods.compare},
        "demonstration_data": config.synthetic,
        "incidents": ledger.counts("incidents", used=len(incidents)),
        "per_period": {str(y): int(per_period.get(y, 0)) for y in years},
        "per_category": {c: {str(y): int(per_category.get((c, y), 0)) for y in years}
                         for c in categories},
        "zones": ledger.counts("zones", used=len(result.zones)),
        "zones_per_kind": {k: int((result.zones["kind"] == k).sum()) for k in ZONE_KINDS},
        "locations": ledger.counts("locations", used=len(result.locations)),
        "warnings": list(ledger.warnings),
        "method": _method(result),
    }


def _method(result: BuildResult) -> dict[str, Any]:
    config = result.config
    dates = result.incidents["date"]
    return {
        "periods": f"{config.periods.base} en {config.periods.compare} (kalenderjaren)",
        "data_period": {
            "first": None if dates.empty else pd.Timestamp(dates.min()).strftime("%Y-%m-%d"),
            "last": None if dates.empty else pd.Timestamp(dates.max()).strftime("%Y-%m-%d"),
        },
        "boundary_edition": config.area.edition,
        "boundary_rule": "punt op een grens: buurt met de laagste buurtcode",
        "change_test": "exacte binomiale toets, p0 uit het aantal dagen per periode",
        "alpha": config.analysis.alpha,
        "fdr_q": config.analysis.fdr_q,
        "min_count": config.analysis.min_count,
        "generated_at": result.generated_at.isoformat(),
    }


def _map_context(result: BuildResult) -> MapContext:
    config = result.config
    base, compare = config.periods.years
    summary_method = _method(result)
    counts = result.incidents.groupby("period").size()
    n_base, n_compare = int(counts.get(base, 0)), int(counts.get(compare, 0))
    change = f" ({(n_compare - n_base) / n_base:+.1%})".replace(".", ",") if n_base else ""
    key_figures = [f"Meldingen {base}: {n_base:,}".replace(",", "."),
                   f"Meldingen {compare}: {n_compare:,}".replace(",", ".") + change]
    generated = result.generated_at.astimezone().strftime("%d-%m-%Y %H:%M")
    method = [
        f"Perioden: {summary_method['periods']}",
        f"Verandering: {summary_method['change_test']}; FDR q = {config.analysis.fdr_q:g}",
        f"Grenzen: {config.area.edition or 'CBS'}",
        f"Gemaakt: {generated} met hotspotkaart {__version__}",
    ]
    return MapContext(area_name=config.area.name, years=(base, compare),
                      credit=config.area.credit, method=method, key_figures=key_figures,
                      synthetic=config.synthetic, basemap=config.maps.basemap)
