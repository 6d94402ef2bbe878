"""The map controls on their own, without a build."""

from __future__ import annotations

import re

import folium
from branca.element import Figure

from hotspotkaart.mapcontrols import CategorySwitch
from hotspotkaart.mapelements import verbatim_macros

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

