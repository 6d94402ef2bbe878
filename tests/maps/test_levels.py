"""What an overview draws at each zoom: gemeenten, wijken and buurten as each is legible."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from hotspotkaart._naming import gemeente_pages
from hotspotkaart.config.settings import load_config
from hotspotkaart.io.crs import RD
from hotspotkaart.maps import levels
from hotspotkaart.maps import overview as maps
from hotspotkaart.maps.featurestore import display_coverage
from hotspotkaart.maps.offline import write_html
from hotspotkaart.maps.overview import _change_layer, buurt_fields, overview_map
from hotspotkaart.maps.pages import gemeente_overview, render
from hotspotkaart.pipeline import analyse, map_context, map_data
from tests.helpers.project import COUNT_FEATURES, MAPS, PHONE, REPO_ROOT, map_project_config
from tests.helpers.region import region_config


def _buurten(codes, gemeenten=None, names=None):
    shapes = [shapely.box(i * 100.0, 0.0, (i + 1) * 100.0, 100.0) for i in range(len(codes))]
    frame = {"buurtcode": codes, "count_2023": list(range(len(codes))),
             "count_2024": [2] * len(codes)}
    if gemeenten is not None:
        frame["gemeentecode"] = gemeenten
        frame["gemeentenaam"] = names
    return gpd.GeoDataFrame(frame, geometry=shapes, crs=RD)


def test_gemeenten_are_dissolved_from_the_buurten_with_their_counts():
    buurten = _buurten(["BU00010100", "BU00010101", "BU00020100"], ["GM9999"] * 3,
                       ["Land"] * 3)
    before = buurten.copy()
    gemeenten = levels.display_gemeenten(buurten, (2023, 2024))
    assert buurten.equals(before)
    # one code for all: the gemeente is named by the buurtcode's four digits
    assert gemeenten["gemeentecode"].tolist() == ["GM0001", "GM0002"]
    assert gemeenten["count_2023"].tolist() == [1, 2]
    assert gemeenten["count_2024"].tolist() == [4, 2]
    assert gemeenten.geometry.iloc[0].equals(shapely.box(0, 0, 200, 100))
    assert gemeenten.crs == RD
    named = levels.display_gemeenten(
        _buurten(["BU05050100", "BU05050101", "BU05900100"], ["GM0505", "GM0505", "GM0590"],
                 ["Dordrecht", "Dordrecht", "Zwijndrecht"]), (2023, 2024))
    assert named["gemeentenaam"].tolist() == ["Dordrecht", "Zwijndrecht"]


_TEXTS = """(fields) => { const out = {};
  """ + MAPS + """.forEach(m => m.eachLayer(l => {
    if (l.feature && l.feature.properties.buurtcode && l.feature.properties.zoeknaam) {
      const p = l.feature.properties, row = {};
      fields.forEach(f => { row[f] = p[f]; }); out[p.buurtcode] = row; } }));
  return out; }"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    result = analyse(map_project_config(tmp_path_factory.mktemp("levels")))
    return map_data(result), map_context(result)


def test_every_text_the_browser_builds_is_the_text_python_wrote(project, tmp_path, open_map):
    data, context = project
    path = tmp_path / "overzicht.html"
    write_html(path, render(overview_map(data, context)))
    shown = open_map(path)
    expected = _change_layer(data, context, data.buurten)
    fields = [*buurt_fields(data, context), "zoeknaam", "_colour"]
    made = shown.evaluate(_TEXTS, fields)
    assert len(made) == len(data.buurten)
    for i, code in enumerate(expected["buurtcode"]):
        for field in fields:
            assert made[code][field] == expected[field][i], (code, field)
    assert shown.console_errors == []


_GEMEENTE = """(event) => { let found = null;
  """ + MAPS + """.forEach(m => m.eachLayer(l => {
    if (!found && l.feature && l.feature.properties.gemeentecode && l._path) { found = l; } }));
  if (!found) { return false; }
  found.fire(event, {latlng: found.getCenter()}, true); return true; }"""


