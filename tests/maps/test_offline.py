"""Tests of hotspotkaart.maps.offline: vendored assets are inlined and maps open without network."""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path
from typing import Any, ClassVar

import folium
import folium.plugins
import pytest

from hotspotkaart._errors import OutputError
from hotspotkaart.maps import offline

PDOK_GRIJS = (
    "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs/EPSG:3857/{z}/{x}/{y}.png"
)
KADASTER = '&copy; <a href="https://www.kadaster.nl">Kadaster</a>'
LEAFLET_VERSION = offline.vendored_package("leaflet").version
ASSETS = Path(offline.__file__).parent / "_assets"


class LeafletOnlyMap(folium.Map):
    """A folium map that needs Leaflet only (no jQuery, Bootstrap or awesome-markers)."""

    default_js: ClassVar[list[tuple[str, str]]] = [
        ("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"),
    ]
    default_css: ClassVar[list[tuple[str, str]]] = [
        ("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"),
    ]


def _square(name: str, meldingen: int, west: float) -> dict[str, Any]:
    ring = [[west, 52.08], [west + 0.03, 52.08], [west + 0.03, 52.10], [west, 52.10],
            [west, 52.08]]  # fmt: skip
    return {
        "type": "Feature",
        "properties": {"name": name, "meldingen": meldingen},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


BUURTEN = {
    "type": "FeatureCollection",
    "features": [_square("Centrum", 12, 5.10), _square("Oost", 3, 5.13)],
}


def leaflet_only_map(*, layer_control: bool = True) -> folium.Map:
    m = LeafletOnlyMap(location=(52.09, 5.13), zoom_start=13, tiles=None)
    folium.TileLayer(PDOK_GRIJS, attr=KADASTER, name="BRT grijs", max_zoom=19).add_to(m)
    folium.GeoJson(
        BUURTEN, name="Buurten", tooltip=folium.GeoJsonTooltip(fields=["name", "meldingen"])
    ).add_to(m)
    folium.Marker((52.09, 5.115), tooltip="Melding").add_to(m)
    if layer_control:  # folium needs it added last
        folium.LayerControl(collapsed=True).add_to(m)
    return m


@pytest.fixture(scope="module")
def rendered() -> str:
    return leaflet_only_map().get_root().render()


@pytest.fixture(scope="module")
def inlined(rendered: str) -> str:
    return offline.inline_assets(rendered)


# --- inlining -------------------------------------------------------------------------------


def test_default_folium_map_is_not_inlinable() -> None:
    html = folium.Map().get_root().render()
    unvendored = [url for _, url in folium.Map.default_js + folium.Map.default_css]
    unvendored = [url for url in unvendored if "leaflet@" not in url]
    with pytest.raises(OutputError, match="has no vendored copy") as excinfo:
        offline.inline_assets(html)
    assert any(url in str(excinfo.value) for url in unvendored)


def test_leaflet_only_map_has_cdn_references_before(rendered: str) -> None:
    assert offline.external_references(rendered) == [
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css",
    ]


def test_inline_assets_leaves_no_external_references(inlined: str) -> None:
    assert offline.external_references(inlined) == []
    assert not re.search(r"<script[^>]*\bsrc=", inlined)
    assert not re.search(r"<link[^>]*stylesheet", inlined)
    assert f'.version="{LEAFLET_VERSION}"' in inlined  # Leaflet's own version string
    assert PDOK_GRIJS in inlined  # tile template kept
    assert offline.make_self_contained(inlined) == inlined


def test_inline_assets_keeps_order_and_is_idempotent(rendered: str, inlined: str) -> None:
    tags = re.findall(r"<(script|style)\b", inlined)
    assert tags[0] == "script"  # leaflet.js stays where its <script src> was
    assert inlined.index("L.Icon.Default.mergeOptions") < inlined.index("L.map(")
    assert offline.inline_assets(inlined) == inlined
    # Everything outside the replaced elements is unchanged.
    assert rendered.split("</head>")[1] == inlined.split("</head>")[1]


def test_css_image_urls_become_data_uris(inlined: str) -> None:
    assert "url(images/" not in inlined
    assert re.search(r'\.leaflet-control-layers-toggle\s*\{[^}]*url\("data:image/png;base64,',
                     inlined)  # fmt: skip
    assert 'url("data:image/png;base64,' in offline.vendored_css("leaflet")
    assert "url(#default#VML)" in inlined  # a fragment, not a file


def test_script_end_tags_in_inlined_js_are_escaped(
    rendered: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = offline.asset_text
    evil = 'var a = "</script><script>alert(1)</SCRIPT>"; var b = "<!-- x";'

    def fake(relpath: str) -> str:
        return evil if relpath == "leaflet/dist/leaflet.js" else real(relpath)

    monkeypatch.setattr(offline, "asset_text", fake)
    # inlined scripts are remembered per process: a cache of this test's own, so the real
    # leaflet.js remembered before does not hide the fake, and the fake does not outlive the test
    monkeypatch.setattr(offline, "_script_file", functools.cache(offline._script_file.__wrapped__))
    out = offline.inline_assets(rendered)
    assert r'var a = "<\/script><script>alert(1)<\/SCRIPT>"; var b = "<\!-- x";' in out
    assert "</script><script>alert" not in out
    assert "alert(1)</SCRIPT>" not in out


def test_every_page_inlines_the_same_vendored_scripts(rendered: str) -> None:
    first = offline.inline_assets(rendered)
    assert offline.inline_assets(rendered) == first
    # leaflet.js with its icon epilogue, escaped: the remembered block is the vendored file
    assert offline.vendored_js("leaflet") in first


def test_unmatched_stylesheet_names_url() -> None:
    url = "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css"
    with pytest.raises(OutputError, match=re.escape(url)):
        offline.inline_assets(f'<link rel="stylesheet" href="{url}"/>')


def test_attributes_are_kept_and_data_uris_untouched() -> None:
    html = (
        '<script id="lf" src="https://unpkg.com/leaflet@1.9.4/dist/leaflet.js" '
        'integrity="sha256-x" crossorigin=""></script>\n'
        '<link rel="stylesheet" media="print" href="//unpkg.com/leaflet@1/dist/leaflet.css">\n'
        '<script src="data:text/javascript,1"></script><link rel="icon" href="data:,">'
    )
    out = offline.inline_assets(html)
    assert out.startswith('<script id="lf">\n')
    assert "integrity" not in out
    assert '<style media="print">' in out
    untouched = '<script src="data:text/javascript,1"></script><link rel="icon" href="data:,">'
    assert out.endswith(untouched)


@pytest.mark.parametrize(
    ("url", "kind", "expected"),
    [
        ("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js", "js",
         ("leaflet", "dist/leaflet.js")),
        ("https://unpkg.com/leaflet/dist/leaflet-src.js", "js", ("leaflet", "dist/leaflet.js")),
        ("https://cdnjs.cloudflare.com/ajax/libs/leaflet/1.9.4/leaflet.min.css", "css",
         ("leaflet", "dist/leaflet.css")),
        ("https://cdn.jsdelivr.net/gh/jieter/Leaflet.Sync/L.Map.Sync.min.js", "js",
         ("leaflet.sync", "L.Map.Sync.js")),
        ("https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.css", "css",
         ("leaflet-draw", "dist/leaflet.draw.css")),
        ("https://cdnjs.cloudflare.com/ajax/libs/leaflet-locatecontrol/0.66.2/"
         "L.Control.Locate.min.js", "js",
         ("leaflet.locatecontrol", "dist/L.Control.Locate.min.js")),
        ("https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.js", "js",
         ("leaflet-search", "dist/leaflet-search.min.js")),
        ("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js", "css", None),
        ("https://example.com/leaflet.js", "js", None),
        ("https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/"
         "leaflet.awesome-markers.js", "js", None),
    ],
)  # fmt: skip
def test_match_url(url: str, kind: str, expected: tuple[str, str] | None) -> None:
    found = offline.match_url(url, kind)
    assert (found and (found[0].name, found[1])) == expected


def test_folium_plugin_urls_all_match() -> None:
    plugins: list[Any] = [folium.plugins.Draw, folium.plugins.LocateControl,
                          folium.plugins.Search, folium.plugins.DualMap]  # fmt: skip
    for plugin in plugins:
        for kind, urls in (("js", plugin.default_js), ("css", plugin.default_css)):
            for _, url in urls:
                assert offline.match_url(url, kind), url


# --- external_references --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<a href="https://www.kadaster.nl">Kadaster</a>', []),
        ('"attribution": "\\u003ca href=\\"https://www.kadaster.nl\\"\\u003eK\\u003c/a"', []),
        (f'L.tileLayer("{PDOK_GRIJS}", {{}})', []),
        ('<img src="https://x.test/a.png">', ["https://x.test/a.png"]),
        ("var html = '<img src=\\\"//x.test/b.png\\\">';", ["//x.test/b.png"]),
        ('<div style="background: url(\'https://x.test/c.png\')">', ["https://x.test/c.png"]),
        ('<style>@import "https://x.test/d.css";</style>', ["https://x.test/d.css"]),
        ('<link rel="icon" href="https://x.test/e.ico">', ["https://x.test/e.ico"]),
        ('<svg xmlns="http://www.w3.org/2000/svg"></svg>', []),
        ("fetch('https://x.test/f.json')", ["https://x.test/f.json"]),
        ('img.src = "https://x.test/g.png"', ["https://x.test/g.png"]),
        ('window.location.href = "https://x.test/page"', []),
        ('<A class="k" HREF="https://x.test/k">k</A><IMG SRC="https://x.test/k.png">',
         ["https://x.test/k.png"]),
        ('<svg><use xlink:href="https://x.test/s.svg#i"/></svg>', ["https://x.test/s.svg#i"]),
        ('<div data-url="https://x.test/j">', []),
        ('<iframe src="data:text/html;charset=utf-8;base64,'
         + base64.b64encode(b'<img src="https://x.test/h.png">').decode() + '">',
         ["https://x.test/h.png"]),
        ('<script src="https://x.test/i.js"></script><img src="https://x.test/i.js">',
         ["https://x.test/i.js"]),
        ('<iframe src="DATA:Text/HTML;Base64,'
         + base64.b64encode(b'<img src="https://x.test/l.png">').decode() + '">',
         ["https://x.test/l.png"]),
        ('<iframe src="data:text/html;base64,'
         + base64.b64encode(b'<img src="https://x.test/m1.png">').decode()
         + '"><img src="https://x.test/m2.png">', ["https://x.test/m1.png", "https://x.test/m2.png"]),
        ('<img src="https://x.test/n1.png"><iframe src="data:text/html;base64,'
         + base64.b64encode(b'<img src="https://x.test/n2.png">').decode() + '">',
         ["https://x.test/n1.png", "https://x.test/n2.png"]),
    ],
)  # fmt: skip
def test_external_references(html: str, expected: list[str]) -> None:
    assert offline.external_references(html) == expected


