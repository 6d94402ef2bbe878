"""The camera report's pieces that need no run: the SVG sketch of a candidate and its legend.

The sketch's layers are made from a stand-in for the analysed run that holds only what
``_sketch_layers`` reads (grid cells with a transition, the zones, the compare year); the pages
of a real run are tested in ``test_camera.py``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from hotspotkaart.camera.report import _sketch_layers, _sketch_legend, sketch_svg
from hotspotkaart.config.settings import Periods
from hotspotkaart.maps.overview import ZONE_COLOURS, ZONE_DASHES, ZONE_LABELS

SVG = "{http://www.w3.org/2000/svg}"
CANDIDATE = box(1000, 1000, 1200, 1200)
ZONES = {
    "cameratoezicht": box(900, 900, 1100, 1100),
    "alcoholverbod": box(1100, 900, 1300, 1100),
    "veiligheidsrisicogebied": box(1000, 1100, 1200, 1300),
}


def _result() -> SimpleNamespace:
    """A stand-in run: two hot-spot cells and one zone of every kind, valid in 2024."""
    cells = gpd.GeoDataFrame({"transition": ["blijvend", "geen"]},
                             geometry=[box(1050, 1050, 1100, 1100), box(1100, 1050, 1150, 1100)],
                             crs="EPSG:28992")
    zones = gpd.GeoDataFrame({"kind": list(ZONES), "name": [f"{k} 1" for k in ZONES],
                              "valid_from": pd.to_datetime(["2023-01-01"] * len(ZONES)),
                              "valid_to": pd.NaT},
                             geometry=list(ZONES.values()), crs="EPSG:28992")
    config = SimpleNamespace(periods=Periods(2023, 2024))
    return SimpleNamespace(grid=SimpleNamespace(cells=cells), zones=zones, config=config)


def _zone_paths() -> dict[str, ET.Element]:
    svg = ET.fromstring(str(sketch_svg(CANDIDATE, 100.0, _sketch_layers(_result()))))
    paths = {p.get("stroke"): p for p in svg.iter(f"{SVG}path")}
    return {kind: paths[colour] for kind, colour in ZONE_COLOURS.items()}


@pytest.mark.parametrize("kind", list(ZONES))
def test_sketch_draws_each_zone_kind_as_an_outline_with_its_map_dashes(kind):
    path = _zone_paths()[kind]
    assert path.get("fill") == "none"
    assert float(path.get("stroke-width")) == 2.0
    assert path.get("stroke-dasharray") == (ZONE_DASHES[kind] or None)


def test_sketch_zone_dashes_are_the_maps_own():
    paths = _zone_paths()
    assert paths["cameratoezicht"].get("stroke-dasharray") is None
    assert paths["alcoholverbod"].get("stroke-dasharray") == "8 5"
    assert paths["veiligheidsrisicogebied"].get("stroke-dasharray") == "2 5"


def test_sketch_hot_spot_cells_are_filled_with_a_thin_edge():
    svg = ET.fromstring(str(sketch_svg(CANDIDATE, 100.0, _sketch_layers(_result()))))
    cells = [p for p in svg.iter(f"{SVG}path") if p.get("stroke") == "#666666"]
    assert len(cells) == 1
    assert cells[0].get("fill") != "none"
    assert float(cells[0].get("stroke-width")) == 0.6
    assert cells[0].get("stroke-dasharray") is None


def test_sketch_legend_shows_each_zone_kind_with_its_line_style():
    legend = {label: (colour, border) for label, colour, border in _sketch_legend()}
    assert legend[f"{ZONE_LABELS['cameratoezicht']} (rand)"] == (
        ZONE_COLOURS["cameratoezicht"], "solid")
    assert legend[f"{ZONE_LABELS['alcoholverbod']} (rand)"] == (
        ZONE_COLOURS["alcoholverbod"], "dashed")
    assert legend[f"{ZONE_LABELS['veiligheidsrisicogebied']} (rand)"] == (
        ZONE_COLOURS["veiligheidsrisicogebied"], "dotted")
    assert legend["hot spot blijvend"] == ("#D55E00", "")   # cells are filled swatches