def _view(page, zoom, at=None):
    """Set the view (no animation), then let the layers follow."""
    centre = "m.getCenter()" if at is None else f"L.latLng({at[0]}, {at[1]})"
    page.evaluate(f"() => {{ const m = {MAPS}[0]; m.setView({centre}, {zoom}, "
                  "{animate: false}); }")
    page.page.wait_for_timeout(300)


def test_gemeenten_first_then_buurten_and_cells_as_one_zooms_in(project, tmp_path, open_map,
                                                               monkeypatch):
    # as at national scale: more buurten than are legible in one view
    monkeypatch.setattr(levels, "LEGIBLE_BUURTEN", 20)
    monkeypatch.setattr(maps, "LEGIBLE_BUURTEN", 20)
    data, context = project
    path = tmp_path / "overzicht.html"
    write_html(path, render(overview_map(data, context)))
    for viewport in ((1280, 800), PHONE):
        shown = open_map(path, viewport=viewport)
        p = shown.page
        labels = " ".join(p.locator(".leaflet-control-layers label").all_inner_texts())
        assert "Gemeenten (1; buurten bij inzoomen)" in labels
        p.locator(".leaflet-control-layers").hover()
        p.get_by_text("Hot spots 2024", exact=True).click()  # the planted cluster
        p.mouse.move(30, 30)  # on the zoom buttons: no tooltip follows the pointer
        _view(shown, 11)
        assert shown.evaluate(COUNT_FEATURES, "gemeentecode") == 1
        assert shown.evaluate(COUNT_FEATURES, "buurtcode") == 0
        assert shown.evaluate(COUNT_FEATURES, "klasse") == 0  # 100 m cells are specks at 11
        shown.screenshot(f"levels-gemeenten-{viewport[0]}")
        # its tooltip names it; a click on it zooms in on it
        assert shown.evaluate(_GEMEENTE, "mouseover")
        tip = p.locator(".leaflet-tooltip").first.inner_text()
        assert "Gemeente" in tip
        assert "GM0505" in tip
        assert "klik om in te zoomen" in tip
        _view(shown, 8)
        assert shown.evaluate(_GEMEENTE, "click")
        p.wait_for_timeout(600)
        assert shown.evaluate(f"{MAPS}[0].getZoom()") > 8
        buurt = data.buurten.to_crs(4326).geometry.iloc[0].representative_point()
        _view(shown, 17, (buurt.y, buurt.x))
        drawn = shown.evaluate(COUNT_FEATURES, "buurtcode")
        assert 0 < drawn < len(data.buurten)  # the buurten near the view
        assert shown.evaluate(COUNT_FEATURES, "gemeentecode") == 0
        _view(shown, 14)
        assert shown.evaluate(COUNT_FEATURES, "klasse") > 0  # the hot spots, drawn again
        shown.screenshot(f"levels-buurten-{viewport[0]}")
        assert shown.console_errors == []


def test_search_finds_a_buurt_that_is_not_drawn_yet(project, tmp_path, open_map, monkeypatch):
    monkeypatch.setattr(levels, "LEGIBLE_BUURTEN", 20)
    monkeypatch.setattr(maps, "LEGIBLE_BUURTEN", 20)
    data, context = project
    path = tmp_path / "overzicht.html"
    write_html(path, render(overview_map(data, context)))
    shown = open_map(path)
    _view(shown, 11)
    p = shown.page
    p.locator(".leaflet-control-search .search-button").click()
    p.locator(".leaflet-control-search input").press_sequentially("Lijnbaa", delay=30)
    tip = p.locator(".search-tip").first
    tip.wait_for()
    tip.click()
    popup = p.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "BU05050202" in popup.inner_text()
    p.wait_for_timeout(500)
    assert shown.evaluate(COUNT_FEATURES, "buurtcode") > 0  # zoomed in: the buurten drawn
    assert shown.console_errors == []


