"""The overview map: built from realistic data, opened offline in headless Chromium."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from hotspotkaart.maps import MapContext, overview_map
from hotspotkaart.offline import external_references, inline_assets

from ._helpers import BUURTEN

INJECTION = "<img src=x onerror=alert(1)>"
CLASSES = ["significante stijging", "significante daling", "geen significante verandering",
           "te weinig meldingen"]


@pytest.fixture(scope="module")
def layers():
    buurten = gpd.read_file(BUURTEN)
    n = len(buurten)
    buurten["count_2023"] = [i % 17 for i in range(n)]
    buurten["count_2024"] = [(i * 7) % 13 for i in range(n)]
    buurten["diff"] = buurten["count_2024"] - buurten["count_2023"]
    buurten["change_class"] = [CLASSES[i % 4] for i in range(n)]
    buurten.loc[0, "buurtnaam"] = INJECTION
    square = buurten.geometry.iloc[5].centroid.buffer(250, cap_style="square")
    zones = gpd.GeoDataFrame(
        {"kind": ["cameratoezicht", "alcoholverbod"], "name": [INJECTION, "Centrum"],
         "valid_from": pd.to_datetime(["2023-01-01", "2024-07-01"]),
         "valid_to": pd.to_datetime([None, None])},
        geometry=[square, square.buffer(50)], crs="EPSG:28992")
    locations = gpd.GeoDataFrame(
        {"name": ["Leerpark", INJECTION], "year": [2023, 2024], "status": ["afgenomen", "nieuw"]},
        geometry=list(buurten.geometry.iloc[[10, 20]].representative_point()), crs="EPSG:28992")
    return buurten, zones, locations


COUNT_BUURT_POLYGONS = """() => {
  const map = Object.values(window).find(v => v instanceof L.Map);
  let n = 0;
  map.eachLayer(l => { if (l.feature && l.feature.properties.buurtcode && l._path) n += 1; });
  return n;
}"""


def _context(**kwargs) -> MapContext:
    values = {"area_name": "Dordrecht", "years": (2023, 2024),
              "credit": "Kadaster / Centraal Bureau voor de Statistiek, 2024",
              "method": ["Perioden: 2023 en 2024"], "key_figures": ["Meldingen 2023: 10"],
              "synthetic": True}
    values.update(kwargs)
    return MapContext(**values)


@pytest.fixture(scope="module")
def html_path(layers, tmp_path_factory):
    page = overview_map(*layers, _context()).get_root().render()
    path = tmp_path_factory.mktemp("map") / "overzicht.html"
    path.write_text(inline_assets(page), encoding="utf-8")
    return path


def test_page_is_self_contained_and_the_caller_frames_are_untouched(layers, html_path):
    buurten, _, _ = layers
    assert buurten.crs.to_epsg() == 28992  # rendering reprojects a copy only
    html = html_path.read_text(encoding="utf-8")
    assert external_references(html) == []
    assert "Demonstratiedata" in html


def test_overview_map_in_the_browser(open_map, html_path):
    page = open_map(html_path)
    assert page.evaluate("typeof L") == "object"
    # the 132 buurten of the change layer are drawn; the year layers start hidden
    assert page.evaluate(COUNT_BUURT_POLYGONS) == 132
    # + the camera zone and the two location markers; the alcoholverbod layer starts hidden
    assert page.page.locator("path.leaflet-interactive").count() == 132 + 1 + 2
    assert page.page.locator(".leaflet-control-layers").count() == 1
    labels = page.page.locator(".leaflet-control-layers label").all_inner_texts()
    joined = " ".join(labels)
    for expected in ("PDOK achtergrondkaart grijs", "Geen achtergrond",
                     "Verandering 2023→2024 per buurt", "Meldingen 2023 per buurt",
                     "Meldingen 2024 per buurt", "Cameratoezicht (1)", "Alcoholverbod (1)",
                     "Overlastlocaties 2023 (1)", "Overlastlocaties 2024 (1)"):
        assert expected in joined
    assert "Kadaster / Centraal Bureau voor de Statistiek, 2024" in page.page.locator(
        ".leaflet-control-attribution").inner_text()
    assert page.console_errors == []
    assert page.blocked_requests == []
    assert page.dialogs == []
    assert page.page.locator("img[src='x']").count() == 0
    page.screenshot("overzicht-unit-desktop")


def test_layers_switch_and_tooltips_show_escaped_text(open_map, html_path):
    page = open_map(html_path)
    p = page.page
    p.locator(".leaflet-control-layers").hover()
    p.get_by_text("Meldingen 2023 per buurt").click()
    assert page.evaluate(COUNT_BUURT_POLYGONS) == 2 * 132
    p.get_by_text("Geen achtergrond").click()
    point = page.evaluate("""() => {
      const map = Object.values(window).find(v => v instanceof L.Map);
      let target = null;
      map.eachLayer(l => { if (l.feature && l.feature.properties.buurtcode === 'BU05050100')
        target = l; });
      map.setView(target.getCenter(), 16, {animate: false});
      const pt = map.latLngToContainerPoint(target.getCenter());
      const box = map.getContainer().getBoundingClientRect();
      return [pt.x + box.left, pt.y + box.top];
    }""")
    p.mouse.click(point[0], point[1])
    popup = p.locator(".leaflet-popup-content")
    assert INJECTION in popup.inner_text()
    assert p.locator("img[src='x']").count() == 0
    assert page.dialogs == []
    assert page.console_errors == []


def test_phone_viewport(open_map, html_path):
    page = open_map(html_path, viewport=(360, 740))
    assert page.page.locator(".leaflet-control-layers").is_visible()
    assert page.console_errors == []
    page.screenshot("overzicht-unit-phone")
