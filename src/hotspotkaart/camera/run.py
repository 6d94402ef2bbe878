"""The camera assessment from end to end: analyse, read or suggest candidates, assess, write.

The one place that holds the whole flow of :mod:`hotspotkaart.camera`: the inputs
(:mod:`~hotspotkaart.camera.inputs`), the figures (:mod:`~hotspotkaart.camera.assess`) and the
pages (:mod:`~hotspotkaart.camera.report`) do not import each other upward.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from hotspotkaart._errors import ConfigError, InputError
from hotspotkaart._naming import unique_names
from hotspotkaart.camera.assess import assess
from hotspotkaart.camera.assess import suggest as suggest_areas  # run_camera has a suggest flag
from hotspotkaart.camera.inputs import read_candidates, read_points
from hotspotkaart.camera.report import write_outputs
from hotspotkaart.config.camera import CameraSettings, check_ring
from hotspotkaart.config.settings import Config, EngineConfig
from hotspotkaart.io.crs import RD
from hotspotkaart.pipeline import analyse

__all__ = ["run_camera"]

logger = logging.getLogger(__name__)


def run_camera(config: Config, candidates_path: Path | None, out_dir: Path | None = None, *,
               suggest: bool = False, settings: CameraSettings | None = None,
               ring_m: float | None = None) -> list[Path]:
    """Analyse, read or suggest candidates, assess them and write ``out_dir/camera/``.

    Parameters
    ----------
    config : Config
        A validated configuration.
    candidates_path : Path or None
        The candidate file; may be None when ``suggest`` is true.
    out_dir : Path, optional
        Output folder (default ``config.output_dir``); the files go into its ``camera/``.
    suggest : bool
        Add candidate areas made from the hot-spot clusters
        (:func:`~hotspotkaart.camera.assess.suggest`); they are named
        ``voorstel 1`` … in the order of their final rank.
    settings : CameraSettings, optional
        The ``[camera]`` settings; ``config.camera`` when omitted.
    ring_m : float, optional
        Overrides ``settings.ring_m``.

    Returns
    -------
    list of Path
        The files written: one page per candidate, ``kandidaten.csv``, ``kandidaten.gpkg`` and
        ``rapport.html``.

    Raises
    ------
    ConfigError
        If neither a candidate file nor ``suggest`` is given, or a setting is invalid.
    InputError
        If the candidate file or an extra point layer cannot be used.
    """
    if candidates_path is None and not suggest:
        msg = "give a file with candidate areas (CANDIDATES) or --suggest, or both"
        raise ConfigError(msg)
    logger.info("assessing candidate camera areas for %s (%s and %s)", config.area.name,
                *(config.periods.label(y) for y in config.periods.years))
    if candidates_path is not None and not Path(candidates_path).is_file():
        msg = f"{candidates_path}: the candidate file does not exist"
        raise InputError(msg)
    settings = settings if settings is not None else config.camera
    ring = check_ring(ring_m if ring_m is not None else settings.ring_m, "--ring")
    # the assessment needs every melding; the dask engine keeps none, so use the memory engine
    result = analyse(dataclasses.replace(config, engine=EngineConfig()))
    frames = []
    if candidates_path is not None:
        frames.append(read_candidates(Path(candidates_path), result.boundaries.outline,
                                      name_column=settings.name_column, ledger=result.ledger,
                                      area_name=config.area.name))
    if suggest:
        proposals = suggest_areas(result, min_cells=settings.suggest_min_cells,
                                  radius_m=settings.suggest_radius_m,
                                  max_areas=settings.suggest_max)
        if proposals.empty:
            logger.warning("no persistent or new hot spots outside the camera areas to propose")
        frames.append(proposals)
    candidates = _combine(frames)
    if candidates.empty:
        msg = ("there is no candidate area to assess: the file is missing and --suggest found "
               "no hot-spot cluster outside the camera areas")
        raise InputError(msg)
    extras = {source.slug: read_points(source, result.ledger) for source in settings.extra_points}
    table = assess(result, candidates, ring_m=ring, extra_points=extras,
                   weights=settings.weights)
    if suggest:
        table = _renumber_suggestions(table)
    target = (out_dir if out_dir is not None else config.output_dir) / "camera"
    return write_outputs(result, table, target, settings=settings, ring_m=ring, extras=extras)



def _renumber_suggestions(table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Name the suggested areas ``voorstel 1 …`` in the order of their final rank."""
    table = table.copy()
    ranked = table.sort_values("rank", kind="stable")
    proposed = ranked.index[ranked["source"] == "voorstel"]
    own = set(table.loc[table["source"] != "voorstel", "name"])
    number = 0
    for index in proposed:
        number += 1
        while f"voorstel {number}" in own:
            number += 1
        table.at[index, "name"] = f"voorstel {number}"
    return table


def _combine(frames: Sequence[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    kept = [f[["name", "source", "geometry"]] for f in frames if not f.empty]
    if not kept:
        return gpd.GeoDataFrame({"name": [], "source": []}, geometry=gpd.GeoSeries([], crs=RD),
                                crs=RD)
    combined = pd.concat(kept, ignore_index=True)
    combined["name"] = unique_names(list(combined["name"].astype(str)))
    return gpd.GeoDataFrame(combined, geometry="geometry", crs=RD)
