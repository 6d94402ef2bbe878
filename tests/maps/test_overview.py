"""Every kind of map, built by the pipeline from realistic data, opened offline in Chromium."""

from __future__ import annotations

import dataclasses
import json
import re

import folium
import numpy as np
import pytest

from hotspotkaart.maps import overview as maps
from hotspotkaart.maps.elements import GeoJsonPopup, GeoJsonTooltip
from hotspotkaart.maps.fieldmap import field_map
from hotspotkaart.maps.layers import feature_collection
from hotspotkaart.maps.offline import external_references
from hotspotkaart.maps.overview import overview_map, wijk_map
from hotspotkaart.maps.pages import comparison_page, render
from hotspotkaart.pipeline import analyse, map_context, map_data
from hotspotkaart.stats.classbreaks import CountBreaks, bin_labels, count_breaks, shared_bins
from tests.helpers.project import (
    COUNT_FEATURES,
    INJECTION,
    MAPS,
    PHONE,
    assert_scale_bars_in_metres_and_clear,
    map_project_config,
    wgs84_frame,
)


def _all_html(out):
    return sorted(out.rglob("*.html"))


def test_every_map_is_written_and_self_contained(built):
    names = sorted(str(p.relative_to(built)) for p in _all_html(built))
    assert names[:4] == ["index.html", "overzicht.html", "veldkaart.html", "vergelijking.html"]
    assert len([n for n in names if n.startswith("wijken/")]) == 13
    for path in _all_html(built):
        html = path.read_text(encoding="utf-8")
        assert external_references(html) == [], path
        assert INJECTION not in html, path
        assert "Kadaster / Centraal Bureau voor de Statistiek, 2024" in html, path


def test_overview_in_the_browser(built, open_map):
    page = open_map(built / "overzicht.html")
    assert page.evaluate(COUNT_FEATURES, "buurtcode") == 132
    labels = " ".join(page.page.locator(".leaflet-control-layers label").all_inner_texts())
    for expected in ("PDOK achtergrondkaart grijs", "PDOK luchtfoto", "Geen achtergrond",
                     "Verandering 2023→2024 per buurt", "Meldingen 2023 per buurt",
                     "Verandering 2023→2024 per cel (getoetst)", "Hot spots 2024",
                     "nieuw, blijvend, verdwenen (beschrijving, niet getoetst)", "Wijkgrenzen"):
        assert expected in labels
    assert page.console_errors == []
    assert page.blocked_requests == []
    assert page.dialogs == []
    page.screenshot("overzicht-desktop")


def test_overview_layers_switch_and_category_restyles(built, open_map):
    page = open_map(built / "overzicht.html")
    p = page.page
    shown = page.evaluate(COUNT_FEATURES, "klasse")  # the tested change per cell, shown
    p.locator(".leaflet-control-layers").hover()
    p.get_by_text("Hot spots 2024", exact=True).click()
    hot = page.evaluate(COUNT_FEATURES, "klasse") - shown
    assert hot > 0  # the planted cluster is a hot spot
    colours = ("() => { const s = new Set(); " + MAPS + ".forEach(m => m.eachLayer(l => {"
               " if (l.feature && l.feature.properties.buurtcode && l.options.fillColor)"
               " s.add(l.feature.properties.buurtcode + l.options.fillColor); }));"
               " return [...s].sort(); }")
    before = page.evaluate(colours)
    p.get_by_role("radio", name="Jeugd").check()
    after = page.evaluate(colours)
    assert before != after  # some buurt changed colour for the category
    assert page.console_errors == []


def test_search_finds_a_buurt_and_opens_its_popup(built, open_map):
    page = open_map(built / "overzicht.html")
    p = page.page
    p.locator(".leaflet-control-search .search-button").click()
    p.locator(".leaflet-control-search input").press_sequentially("Lijnbaa", delay=30)
    tip = p.locator(".search-tip").first
    tip.wait_for()
    assert "Lijnbaan (buurt)" in tip.inner_text()
    tip.click()
    popup = p.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Lijnbaan" in popup.inner_text()
    assert "BU05050202" in popup.inner_text()
    assert page.console_errors == []


def test_wijk_map_has_its_buurten_and_a_sortable_table(built, open_map):
    page = open_map(built / "wijken" / "WK050501.html")
    assert page.evaluate(COUNT_FEATURES, "buurtcode") == 15  # the Binnenstad's buurten
    p = page.page
    p.locator(".hk-sortable summary").click()
    rows = p.locator(".hk-sortable tbody tr")
    assert rows.count() == 15
    header = p.locator(".hk-sortable th").nth(2)
    header.click()
    header.click()  # descending
    values = [int(v.replace(".", "")) for v in
              p.locator(".hk-sortable tbody tr td:nth-child(3)").all_inner_texts()]
    assert values == sorted(values, reverse=True)
    assert page.console_errors == []
    page.screenshot("wijk-WK050501-desktop")


