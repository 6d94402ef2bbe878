"""Privacy guard: no melding's location in the field map or in an aggregated export.

The scanner (``tests/_privacy.py``) is tested first on synthetic text, so that a clean scan of
the real outputs means something; then the embedded demonstration data is built and every
aggregated export and the field map are scanned for the coordinates of all input meldingen.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from hotspotkaart.cli.main import main
from tests.helpers.privacy import find_melding_coordinates
from tests.helpers.project import REPO_ROOT

TO_WGS84 = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)
MELDINGEN = np.array([[105233.4, 425683.9], [106873.8, 424425.9], [104012.0, 422001.5]])
LON, LAT = TO_WGS84.transform(MELDINGEN[:, 0], MELDINGEN[:, 1])


@pytest.mark.parametrize("text", [
    "x;y\n105233,4;425683,9\n",                                  # Dutch CSV, as read
    "x,y\n105233.4,425683.9\n",                                  # English CSV
    "105233;425684",                                             # rounded to the metre
    "105.233,4 ; 425.683,9",                                     # Dutch thousands
    "105,233.40, 425,683.90",                                    # English thousands, 2 dec.
    '{"x": 105233.400, "id": 7, "y": 425683.900}',               # 3 decimals, apart
    f'"coordinates": [{LON[0]:.6f}, {LAT[0]:.6f}]',              # GeoJSON point
    f"L.marker([{LAT[0]:.5f}, {LON[0]:.5f}])",                   # Leaflet lat, lon
    f"lat={LAT[0]:.4f}&lon={LON[0]:.4f}",                        # 4 decimals (≈ 10 m)
    f"{LON[0]:.8f};{LAT[0]:.8f}".replace(".", ","),              # 8 decimals, comma
    f"[{LON[0]:.12f},{LAT[0]:.12f}]",                            # more than 8 decimals
    f"L.heatLayer([[{LAT[1]:.3f}, {LON[1]:.3f}], [{LAT[0]:.6f}, {LON[0]:.6f}, 1.0]])",
])
def test_scanner_finds_a_melding_in_any_notation(text):
    hits = find_melding_coordinates(text, MELDINGEN)
    assert len(hits) == 1
    assert hits[0].startswith("melding 0: ")


@pytest.mark.parametrize("text", [
    "105200;425600",                                   # the 100 m grid cell, not the melding
    f"[{LON[0]:.3f}, {LAT[0]:.3f}]",                   # 3 decimals of a degree (≈ 100 m)
    "x = 105233,4 and nothing else",                   # one coordinate alone
    "105233,4" + " " * 80 + "425683,9",                # far apart
    "1105233,4;4256839",                               # digits inside longer numbers
    "105233,47;425683,91",                             # a different point, 5 cm away
    "106873,8;422001,5",                               # x of one melding, y of another
    "count_2023;count_2024\n12;15\n",
    # a vertex of an area outline (a GeoJSON polygon ring) is not a melding location
    f'{{"coordinates": [[[4.6, 51.8], [{LON[0]:.5f}, {LAT[0]:.5f}], [4.7, 51.8], [4.6, 51.8]]]}}',
])
def test_scanner_ignores_what_is_not_a_melding_location(text):
    assert find_melding_coordinates(text, MELDINGEN) == []


def test_scanner_reports_every_melding_found():
    text = "\n".join(f"{x:.1f};{y:.1f}" for x, y in MELDINGEN[::-1])
    hits = find_melding_coordinates(text, MELDINGEN)
    assert sorted(h.split(":")[0] for h in hits) == ["melding 0", "melding 1", "melding 2"]


# -- the real outputs -----------------------------------------------------------------------------

AGGREGATED = ("buurten.csv", "wijken.csv", "grid.csv", "zones.csv", "summary.json")


@pytest.fixture(scope="module")
def demo_build(tmp_path_factory) -> tuple[Path, np.ndarray, int]:
    """The embedded demonstration data built into a temporary folder, and its meldingen."""
    folder = tmp_path_factory.mktemp("privacy")
    text = (REPO_ROOT / "hotspotkaart.toml").read_text(encoding="utf-8")
    for name in ("geo", "layers"):
        shutil.copytree(REPO_ROOT / name, folder / name)
    (folder / "hotspotkaart.toml").write_text(text, encoding="utf-8")
    out = folder / "maps"
    assert main(["build", "-q", "-c", str(folder / "hotspotkaart.toml"), "-o", str(out)]) == 0
    meldingen = pd.read_csv(folder / "layers" / "overlast_meldingen_demo.csv", sep=";",
                            decimal=",", encoding="utf-8-sig")
    threshold = int(re.search(r"privacy_threshold = (\d+)", text).group(1))
    return out, meldingen[["x", "y"]].to_numpy(dtype=float), threshold


def test_scanner_finds_the_meldingen_where_they_are_meant_to_be(demo_build, tmp_path):
    """Positive control on the real data: the GeoPackage's incident layer, as a CSV, is full."""
    out, meldingen, _ = demo_build
    incidents = gpd.read_file(out / "hotspotkaart.gpkg", layer="incidents")
    table = tmp_path / "incidents.csv"
    pd.DataFrame({"x": incidents.geometry.x, "y": incidents.geometry.y}).to_csv(
        table, sep=";", decimal=",", index=False)
    hits = find_melding_coordinates(table.read_text(encoding="utf-8"), meldingen)
    assert len(hits) == len({tuple(p) for p in meldingen})


@pytest.mark.parametrize("name", AGGREGATED)
def test_aggregated_exports_hold_no_melding_location(demo_build, name):
    out, meldingen, _ = demo_build
    path = out / name
    assert path.is_file()
    assert find_melding_coordinates(path.read_text(encoding="utf-8-sig"), meldingen) == []


def test_field_map_holds_no_melding_location_and_no_small_count(demo_build):
    out, meldingen, threshold = demo_build
    path = out / "veldkaart.html"
    if not path.exists():
        pytest.xfail("veldkaart not built yet")
    html = path.read_text(encoding="utf-8")
    assert find_melding_coordinates(html, meldingen) == []
    counts = [json.loads(f'"{raw}"') for raw in re.findall(r'"meldingen":\s*"([^"]*)"', html)]
    assert counts, "the field map shows counts per area"
    assert f"< {threshold}" in counts  # the demo data has buurten below the threshold
    for shown in counts:
        assert shown == f"< {threshold}" or (shown.isdigit() and int(shown) >= threshold), shown


def test_no_page_holds_a_melding_location(demo_build):
    """Every map is shared beyond the team: none may carry a melding's location."""
    out, meldingen, _ = demo_build
    pages = sorted(out.rglob("*.html"))
    assert out / "overzicht.html" in pages
    for page in pages:
        hits = find_melding_coordinates(page.read_text(encoding="utf-8"), meldingen)
        assert hits == [], page.relative_to(out).as_posix()


def test_summary_totals_match_the_meldingen(demo_build):
    """The scan used the right input: summary.json counts exactly these meldingen."""
    out, meldingen, _ = demo_build
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["incidents"]["read"] == len(meldingen)