def test_make_self_contained_rejects_remaining_references() -> None:
    with pytest.raises(OutputError, match=re.escape("https://x.test/a.png")):
        offline.make_self_contained('<img src="https://x.test/a.png">')


# --- vendored files -------------------------------------------------------------------------


@pytest.mark.parametrize("package", offline.VENDORED, ids=lambda p: p.name)
def test_vendored_package_is_complete(package: offline.VendoredPackage) -> None:
    readme = offline.asset_text("README.md")
    assert f"`{package.name}` | {package.version} | {package.license}" in readme
    assert offline.asset_text(f"{package.name}/{package.license_file}").strip()
    for rel in package.js:
        code = offline.asset_text(f"{package.name}/{rel}")
        assert "</script" not in code.lower()  # verbatim files need no escaping today
    css = offline.vendored_css(package.name)
    assert offline.external_references(f"<style>{css}</style>") == []
    assert offline.vendored_js(package.name)


def test_asset_paths_are_checked() -> None:
    with pytest.raises(OutputError, match="Invalid asset path"):
        offline.asset_bytes("../offline.py")
    with pytest.raises(OutputError, match="missing"):
        offline.asset_bytes("leaflet/dist/nope.js")
    with pytest.raises(OutputError, match="not vendored"):
        offline.vendored_package("bootstrap")
    assert offline.asset_bytes("leaflet/dist/images/layers.png").startswith(b"\x89PNG")