@pytest.mark.parametrize("zoom", [levels.BUURT_DETAIL_ZOOM, levels.GEMEENTE_DETAIL_ZOOM])
def test_dordrechts_buurten_stay_a_coverage_when_simplified_for_display(zoom):
    buurten = gpd.read_file(REPO_ROOT / "geo" / "dordrecht_buurten_2024.geojson").to_crs(RD)
    tolerance, decimals = levels.detail(zoom)
    assert decimals == (6 if zoom == levels.BUURT_DETAIL_ZOOM else 4)
    shown = display_coverage(buurten, tolerance).to_numpy()
    assert bool(shapely.coverage_is_valid(shown))  # neighbours neither overlap nor part
    union = shapely.union_all(shown)
    assert union.area == pytest.approx(sum(s.area for s in shown), rel=1e-9)
    holes = sum(shapely.get_num_interior_rings(p) for p in shapely.get_parts(union))
    before = shapely.union_all(buurten.geometry.to_numpy())
    assert holes == sum(shapely.get_num_interior_rings(p) for p in shapely.get_parts(before))
    assert union.area == pytest.approx(before.area, rel=1e-3)


_BUURT_POPUP = """(code) => { let found = null;
  """ + MAPS + """.forEach(m => m.eachLayer(l => {
    if (!found && l.feature && l._path && l.feature.properties.buurtcode === code) {
      found = l; } }));
  if (!found) { return null; }
  found.fire('click', {latlng: found.getCenter()}, true);
  const box = document.querySelector('.leaflet-popup-content');
  const link = box && box.querySelector('.hk-popup-heat a');
  return {link: link && link.getAttribute('href'), text: box && box.innerText,
          chart: !!(box && box.querySelector('svg.hk-chart-popup'))}; }"""


def test_a_national_overview_leaves_each_buurts_chart_to_its_gemeente_page(
        tmp_path, open_map, monkeypatch):
    # a region of more buurten than are legible at once, as a province or the country
    monkeypatch.setattr(levels, "LEGIBLE_BUURTEN", 20)
    monkeypatch.setattr(maps, "LEGIBLE_BUURTEN", 20)
    result = analyse(load_config(region_config(tmp_path)))
    data, context = map_data(result), map_context(result)
    page = render(overview_map(data, context))
    assert '"_chart_page"' in page
    assert "hk-chart-popup" in page  # the script that draws a chart or a link, no chart data
    assert '"BU05050202":[' not in page
    path = tmp_path / "overzicht.html"
    write_html(path, page)
    pages = gemeente_pages(data.gemeenten["gemeentecode"].tolist())
    busiest = int(data.buurten["count_2024"].to_numpy().argmax())  # it has a chart
    code, gemeente = (str(v) for v in data.buurten[["buurtcode", "gemeentecode"]].iloc[busiest])
    shown = open_map(path)
    buurt = data.buurten.to_crs(4326).geometry.iloc[busiest].representative_point()
    _view(shown, 18, (buurt.y, buurt.x))
    popup = shown.evaluate(_BUURT_POPUP, code)
    assert popup is not None
    assert popup["link"] == pages[gemeente]
    assert "op de kaart van de gemeente" in popup["text"]
    assert not popup["chart"]
    shown.screenshot("levels-national-buurt-popup")
    assert shown.console_errors == []
    # the gemeente's own page draws the buurt's chart
    own = tmp_path / pages[gemeente]
    own.parent.mkdir()
    write_html(own, render(gemeente_overview(data, context, gemeente)))
    shown = open_map(own)
    _view(shown, 18, (buurt.y, buurt.x))
    popup = shown.evaluate(_BUURT_POPUP, code)
    assert popup is not None
    assert popup["chart"]
    assert popup["link"] is None
