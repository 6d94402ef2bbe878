"""Script injection: every text of every input carries payloads; no produced page runs them.

The meldingen (category, melding id), the zones (name), the named locations (name, status), the
boundary file (buurtnaam, wijknaam) and the configuration (area name, edition, credit) all carry
``<script>``, ``<img onerror>``, backticks, ``${…}``, quotes and ``</script>``. The build goes
through the command line; every produced HTML page is then opened in headless Chromium with the
network blocked, and its popups, tooltips and search box are opened on the features that carry a
payload. Nothing may run, no payload element may exist, and the payload must read as text.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import geopandas as gpd
import pytest

from hotspotkaart.cli.main import main
from tests.helpers.project import BUURTEN, CATEGORIES, interior_points

PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "`${alert(1)}`",
    "\"'><svg onload=alert(1)>",
    "</script><script>alert(1)</script>",
    "{{ 7*7 }}{% if true %}jinja{% endif %}",  # branca compiles rendered scripts
)
#: A text that combines them, as one field might.
COMBINED = "Overlast `${alert(1)}` \"quoted\" 'single' </script><img src=x onerror=alert(1)>"
ALL = (*PAYLOADS, COMBINED)

FIND_PAYLOAD_ELEMENTS = """() => {
  const bad = [];
  document.querySelectorAll('img[src="x"], svg[onload], [onerror], [onload]')
    .forEach(el => bad.push(el.outerHTML.slice(0, 120)));
  for (const s of document.scripts) {
    if (/^\\s*alert\\(1\\)\\s*$/.test(s.textContent)) bad.push('script: ' + s.textContent);
  }
  return bad;
}"""

#: Open the popup and the tooltip of every feature whose properties carry a payload.
OPEN_PAYLOAD_FEATURES = """() => {
  if (typeof L === 'undefined') return [];
  const map = Object.values(window).find(v => v instanceof L.Map);
  if (!map) return [];
  const shown = [];
  const groups = Object.values(window).filter(v => v instanceof L.GeoJSON);
  for (const group of groups) {
    if (!map.hasLayer(group)) map.addLayer(group);
    group.eachLayer(layer => {
      const props = (layer.feature && layer.feature.properties) || {};
      const hit = Object.values(props).some(v => typeof v === 'string' && v.includes('alert(1)'));
      if (!hit) return;
      const at = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
      if (group.getPopup()) {
        layer.fire('click', {latlng: at}, true);
        const el = document.querySelector('.leaflet-popup-content');
        shown.push(['popup', el ? el.innerText : '']);
        map.closePopup();
      }
      if (group.getTooltip()) {
        layer.fire('mouseover', {latlng: at}, true);
        const tip = group.getTooltip().getElement();
        shown.push(['tooltip', tip ? tip.innerText : '']);
        layer.fire('mouseout', {latlng: at}, true);
      }
    });
  }
  return shown;
}"""


def _toml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    buurten = gpd.read_file(BUURTEN)
    for i, payload in enumerate(ALL):
        buurten.loc[i * 7, "buurtnaam"] = payload
    buurten.loc[buurten["wijkcode"] == "WK050501", "wijknaam"] = PAYLOADS[4]
    buurten.loc[buurten["wijkcode"] == "WK050503", "wijknaam"] = COMBINED
    buurten.to_file(folder / "buurten.geojson", driver="GeoJSON")

    points = interior_points(90, seed=23)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["id", "datum", "soort", "x", "y"])
    categories = [*CATEGORIES, *ALL]
    for i, p in enumerate(points):
        writer.writerow([f"{ALL[i % len(ALL)]} #{i}", f"{1 + i % 28:02d}-{1 + i % 12:02d}-"
                         f"{2023 + i % 2} 21:30", categories[i % len(categories)],
                         f"{p.x:.1f}".replace(".", ","), f"{p.y:.1f}".replace(".", ",")])
    writer.writerow(["rejected <img src=x onerror=alert(1)>", "31-02-2024", PAYLOADS[0],
                     "105000", "425000"])
    (folder / "meldingen.csv").write_text(buffer.getvalue(), encoding="utf-8")

    zones = gpd.GeoDataFrame(
        {"naam": [PAYLOADS[0], PAYLOADS[1], COMBINED],
         "geldig_vanaf": ["2023-01-01", "2023-01-01", "2024-01-01"],
         "geldig_tot": [None, None, None]},
        geometry=[points.iloc[i].buffer(250, cap_style="square") for i in (0, 1, 2)],
        crs="EPSG:28992")
    for kind, i in (("cameratoezicht", 0), ("alcoholverbod", 1), ("veiligheidsrisicogebied", 2)):
        zones.iloc[[i]].to_file(folder / f"{kind}.geojson", driver="GeoJSON")
    locations = gpd.GeoDataFrame(
        {"naam": [PAYLOADS[2], PAYLOADS[3], PAYLOADS[1]], "jaar": [2023, 2024, 2024],
         "status": [PAYLOADS[4], COMBINED, PAYLOADS[0]]},
        geometry=[points.iloc[i] for i in (3, 4, 5)], crs="EPSG:28992")
    locations.to_file(folder / "locaties.geojson", driver="GeoJSON")

    zone_tables = "".join(
        f'[[zones]]\nkind = "{kind}"\npath = "{kind}.geojson"\nname = "naam"\n'
        'valid_from = "geldig_vanaf"\nvalid_to = "geldig_tot"\n\n'
        for kind in ("cameratoezicht", "alcoholverbod", "veiligheidsrisicogebied"))
    config = folder / "hotspotkaart.toml"
    config.write_text(f"""