# --- in the browser -------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize(
    ("viewport", "name"), [((1280, 800), "offline-leaflet-desktop"),
                           ((360, 740), "offline-leaflet-mobile")]
)  # fmt: skip
def test_inlined_map_opens_offline(
    inlined: str, tmp_path: Path, open_map: Any, viewport: tuple[int, int], name: str
) -> None:
    path = tmp_path / "kaart.html"
    path.write_text(inlined, encoding="utf-8")
    map_page = open_map(path, viewport=viewport)
    page = map_page.page
    page.wait_for_selector(".leaflet-control-layers")
    assert page.evaluate("typeof window.L") == "object"
    assert page.evaluate("L.version") == LEAFLET_VERSION
    toggle_bg = page.evaluate(
        "getComputedStyle(document.querySelector('.leaflet-control-layers-toggle'))"
        ".backgroundImage"
    )
    assert toggle_bg.startswith('url("data:image/png;base64,')
    marker_src = page.get_attribute(".leaflet-marker-icon", "src")
    assert marker_src is not None
    assert marker_src.startswith("data:image/png;base64,")
    assert page.locator("path.leaflet-interactive").count() == 2
    assert "Kadaster" in page.inner_text(".leaflet-control-attribution")
    map_page.screenshot(name)
    assert map_page.blocked_requests == []
    assert map_page.console_errors == []
    assert map_page.dialogs == []
    assert map_page.tile_requests
    assert all("service.pdok.nl" in url for url in map_page.tile_requests)


