"""QGIS finds the maps' classes and colours in the GeoPackage of a build (#19 item 3)."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from contextlib import closing
from itertools import pairwise
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

from hotspotkaart.maps.qgis import layer_styles
from hotspotkaart.stats.change import CHANGE_COLOURS
from hotspotkaart.stats.hotspots import GI_COLOURS

STYLED = ("buurten", "wijken", "grid", "zones", "incidents")


@pytest.fixture(scope="module")
def styles(built: Path) -> dict[str, list[tuple[str, str, str, int]]]:
    with closing(sqlite3.connect(built / "hotspotkaart.gpkg")) as db:
        rows = db.execute("SELECT f_table_name, styleName, styleQML, styleSLD, useAsDefault "
                          "FROM layer_styles ORDER BY id").fetchall()
    out: dict[str, list[tuple[str, str, str, int]]] = {}
    for table, name, qml, sld, default in rows:
        out.setdefault(table, []).append((name, qml, sld, default))
    return out


def _hex(rgba: str) -> str:
    return "#" + "".join(f"{int(v):02x}" for v in rgba.split(",")[:3])


def _fill_colours(root: ET.Element) -> dict[str, str]:
    """Symbol name to its fill colour, from the <Option> map QGIS reads."""
    out = {}
    for symbol in root.iter("symbol"):
        option = symbol.find("layer/Option/Option[@name='color']")
        assert option is not None
        out[symbol.get("name", "")] = _hex(option.get("value", ""))
    return out


def test_every_layer_has_one_default_style_qgis_can_parse(styles) -> None:
    assert set(styles) == set(STYLED)
    for table, rows in styles.items():
        assert [default for *_rest, default in rows].count(1) == 1, table
        for _name, qml, sld, _default in rows:
            assert qml.startswith("<!DOCTYPE qgis")
            assert ET.fromstring(qml.split("\n", 1)[1]).tag == "qgis"
            assert ET.fromstring(sld).tag.endswith("StyledLayerDescriptor")


def test_categories_cover_the_data_with_the_maps_colours(built: Path, styles) -> None:
    palettes = {"change_class": CHANGE_COLOURS, "gi_class_": GI_COLOURS}
    for table in ("buurten", "wijken", "grid"):
        layer = gpd.read_file(built / "hotspotkaart.gpkg", layer=table)
        for _name, qml, _sld, _default in styles[table]:
            root = ET.fromstring(qml.split("\n", 1)[1])
            renderer = root.find("renderer-v2")
            assert renderer is not None
            attr = renderer.get("attr", "")
            assert attr in layer.columns
            if renderer.get("type") != "categorizedSymbol":
                continue
            categories = {c.get("value"): c.get("symbol") for c in renderer.iter("category")}
            assert set(layer[attr].dropna()) <= set(categories), (table, attr)
            colours = _fill_colours(root)
            palette = next(p for prefix, p in palettes.items() if attr.startswith(prefix))
            for value, colour in palette.items():
                assert colours[categories[value]] == colour


def test_count_ranges_are_the_maps_shared_breaks(built: Path, styles) -> None:
    layer = gpd.read_file(built / "hotspotkaart.gpkg", layer="buurten")
    graduated = [ET.fromstring(q.split("\n", 1)[1]) for _n, q, _s, _d in styles["buurten"]
                 if "graduatedSymbol" in q]
    assert len(graduated) == 2
    for root in graduated:
        renderer = root.find("renderer-v2")
        assert renderer is not None
        ranges = [(float(r.get("lower", "nan")), float(r.get("upper", "nan")))
                  for r in renderer.iter("range")]
        assert ranges[0][0] < 0
        assert all(a[1] == b[0] for a, b in pairwise(ranges))  # no gaps
        counts = layer[renderer.get("attr", "")].to_numpy()
        assert counts.max() < ranges[-1][1]
        classes = np.searchsorted([u for _l, u in ranges], counts)
        assert len(set(classes)) > 1  # the counts fall in several classes


def test_aliases_meldingen_in_time_and_zones_outlined(built: Path, styles) -> None:
    incidents = ET.fromstring(styles["incidents"][0][1].split("\n", 1)[1])
    temporal = incidents.find("temporal")
    assert temporal is not None
    assert (temporal.get("enabled"), temporal.get("startField")) == ("1", "date")
    aliases = {a.get("field"): a.get("name") for a in incidents.iter("alias")}
    assert aliases["date"] == "Datum en tijd"
    with closing(sqlite3.connect(built / "hotspotkaart.gpkg")) as db:
        date_type = [r[2] for r in db.execute("PRAGMA table_info(incidents)") if r[1] == "date"]
    assert date_type == ["DATETIME"]
    zones = ET.fromstring(styles["zones"][0][1].split("\n", 1)[1])
    dashed = [s for s in zones.iter("symbol")
              if s.find("layer/Option/Option[@name='use_custom_dash']") is not None]
    assert len(dashed) == 2  # alcoholverbod and veiligheidsrisicogebied, as on the map


def test_without_breaks_the_buurten_have_only_the_change_style() -> None:
    frame = gpd.GeoDataFrame({"change_class": ["significante stijging"]}, geometry=[None])
    styles = layer_styles({"buurten": frame}, (2023, 2024), None)
    assert [s.name for s in styles["buurten"]] == ["Verandering 2023–2024"]
    assert styles["buurten"][0].default
