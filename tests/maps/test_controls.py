"""The map controls: the category switch on its own, the drawing tools on the built overview."""

from __future__ import annotations

import json
import re
import warnings

import folium
import pytest
import shapely
from branca.element import Figure
from numpy.testing import assert_allclose
from pyproj import Geod

from hotspotkaart._errors import HotspotkaartWarning
from hotspotkaart.camera.inputs import read_candidates
from hotspotkaart.config.settings import load_config
from hotspotkaart.io.boundaries import read_boundaries
from hotspotkaart.io.ledger import Ledger
from hotspotkaart.maps.controls import CategorySwitch
from hotspotkaart.maps.elements import verbatim_macros
from tests.conftest import REPO_ROOT
from tests.helpers.project import MAPS, PHONE

OPTIONS = [("", "Alle meldingen"), ("jeugd", "Jeugd"), ("alcohol_drugs", "Alcohol/drugs")]
RADIO_NAME = re.compile(r'name=\\"(hk-cat-[^"\\]*)\\"')


def _layer(fmap: folium.Map) -> folium.GeoJson:
    feature = {"type": "Feature", "properties": {"_colour": "#ffffff"},
               "geometry": {"type": "Point", "coordinates": [4.67, 51.8]}}
    return folium.GeoJson({"type": "FeatureCollection", "features": [feature]}).add_to(fmap)


def _page(n_switches: int) -> tuple[str, list[CategorySwitch]]:
    fmap = folium.Map(location=[51.8, 4.67], zoom_start=13, tiles=None)
    layer = _layer(fmap)
    switches = [CategorySwitch([layer], OPTIONS) for _ in range(n_switches)]
    for switch in switches:
        fmap.add_child(switch)
    with verbatim_macros():
        return fmap.get_root().render(), switches


def test_category_switch_html_is_the_same_in_every_build():
    first_page, [first] = _page(1)
    second_page, [second] = _page(1)
    assert first.html == second.html
    assert RADIO_NAME.findall(first_page) == ["hk-cat-1"] * len(OPTIONS)
    assert RADIO_NAME.findall(second_page) == RADIO_NAME.findall(first_page)
    assert "hk-cat-1" in first.html
    assert str(id(first)) not in first_page


def test_category_switches_on_one_map_have_their_own_radio_group():
    page, switches = _page(2)
    assert [s.group for s in switches] == ["hk-cat-1", "hk-cat-2"]
    names = RADIO_NAME.findall(page)
    assert names == ["hk-cat-1"] * len(OPTIONS) + ["hk-cat-2"] * len(OPTIONS)


def test_category_switches_on_two_maps_of_one_page_have_their_own_radio_group():
    figure = Figure()
    switches = []
    for left in ("0%", "50%"):
        fmap = folium.Map(location=[51.8, 4.67], tiles=None, position="absolute", left=left,
                          width="50%")
        figure.add_child(fmap)
        switch = CategorySwitch([_layer(fmap)], OPTIONS)
        fmap.add_child(switch)
        switches.append(switch)
    with verbatim_macros():
        page = figure.render()
    assert [s.group for s in switches] == ["hk-cat-1", "hk-cat-2"]
    assert sorted(set(RADIO_NAME.findall(page))) == ["hk-cat-1", "hk-cat-2"]


def test_a_detached_category_switch_still_renders_its_panel():
    switch = CategorySwitch([], OPTIONS, title="Soort <overlast>")
    assert switch.group == "hk-cat-1"
    assert "Soort &lt;overlast&gt;" in switch.html
    assert switch.html.count('name="hk-cat-1"') == len(OPTIONS)


# -- DrawAreas --------------------------------------------------------------------------------