def test_embedded_dordrecht_maps_open_offline(embedded_build, open_map):
    summary = json.loads((embedded_build / "summary.json").read_text(encoding="utf-8"))
    assert summary["demonstration_data"] is True
    page = open_map(embedded_build / "overzicht.html")
    assert page.evaluate("typeof L") == "object"
    assert page.evaluate(COUNT_FEATURES, "buurtcode") == 132
    assert page.page.locator(".leaflet-control-layers").count() == 1
    assert "Demonstratiedata" in page.page.content()
    assert page.console_errors == []
    assert page.blocked_requests == []
    page.screenshot("dordrecht-overzicht-desktop")
    for name, viewport in (("veldkaart.html", PHONE), ("overzicht.html", PHONE),
                           ("wijken/WK050505.html", PHONE), ("wijken/WK050505.html", (1280, 800))):
        other = open_map(embedded_build / name, viewport=viewport)
        assert other.console_errors == [], name
        assert other.blocked_requests == [], name
        assert_scale_bars_in_metres_and_clear(other.page, name)
        other.screenshot(f"dordrecht-{name.replace('/', '-')[:-5]}-{viewport[0]}")


def test_a_wijk_map_takes_its_buurten_layer_from_the_city_layer_unchanged(tmp_path, monkeypatch):
    # the city's MapData makes the buurt layer once for all buurten and takes a wijk's rows from
    # it; the reference makes the layer from the wijk's own buurten, as the overview does
    result = analyse(map_project_config(tmp_path))
    city, context = map_data(result), map_context(result)
    sizes = city.buurten["wijkcode"].value_counts()
    codes = (sizes.index[0], sizes.index[-1], "WK050501")  # largest, smallest, Binnenstad
    taken = {code: _IDS.sub("ID", render(wijk_map(city, context, code))) for code in codes}
    # a wijk map classes its counts as the overview does: the city's breaks, in its legend
    city_rows = bin_labels(shared_bins(city.buurten, context.years))
    for code in codes:
        for label, colour in city_rows:  # the legend is a JSON string in the page's script
            assert json.dumps(label)[1:-1] in taken[code], (code, label)
            assert colour in taken[code], (code, colour)
        assert "Klassen als op het overzicht" in taken[code]
    monkeypatch.setattr(maps, "_wijk_change_layer", lambda *_: None)
    for code in codes:
        assert taken[code] == _IDS.sub("ID", render(wijk_map(city, context, code))), code
        in_wijk = city.buurten["buurtcode"][city.buurten["wijkcode"] == code]
        assert len(in_wijk) == int(sizes[code])
        assert all(f'"{buurt}"' in taken[code] for buurt in in_wijk), code  # in the store


_IDS = re.compile(r"[0-9a-f]{32}")  # folium's element ids are random


def test_every_map_classes_the_counts_by_the_breaks_of_the_build(tmp_path):
    result = analyse(map_project_config(tmp_path))
    data, context = map_data(result), map_context(result)
    threshold = result.config.maps.privacy_threshold
    # the testing stage made them (where mapclassify is loaded); the maps do not make them again
    made = count_breaks(result.buurten, context.years, threshold)
    assert result.breaks is not None
    np.testing.assert_array_equal(result.breaks.shared, made.shared)
    np.testing.assert_array_equal(result.breaks.field, made.field)
    assert data.breaks is result.breaks
    assert len(result.breaks.shared) == 5
    # breaks no classification of these counts would give: every map must show them
    own = dataclasses.replace(data, breaks=CountBreaks(
        years=context.years, threshold=threshold, shared=np.array([1.0, 2.0, 997.0]),
        field=np.array([threshold - 1.0, 11.0, 998.0])))
    pages = {"overzicht": render(overview_map(own, context)),
             "vergelijking": comparison_page(own, context),
             "wijk": render(wijk_map(own, context, "WK050501"))}
    for name, html in pages.items():
        assert json.dumps("3–997 meldingen")[1:-1] in html, name
    assert json.dumps("12–998")[1:-1] in render(field_map(own, context, threshold))
    # without breaks of the build the maps make their own (see test_mapdata)
    assert "3–997" not in render(overview_map(dataclasses.replace(data, breaks=None), context))


def test_tooltips_and_popups_render_as_folium_does():
    def page(tooltip, popup):
        fmap = folium.Map(tiles=None)
        folium.GeoJson(feature_collection(wgs84_frame()), name="laag",
                       tooltip=tooltip(fields=["naam", "aantal"], aliases=["Naam", "Aantal"]),
                       popup=popup(fields=["naam", "aantal"], aliases=["Naam", "Aantal"]),
                       ).add_to(fmap)
        html = fmap.get_root().render()
        return re.sub(r"[0-9a-f]{32}", "ID", html)

    assert page(GeoJsonTooltip, GeoJsonPopup) == page(folium.GeoJsonTooltip, folium.GeoJsonPopup)


@pytest.mark.parametrize("page", ["overzicht.html", "veldkaart.html", "vergelijking.html"])
def test_the_first_tab_offers_a_skip_over_the_shapes_to_the_controls(built, open_map, page):
    shown = open_map(built / page)
    p = shown.page
    p.keyboard.press("Tab")
    assert p.evaluate("document.activeElement.textContent") == "Naar de kaartbediening"
    assert p.locator(".hk-skip").count() == 1
    assert p.evaluate("document.activeElement.getBoundingClientRect().top") >= 0  # visible
    p.keyboard.press("Enter")
    assert p.evaluate("document.activeElement.className").startswith("leaflet-control-zoom-in")
    assert shown.console_errors == []


def test_a_locations_popup_gives_its_year_as_a_year(embedded_build):
    html = (embedded_build / "overzicht.html").read_text(encoding="utf-8")
    years = re.findall(r'"name": "[^"]*", "status": "[^"]*", "year": "([^"]*)"', html)
    assert years  # the named locations of both years
    assert set(years) == {"2023", "2024"}  # not 2.023 as a number with a thousands point