PLUGIN_PAGES = {
    "leaflet.sync": (
        ["https://cdn.jsdelivr.net/gh/jieter/Leaflet.Sync/L.Map.Sync.min.js"],
        [],
        """
        var b = L.map('other', {center: [52.09, 5.13], zoom: 12});
        map.sync(b);
        map.setView([52.2, 5.3], 14, {animate: false});
        window.check = typeof L.Map.prototype.sync === 'function'
            && b.getZoom() === 14 && Math.abs(b.getCenter().lat - 52.2) < 1e-6;
        """,
        None,
    ),
    "leaflet-draw": (
        ["https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.js"],
        ["https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.css"],
        """
        var drawn = new L.FeatureGroup().addTo(map);
        new L.Control.Draw({edit: {featureGroup: drawn}}).addTo(map);
        window.check = typeof L.Control.Draw === 'function';
        """,
        (".leaflet-draw-toolbar a", "backgroundImage"),
    ),
    "leaflet.locatecontrol": (
        ["https://cdnjs.cloudflare.com/ajax/libs/leaflet-locatecontrol/0.66.2/"
         "L.Control.Locate.min.js"],
        ["https://cdnjs.cloudflare.com/ajax/libs/leaflet-locatecontrol/0.66.2/"
         "L.Control.Locate.min.css"],
        """
        L.control.locate().addTo(map);
        window.check = typeof L.control.locate === 'function'
            && document.querySelector('.leaflet-control-locate') !== null;
        """,
        (".leaflet-control-locate-location-arrow", "maskImage"),
    ),
    "leaflet-search": (
        ["https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.js"],
        ["https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.css"],
        """
        var layer = L.geoJson({type: 'Feature', properties: {name: 'Centrum'},
            geometry: {type: 'Point', coordinates: [5.12, 52.09]}}).addTo(map);
        new L.Control.Search({layer: layer, propertyName: 'name'}).addTo(map);
        window.check = typeof L.Control.Search === 'function';
        """,
        (".leaflet-control-search .search-button", "backgroundImage"),
    ),
}  # fmt: skip