def test_areas_drawn_on_the_overview_are_saved_for_the_camera_command(embedded_build, open_map,
                                                                      tmp_path):
    page = open_map(embedded_build / "overzicht.html")
    p = page.page
    save = p.locator(".leaflet-draw .hk-draw-save")
    assert save.inner_text() == "Tekening opslaan"
    assert p.locator("#export").count() == 0  # folium's own link lay under the title panel
    box = save.bounding_box()
    covering = page.evaluate("([x, y]) => document.elementFromPoint(x, y).className",
                             [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    assert covering == "hk-draw-save"  # nothing lies over the button
    assert p.locator(".leaflet-draw-draw-polygon").get_attribute("title") == "Teken een gebied"
    save.click()  # nothing drawn: no empty file, but a hint
    assert save.inner_text() == "Teken eerst een gebied"

    p.locator(".leaflet-draw-draw-rectangle").click()
    frame = p.locator(".leaflet-container").bounding_box()
    x, y = frame["x"] + frame["width"] * 0.45, frame["y"] + frame["height"] * 0.5
    p.mouse.move(x, y)
    p.mouse.down()
    p.mouse.move(x + 60, y + 40, steps=5)
    p.mouse.up()
    with p.expect_download() as saved:
        save.click()
    assert saved.value.suggested_filename == "kandidaatgebied.geojson"
    path = tmp_path / "kandidaatgebied.geojson"
    saved.value.save_as(path)
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    assert [f["geometry"]["type"] for f in features] == ["Polygon"]

    area = load_config(REPO_ROOT / "hotspotkaart.toml").area
    outline = read_boundaries(area, Ledger()).outline
    with warnings.catch_warnings():
        warnings.simplefilter("error", HotspotkaartWarning)
        candidates = read_candidates(path, outline)
    assert candidates["name"].tolist() == ["kandidaat 1"]
    drawn = candidates.geometry.iloc[0]
    assert shapely.within(drawn, outline)
    assert 2_000 < drawn.area < 2_000_000  # m²: 60 × 40 px at the opening zoom level
    assert page.console_errors == []
    assert page.dialogs == []


def test_the_save_button_fits_beside_the_panels_on_a_phone(embedded_build, open_map):
    page = open_map(embedded_build / "overzicht.html", viewport=PHONE)
    save = page.page.locator(".leaflet-draw .hk-draw-save").bounding_box()
    bar = page.page.locator(".leaflet-draw-toolbar").first.bounding_box()
    assert save["x"] + save["width"] <= PHONE[0] / 2  # in the left column of controls
    assert abs(bar["width"] - 44) < 12  # the toolbar keeps its width: the button is its own
    page.screenshot("dordrecht-overzicht-draw-360")


@pytest.mark.parametrize("page", ["overzicht.html", "vergelijking.html", "veldkaart.html"])
def test_the_ruler_measures_what_pyproj_measures(built, open_map, page):
    shown = open_map(built / page)
    p = shown.page
    ruler = p.get_by_role("button", name="Afstand meten").first
    ruler.click()
    assert ruler.get_attribute("aria-pressed") == "true"
    box = p.locator(".leaflet-container").first.bounding_box()
    clicks = [(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
              for fx, fy in ((0.45, 0.3), (0.55, 0.55), (0.4, 0.7))]
    for x, y in clicks:
        p.mouse.click(x, y)
    lat_lon = shown.evaluate(
        "(pts) => { const map = " + MAPS + "[0], b = map.getContainer().getBoundingClientRect();"
        " return pts.map(([x, y]) => { const l = map.containerPointToLatLng([x - b.left,"
        " y - b.top]); return [l.lat, l.lng]; }); }", clicks)
    lats, lons = zip(*lat_lon, strict=True)
    metres = Geod(ellps="WGS84").line_length(lons, lats)
    label = p.locator(".leaflet-tooltip.hk-measure").first.inner_text()
    km = float(re.fullmatch(r"Afstand (\d+,\d\d) km", label).group(1).replace(",", "."))
    assert_allclose(km, metres / 1000, atol=0.006 + 0.005 * metres / 1000)  # sphere vs WGS84
    assert p.locator(".leaflet-popup").count() == 0  # the clicks measured, opened nothing
    p.keyboard.press("Escape")
    assert ruler.get_attribute("aria-pressed") == "false"
    assert shown.console_errors == []


def test_the_fullscreen_button_shows_the_page_on_the_whole_screen(built, open_map):
    shown = open_map(built / "overzicht.html")
    p = shown.page
    p.get_by_role("button", name="Volledig scherm").click()
    p.wait_for_function("() => document.fullscreenElement === document.documentElement")
    closing = p.get_by_role("button", name="Volledig scherm sluiten")
    closing.click()
    p.wait_for_function("() => document.fullscreenElement === null")
    assert p.get_by_role("button", name="Volledig scherm").count() == 1
    assert shown.console_errors == []