[area]
name = {_toml("Dordrecht " + PAYLOADS[1])}
municipality_code = "GM0505"
buurten = "buurten.geojson"
edition = {_toml(PAYLOADS[4])}
credit = {_toml("Kadaster / Centraal Bureau voor de Statistiek, 2024 " + PAYLOADS[3])}

[periods]
base = 2023
compare = 2024

[[incidents]]
path = "meldingen.csv"
date = "datum"
category = "soort"
x = "x"
y = "y"
crs = "EPSG:28992"
id = "id"

{zone_tables}
[[locations]]
path = "locaties.geojson"

[analysis]
cell_size = 500
min_count = 1
""", encoding="utf-8")
    out = folder / "kaarten"
    assert main(["build", "-q", "-c", str(config), "-o", str(out)]) == 0
    return out


def _pages(out: Path) -> list[Path]:
    pages = sorted(out.rglob("*.html"))
    assert out / "overzicht.html" in pages
    return pages


def test_no_page_runs_a_payload_and_popups_show_it_as_text(hostile_build, open_map):
    opened = 0
    for page_path in _pages(hostile_build):
        name = page_path.relative_to(hostile_build).as_posix()
        page = open_map(page_path)
        page.page.wait_for_timeout(200)
        assert page.evaluate(FIND_PAYLOAD_ELEMENTS) == [], name
        shown = page.evaluate(OPEN_PAYLOAD_FEATURES)
        # a popup shows every field, a tooltip only its brief ones (a buurt's name, counts and
        # verdict; a zone's name): the payload is shown as text wherever it is shown
        for kind, text in shown:
            if kind == "popup":
                assert any(payload in text for payload in ALL), (name, kind, text)
        opened += len(shown)
        if page_path.name == "overzicht.html":
            assert {kind for kind, _ in shown} == {"popup", "tooltip"}
            assert any(any(payload in text for payload in ALL)
                       for kind, text in shown if kind == "tooltip")
            page.screenshot("injection-overzicht")
        assert page.dialogs == [], name
        assert page.evaluate(FIND_PAYLOAD_ELEMENTS) == [], name
        assert page.console_errors == [], name
        assert page.blocked_requests == [], name
    assert opened > 0


def test_search_box_lists_payload_names_as_text(hostile_build, open_map):
    page = open_map(hostile_build / "overzicht.html")
    p = page.page
    p.locator(".leaflet-control-search .search-button").first.click()
    p.locator(".leaflet-control-search input").first.type("onerror", delay=30)
    tips = p.locator(".search-tip")
    tips.first.wait_for()
    texts = tips.all_inner_texts()
    assert "<img src=x onerror=alert(1)> (buurt)" in texts
    tips.filter(has_text="<img src=x onerror=alert(1)> (buurt)").first.click()
    popup = p.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "<img src=x onerror=alert(1)>" in popup.inner_text()
    assert page.dialogs == []
    assert page.evaluate(FIND_PAYLOAD_ELEMENTS) == []
    assert page.console_errors == []
    assert page.blocked_requests == []


def test_no_page_evaluates_template_syntax_from_the_data(hostile_build):
    pages = {p.name: p.read_text(encoding="utf-8") for p in _pages(hostile_build)}
    for name, html in pages.items():
        assert "49jinja" not in html, name
    assert "{{ 7*7 }}{% if true %}jinja{% endif %}" in pages["overzicht.html"]


def test_tables_keep_payloads_verbatim(hostile_build):
    rejected = (hostile_build / "rejected.csv").read_text(encoding="utf-8-sig")
    assert "rejected <img src=x onerror=alert(1)>" in rejected
    summary = json.loads((hostile_build / "summary.json").read_text(encoding="utf-8"))
    assert set(ALL) <= set(summary["per_category"])