@pytest.mark.browser
@pytest.mark.parametrize("name", list(PLUGIN_PAGES))
def test_vendored_plugin_loads(name: str, tmp_path: Path, open_map: Any) -> None:
    js_urls, css_urls, script, icon = PLUGIN_PAGES[name]
    head = "\n".join(
        ['<script src="https://unpkg.com/leaflet@1.9.4/dist/leaflet.js"></script>',
         '<link rel="stylesheet" href="https://unpkg.com/leaflet@1.9.4/dist/leaflet.css"/>']
        + [f'<script src="{url}"></script>' for url in js_urls]
        + [f'<link rel="stylesheet" href="{url}"/>' for url in css_urls]
    )  # fmt: skip
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head>
<body><div id="map" style="height: 300px"></div><div id="other" style="height: 200px"></div>
<script>var map = L.map('map', {{center: [52.09, 5.13], zoom: 12}});{script}</script>
</body></html>"""
    inlined = offline.inline_assets(html)
    assert offline.external_references(inlined) == []
    path = tmp_path / f"{name}.html"
    path.write_text(inlined, encoding="utf-8")
    map_page = open_map(path)
    assert map_page.evaluate("window.check") is True
    if icon is not None:  # the control's icon comes from a data URI
        image = map_page.evaluate(
            "([s, p]) => getComputedStyle(document.querySelector(s))[p]", list(icon)
        )
        assert 'url("data:image/' in image, image[:100]
    map_page.screenshot(f"offline-plugin-{name}")
    assert map_page.blocked_requests == []
    assert map_page.console_errors == []


@pytest.mark.browser
def test_folium_plugins_work_with_vendored_versions(tmp_path: Path, open_map: Any) -> None:
    m = leaflet_only_map(layer_control=False)
    folium.plugins.Draw().add_to(m)
    folium.plugins.LocateControl().add_to(m)
    buurten = folium.GeoJson(BUURTEN, name="Zoekbaar").add_to(m)
    folium.plugins.Search(buurten, search_label="name").add_to(m)
    folium.LayerControl().add_to(m)
    html = offline.make_self_contained(m.get_root().render())
    path = tmp_path / "plugins.html"
    path.write_text(html, encoding="utf-8")
    map_page = open_map(path)
    for selector in (".leaflet-draw", ".leaflet-control-locate", ".leaflet-control-search"):
        assert map_page.page.locator(selector).count() == 1, (selector, map_page.console_errors)
    map_page.screenshot("offline-folium-plugins")
    assert map_page.blocked_requests == []
    assert map_page.console_errors == []


def test_html_must_be_self_contained(tmp_path):
    page = ('<html><head><script src="https://cdn.example.org/x.js"></script></head>'
            "<body></body></html>")
    with pytest.raises(OutputError, match=r"x\.js has no vendored copy"):
        offline.write_html(tmp_path / "k.html", page)
    assert not (tmp_path / "k.html").exists()


def test_write_html_names_the_file_that_would_load_from_the_network(tmp_path):
    with pytest.raises(OutputError, match=r"k\.html would load https://x\.test/a\.png from the "
                                          "network; it must be self-contained"):
        offline.write_html(tmp_path / "k.html", '<img src="https://x.test/a.png">')
    assert not (tmp_path / "k.html").exists()
