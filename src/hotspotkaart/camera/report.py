"""The outputs of ``hotspotkaart camera``: a map per candidate, the table and the printable report.

``camera/<naam>.html`` is a Folium map of one candidate with its evidence (outline, ring, camera
and other zones, hot-spot transitions, extra point layers, key figures), self-contained like
every map. ``camera/kandidaten.csv`` (and ``kandidaten.gpkg`` for QGIS) has one row per
candidate, best first. ``camera/rapport.html`` is plain HTML and CSS without scripts, made to be
printed: a ranking, one page per candidate with a small SVG sketch, the method, the score
formula with its weights and the caveats. Every text that comes from input (candidate and zone
names, buurt names, labels) is escaped.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element
from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from hotspotkaart import __version__
from hotspotkaart._format import change_text, nl_float, nl_int, verdict_text
from hotspotkaart._naming import category_slugs, file_stems
from hotspotkaart.camera.assess import (
    EXISTING_CAMERA_PCT,
    MIN_AREA_SHARE,
    MIN_CELL_SHARE,
    STATUS_EXISTING,
    camera_union,
    ring_geometry,
)
from hotspotkaart.config.camera import DEFAULT_WEIGHTS, ZONE_PREFIX, CameraSettings
from hotspotkaart.config.settings import ZONE_KINDS
from hotspotkaart.io.export import staged_outputs, write_csv
from hotspotkaart.io.geopackage import write_geopackage
from hotspotkaart.maps.data import MapContext, MapData
from hotspotkaart.maps.elements import ChartPanel, InfoPanel, KeyFigures, Legend
from hotspotkaart.maps.layers import for_map, geojson_layer, hot_spot_clusters
from hotspotkaart.maps.offline import write_html
from hotspotkaart.maps.overview import (
    ZONE_COLOURS,
    ZONE_DASHES,
    ZONE_LABELS,
    add_wijk_outline,
    add_zone_layers,
    base_map,
)
from hotspotkaart.maps.pages import render
from hotspotkaart.maps.timecharts import incident_charts
from hotspotkaart.stats.hotspots import TRANSITION_CLASSES, TRANSITION_COLOURS

__all__ = ["candidate_page", "csv_table", "page_names", "report_page", "write_outputs"]

if TYPE_CHECKING:
    from hotspotkaart.pipeline import BuildResult

logger = logging.getLogger(__name__)

_RESERVED_PAGES = {"kandidaten", "rapport", "index"}
_LIST_COLUMNS = ("buurten_list", "wijken_list")
_CANDIDATE_COLOUR = "#000000"
_RING_COLOUR = "#555555"
#: A layer of the sketch: geometry (EPSG:28992), fill, stroke, dasharray ("" solid), fill
#: opacity and whether it is drawn as an outline (a 2 px line) rather than a filled area.
_SketchLayer = tuple[Any, str, str, str, float, bool]
_COMPONENT_LABELS = {
    "density": "dichtheid: meldingen per 1.000 m² in {compare}",
    "persistent": "blijvende hot-spotcellen in het gebied",
    "new": "nieuwe hot-spotcellen in het gebied",
    "increase": "significante stijging (+1), daling (−1) of geen van beide (0)",
    "camera_overlap": "deel van het gebied al onder cameratoezicht (%), telt negatief",
}


def write_outputs(result: BuildResult, table: gpd.GeoDataFrame, target: Path, *,
                  settings: CameraSettings, ring_m: float,
                  extras: Mapping[str, gpd.GeoDataFrame]) -> list[Path]:
    """Write every candidate page, ``kandidaten.csv``, ``kandidaten.gpkg`` and ``rapport.html``.

    Files are staged and moved into ``target`` atomically; the previous files of the same
    names stay intact when writing fails.
    """
    from hotspotkaart.pipeline import map_context, map_data

    data, context = map_data(result), map_context(result)
    ordered = table.sort_values("rank", kind="stable").reset_index(drop=True)
    files = page_names(list(ordered["name"]))
    names = {s.slug: s.name for s in settings.extra_points}
    with staged_outputs(target, prune=True) as staging:
        for (_, row), filename in zip(ordered.iterrows(), files, strict=True):
            page = candidate_page(result, data, context, row, n_candidates=len(ordered),
                                  ring_m=ring_m, extras=extras, extra_names=names)
            write_html(staging.path(filename), page)
        write_csv(staging.path("kandidaten.csv"), csv_table(ordered))
        layer = ordered.drop(columns=list(_LIST_COLUMNS), errors="ignore")
        write_geopackage(staging.path("kandidaten.gpkg"), {"kandidaten": layer},
                         periods=result.config.periods)
        write_html(staging.path("rapport.html"),
                   report_page(result, ordered, context, files, settings=settings,
                               ring_m=ring_m, extras=extras, extra_names=names))
        written = list(staging.written)
    logger.info("camera: wrote %d files to %s", len(written), target)
    return [target / name for name in written]


def page_names(names: Sequence[str]) -> list[str]:
    """File name per candidate: ``<slug>.html``, unique, never ``rapport``/``kandidaten``."""
    return [f"{stem}.html" for stem in file_stems(
        [str(n).replace("_", "-") for n in names], fallback="kandidaat",
        reserved=_RESERVED_PAGES, lower=True)]


def csv_table(table: pd.DataFrame) -> pd.DataFrame:
    """Return the table as written to ``kandidaten.csv``: best first, no list columns."""
    frame = pd.DataFrame(table.drop(columns=["geometry", *_LIST_COLUMNS], errors="ignore"))
    frame = frame.sort_values("rank", kind="stable").reset_index(drop=True)
    lead = ["name", "rank", "score", "status", "source"]
    return frame[lead + [c for c in frame.columns if c not in lead]]


# -- the map per candidate ----------------------------------------------------------------------


def candidate_page(result: BuildResult, data: MapData, context: MapContext, row: pd.Series, *,
                   n_candidates: int, ring_m: float, extras: Mapping[str, gpd.GeoDataFrame],
                   extra_names: Mapping[str, str]) -> str:
    """Render ``camera/<naam>.html``: one candidate with its evidence on a map (Dutch)."""
    base, compare = context.years
    shown = {year: context.label(year) for year in context.years}
    geom = row["geometry"]
    outline = result.boundaries.outline
    around = shapely.buffer(geom, ring_m)
    ring = ring_geometry(geom, ring_m, outline)
    fmap = base_map(gpd.GeoDataFrame(geometry=[around], crs=data.buurten.crs), context)
    _add_transitions(fmap, data.cells, shapely.buffer(geom, ring_m + 400), context)
    add_zone_layers(fmap, data.zones, context)  # all of them: nearby areas give context

    ring_frame = gpd.GeoDataFrame({
        "label": [f"Ring van {ring_m:g} m"],
        f"ring_{base}": [int(row[f"ring_{base}"])],
        f"ring_{compare}": [int(row[f"ring_{compare}"])],
    }, geometry=[ring], crs=data.buurten.crs)
    ring_fields = {"label": "Gebied", f"ring_{base}": f"Meldingen {shown[base]}",
                   f"ring_{compare}": f"Meldingen {shown[compare]}"}
    geojson_layer(fmap, for_map(ring_frame, ring_fields), f"Ring van {ring_m:g} m (verplaatsing)",
                  ring_fields, lambda f: {"color": _RING_COLOUR, "weight": 1.5,
                                          "dashArray": "4 4", "fillColor": _RING_COLOUR,
                                          "fillOpacity": 0.05}, show=True, highlight=False)

    cand_frame = gpd.GeoDataFrame({
        "name": [row["name"]], "status": [row["status"]],
        f"count_{base}": [int(row[f"count_{base}"])],
        f"count_{compare}": [int(row[f"count_{compare}"])],
        "change_class": [row["change_class"]],
    }, geometry=[geom], crs=data.buurten.crs)
    cand_fields = {"name": "Kandidaat", "status": "Status",
                   f"count_{base}": f"Meldingen {shown[base]}",
                   f"count_{compare}": f"Meldingen {shown[compare]}", "change_class": "Beoordeling"}
    geojson_layer(fmap, for_map(cand_frame, cand_fields), "Kandidaatgebied", cand_fields,
                  lambda f: {"color": _CANDIDATE_COLOUR, "weight": 3.5, "fillColor": "#ffd700",
                             "fillOpacity": 0.12}, show=True)

    for slug, points in extras.items():
        near_points = points[points.intersects(around)]
        if near_points.empty:
            continue
        geojson_layer(fmap, for_map(near_points, {"label": "Naam"}),
                      html.escape(f"{extra_names.get(slug, slug)} ({len(near_points)})"),
                      {"label": "Naam"}, None, show=True,
                      marker=folium.CircleMarker(radius=5, color="#222222", weight=1, fill=True,
                                                 fill_color="#009E73", fill_opacity=0.9))
    codes = [w["code"] for w in row["wijken_list"]]
    if codes:
        add_wijk_outline(fmap, data.wijken[data.wijken["wijkcode"].isin(codes)])

    name = str(row["name"])
    lines = [f"Rang {int(row['rank'])} van {n_candidates}, score {_score(row['score'])}",
             f"Status: {row['status']}",
             "Methode, scoreformule en kanttekeningen staan in rapport.html."]
    fmap.add_child(InfoPanel(f"Kandidaat cameragebied: {name}", lines, context.method,
                             synthetic=context.synthetic))
    header, rows = _year_rows(row, data, context, ring_m)
    fmap.add_child(KeyFigures("Meldingen", header, rows, position="topright"))
    fmap.add_child(KeyFigures("Gebied en beoordeling", ["", ""],
                              _assessment_rows(row, context, extra_names, extras),
                              position="bottomleft"))
    inside = _incidents_in(result.incidents, geom)  # empty with the dask engine
    charts = incident_charts(inside, context, name, data.categories)
    if charts:
        fmap.add_child(ChartPanel("Wanneer: maanden en uren in het gebied", charts))
    folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    root: Any = fmap.get_root()
    root.header.add_child(
        Element(f"<title>{html.escape(f'Kandidaat cameragebied: {name}')}</title>"))
    return render(fmap)


def _add_transitions(fmap: folium.Map, cells: gpd.GeoDataFrame | None, region: Any,
                     context: MapContext) -> None:
    """Draw the hot-spot transitions of the cells in ``region`` around a candidate."""
    if cells is None or cells.empty:
        return
    base, compare = context.years
    near = cells[cells.intersects(region)]
    clusters = hot_spot_clusters(near, "transition", f"count_{compare}", skip="geen")
    fields = {"klasse": "Hot spot", "cellen": "Cellen",
              "meldingen": f"Meldingen {context.label(compare)}"}
    frame = for_map(clusters, fields)
    frame["_colour"] = [TRANSITION_COLOURS.get(str(k), "#bdbdbd") for k in clusters["klasse"]]
    name = f"Hot spots {context.label(base)}→{context.label(compare)}"
    geojson_layer(fmap, frame, name, fields,
                  lambda f: {"fillColor": f["properties"]["_colour"], "color": "#444444",
                             "weight": 0.8, "fillOpacity": 0.75}, show=True)
    fmap.add_child(Legend(name, [(c, TRANSITION_COLOURS[c]) for c in TRANSITION_CLASSES
                                 if c != "geen"], position="bottomright"))


def _year_rows(row: pd.Series, data: MapData, context: MapContext, ring_m: float
               ) -> tuple[list[str], list[list[str]]]:
    base, compare = context.years
    rows = [["Meldingen in het gebied", nl_int(int(row[f"count_{base}"])),
             nl_int(int(row[f"count_{compare}"]))]]
    for category, slug in data.slugs.items():
        rows.append([f"– {category}", nl_int(int(row.get(f"count_{base}_{slug}", 0))),
                     nl_int(int(row.get(f"count_{compare}_{slug}", 0)))])
    rows += [
        ["Per 1.000 m²", nl_float(row[f"per_1000m2_{base}"], 2),
         nl_float(row[f"per_1000m2_{compare}"], 2)],
        ["Aandeel van de stad", _pct(row[f"share_city_{base}"], 1, fraction=True),
         _pct(row[f"share_city_{compare}"], 1, fraction=True)],
        ["Aandeel van de wijk(en)", _pct(row[f"share_wijk_{base}"], 1, fraction=True),
         _pct(row[f"share_wijk_{compare}"], 1, fraction=True)],
        [f"Ring van {ring_m:g} m eromheen", nl_int(int(row[f"ring_{base}"])),
         nl_int(int(row[f"ring_{compare}"]))],
    ]
    return ["", context.label(base), context.label(compare)], rows


def _assessment_rows(row: pd.Series, context: MapContext, extra_names: Mapping[str, str],
                     extras: Mapping[str, Any]) -> list[list[str]]:
    base, compare = context.years
    b, c = int(row[f"count_{base}"]), int(row[f"count_{compare}"])
    rows = [
        ["Verandering", change_text(b, c)],
        ["Beoordeling", str(row["change_class"])],
        ["Toets", verdict_text(row["p_value"], row["q_value"], context.fdr_q)],
        ["Hot-spotcellen", _cells_text(row)],
        ["Aandeel blijvende hot spots stad", _pct(row["share_city_persistent_pct"], 1)],
    ]
    for kind in ZONE_KINDS:
        prefix = ZONE_PREFIX[kind]
        rows.append([f"Al onder {ZONE_LABELS[kind].lower()}",
                     _pct(row[f"{prefix}_overlap_pct"], 0)])
    rows += [["Buurten", str(row["buurten"]) or "–"], ["Wijken", str(row["wijken"]) or "–"],
             ["Oppervlakte", _area_text(row["area_m2"])]]
    for slug in extras:
        name = extra_names.get(slug, slug)
        rows.append([f"{name}: binnen / ring", f"{int(row[f'{slug}_inside'])} / "
                                               f"{int(row[f'{slug}_ring'])}"])
    rows.append(["Score", _score(row["score"])])
    return rows


# -- the printable report ---------------------------------------------------------------------


_ENV = Environment(loader=PackageLoader("hotspotkaart.camera", "templates"), autoescape=True,
                   trim_blocks=True, lstrip_blocks=True)

#: The printable report; a Jinja template beside the package's modules, autoescaped.
_REPORT = _ENV.get_template("report.html")


def report_page(result: BuildResult, table: gpd.GeoDataFrame, context: MapContext,
                files: Sequence[str], *, settings: CameraSettings, ring_m: float,
                extras: Mapping[str, gpd.GeoDataFrame], extra_names: Mapping[str, str]) -> str:
    """Render ``camera/rapport.html`` (Dutch, printable, no scripts)."""
    config = result.config
    base, compare = context.years

    weights = {**DEFAULT_WEIGHTS, **settings.weights}
    slugs = category_slugs(list(result.incidents["category"].astype(str)))
    sketch_parts = _sketch_layers(result)
    candidates = []
    for (_, row), filename in zip(table.iterrows(), files, strict=True):
        candidate = _report_candidate(row, filename, context, config, slugs, weights, ring_m,
                                      extras, extra_names, sketch_parts)
        # when: does a camera watch the hours that matter? (empty with the dask engine)
        inside = _incidents_in(result.incidents, row["geometry"])
        candidate["charts"] = Markup(incident_charts(inside, context, str(row["name"]),
                                                     list(slugs)))
        candidates.append(candidate)
    w = {key: _weight(value) for key, value in weights.items()}
    formula = (f"{w['density']} × z(dichtheid) + {w['persistent']} × z(blijvend)"
               f" + {w['new']} × z(nieuw) + {w['increase']} × z(stijging)"
               f" − {w['camera_overlap']} × z(al onder camera)")
    return _REPORT.render(
        area=config.area.name, base=context.label(base), compare=context.label(compare),
        period_word="kalenderjaar" if config.periods.calendar_years else "periode",
        synthetic=context.synthetic,
        generated=result.generated_at.astimezone().strftime("%d-%m-%Y %H:%M"),
        version=__version__, candidates=candidates, ring=f"{ring_m:g}",
        days_base=config.periods.days(base), days_compare=config.periods.days(compare),
        min_share=f"{100 * MIN_AREA_SHARE:g}", fdr_q=f"{config.analysis.fdr_q:g}",
        min_count=config.analysis.min_count, cell=f"{config.analysis.cell_size:g}",
        cell_share=f"{100 * MIN_CELL_SHARE:g}", existing=f"{EXISTING_CAMERA_PCT:g}",
        extras=", ".join(extra_names.get(s, s) for s in extras),
        formula=formula,
        weights=[(key, _COMPONENT_LABELS[key].format(compare=context.label(compare)), w[key])
                 for key in DEFAULT_WEIGHTS],
        edition=config.area.edition or "de CBS Wijk- en Buurtkaart",
        method=context.method, credit=context.credit,
        sketch_legend=_sketch_legend(),
    )


def _report_candidate(row: pd.Series, filename: str, context: MapContext, config: Any,
                      slugs: Mapping[str, str], weights: Mapping[str, float], ring_m: float,
                      extras: Mapping[str, Any], extra_names: Mapping[str, str],
                      sketch_parts: list[_SketchLayer]) -> dict[str, Any]:
    base, compare = context.years
    b, c = int(row[f"count_{base}"]), int(row[f"count_{compare}"])
    years = [("Meldingen in het gebied", nl_int(b), nl_int(c))]
    for category, slug in slugs.items():
        years.append((f"— {category}", nl_int(int(row.get(f"count_{base}_{slug}", 0))),
                      nl_int(int(row.get(f"count_{compare}_{slug}", 0)))))
    years += [
        ("Per 1.000 m²", nl_float(row[f"per_1000m2_{base}"], 2),
         nl_float(row[f"per_1000m2_{compare}"], 2)),
        ("Aandeel van de stad", _pct(row[f"share_city_{base}"], 1, fraction=True),
         _pct(row[f"share_city_{compare}"], 1, fraction=True)),
        ("Aandeel van de wijk(en)", _pct(row[f"share_wijk_{base}"], 1, fraction=True),
         _pct(row[f"share_wijk_{compare}"], 1, fraction=True)),
        (f"Ring van {ring_m:g} m eromheen", nl_int(int(row[f"ring_{base}"])),
         nl_int(int(row[f"ring_{compare}"]))),
        ("Ring: per 1.000 m²", nl_float(row[f"ring_per_1000m2_{base}"], 2),
         nl_float(row[f"ring_per_1000m2_{compare}"], 2)),
    ]
    facts = [
        ("Hot-spotcellen in het gebied", _cells_text(row)),
        ("Aandeel van alle blijvende hot-spotcellen van de stad",
         _pct(row["share_city_persistent_pct"], 1)),
    ]
    for kind in ZONE_KINDS:
        prefix = ZONE_PREFIX[kind]
        zones = str(row[f"{prefix}_zones"] or "")
        facts.append((f"Al onder {ZONE_LABELS[kind].lower()}",
                      _pct(row[f"{prefix}_overlap_pct"], 0) + (f" ({zones})" if zones else "")))
    facts += [("Buurten (deel van de oppervlakte)", str(row["buurten"]) or "–"),
              ("Wijken (deel van de oppervlakte)", str(row["wijken"]) or "–")]
    for slug in extras:
        facts.append((f"{extra_names.get(slug, slug)}: in het gebied / in de ring",
                      f"{int(row[f'{slug}_inside'])} / {int(row[f'{slug}_ring'])}"))
    score_rows = []
    raw = {
        "density": nl_float(row[f"per_1000m2_{compare}"], 2),
        "persistent": nl_int(int(row["cells_blijvend"])),
        "new": nl_int(int(row["cells_nieuw"])),
        "increase": str(row["change_class"]),
        "camera_overlap": _pct(row["camera_overlap_pct"], 0),
    }
    for key in DEFAULT_WEIGHTS:
        z = float(row[f"z_{key}"])
        sign = -1.0 if key == "camera_overlap" else 1.0
        score_rows.append((_COMPONENT_LABELS[key].format(compare=context.label(compare)), raw[key],
                           _score(z), _weight(weights[key]), _score(sign * weights[key] * z)))
    return {
        "rank": int(row["rank"]), "name": str(row["name"]), "file": filename,
        "source": str(row["source"]), "status": str(row["status"]),
        "score": _score(row["score"]), "area": _area_text(row["area_m2"]),
        "count_base": nl_int(b), "count_compare": nl_int(c), "change": change_text(b, c),
        "change_class": str(row["change_class"]),
        "change_class_trend": str(row["change_class_trend"]),
        "verdict": verdict_text(row["p_value"], row["q_value"], context.fdr_q),
        "density": nl_float(row[f"per_1000m2_{compare}"], 2),
        "blijvend": nl_int(int(row["cells_blijvend"])),
        "camera": _pct(row["camera_overlap_pct"], 0),
        "years": years, "facts": facts, "score_rows": score_rows,
        "caveats": _caveats(row, context, config, ring_m),
        "sketch": sketch_svg(row["geometry"], ring_m, sketch_parts),
    }


def _caveats(row: pd.Series, context: MapContext, config: Any, ring_m: float) -> list[str]:
    base, compare = context.years
    min_count = int(config.analysis.min_count)
    b, c = int(row[f"count_{base}"]), int(row[f"count_{compare}"])
    out = []
    if b + c < max(min_count, 1):
        out.append(f"Te weinig meldingen: {b + c} in beide jaren samen, minder dan {min_count}. "
                   "Er is niet getoetst en de aantallen zeggen weinig.")
    elif min(b, c) < min_count:
        out.append(f"Kleine aantallen: minder dan {min_count} meldingen in "
                   f"{context.label(base if b < c else compare)}; lees de verandering "
                   "voorzichtig.")
    if row["status"] == STATUS_EXISTING:
        out.append("Dit gebied ligt al (bijna) helemaal onder cameratoezicht. De cijfers "
                   "onderbouwen voortzetting of beëindiging van de aanwijzing, geen nieuwe.")
    size = float(config.analysis.cell_size)
    if float(row["area_m2"]) < size * size:
        out.append(f"Het gebied is kleiner dan één rastercel ({size:g} × {size:g} m); "
                   "hot-spotcellen zijn er nauwelijks aan toe te rekenen.")
    rb, rc = int(row[f"ring_{base}"]), int(row[f"ring_{compare}"])
    if rc > rb and c < b:
        out.append(f"In de ring van {ring_m:g} m steeg het aantal meldingen ({rb} → {rc}) "
                   f"terwijl het in het gebied daalde ({b} → {c}): mogelijk verplaatsing.")
    return out


# -- the SVG sketch ---------------------------------------------------------------------------


def _sketch_layers(result: BuildResult) -> list[_SketchLayer]:
    """Geometries drawn under every sketch: hot-spot transitions and zones (as on the maps)."""
    parts: list[_SketchLayer] = []
    cells = result.grid.cells
    for klasse in TRANSITION_CLASSES:
        if klasse == "geen":
            continue
        of_class = cells[cells["transition"] == klasse]
        if len(of_class):
            parts.append((shapely.union_all(of_class.geometry.to_numpy()),
                          TRANSITION_COLOURS[klasse], "#666666", "", 0.8, False))
    zones = result.zones
    for kind in ZONE_KINDS:
        of_kind = zones[zones["kind"] == kind]
        if kind == "cameratoezicht":
            geom = camera_union(result)
        elif len(of_kind):
            geom = shapely.union_all(of_kind.geometry.to_numpy())
        else:
            continue
        if not geom.is_empty:
            parts.append((geom, "none", ZONE_COLOURS[kind], ZONE_DASHES[kind], 0.0, True))
    return parts


def _sketch_legend() -> list[tuple[str, str, str]]:
    """Return the sketch's legend: ``(label, colour, CSS border style)``; no style is a fill.

    Zone outlines get the border style nearest to their dashes on the sketch and the maps
    (:data:`hotspotkaart.maps.overview.ZONE_DASHES`): solid, dashed or dotted.
    """
    cells = [(f"hot spot {c}", TRANSITION_COLOURS[c], "") for c in TRANSITION_CLASSES
             if c != "geen"]
    return cells + [(f"{ZONE_LABELS[k]} (rand)", ZONE_COLOURS[k], _border_style(ZONE_DASHES[k]))
                    for k in ZONE_KINDS]


def _border_style(dashes: str) -> str:
    """Return the CSS border style for an SVG dasharray: solid, dotted (short dashes) or dashed."""
    if not dashes.strip():
        return "solid"
    return "dotted" if float(dashes.split()[0]) <= 2 else "dashed"


def sketch_svg(geom: Any, ring_m: float, layers: Sequence[_SketchLayer], *,
               width: int = 520) -> Markup:
    """Draw a small static map (inline SVG) of the candidate, its ring and the layers around it.

    ``layers`` are ``(geometry, fill, stroke, dasharray, fill_opacity, outline)`` in
    EPSG:28992; an outline is drawn 2 px wide, any other layer with a thin edge, and an empty
    dasharray is a solid line. Only numbers and fixed colours go into the SVG, so it is safe to
    insert unescaped.
    """
    around = shapely.buffer(geom, ring_m)
    minx, miny, maxx, maxy = around.bounds
    pad = 0.06 * max(maxx - minx, maxy - miny)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    scale = width / (maxx - minx)
    height = (maxy - miny) * scale

    def path(g: Any) -> str:
        out = []
        for poly in shapely.get_parts(g):
            if poly.geom_type != "Polygon" or poly.is_empty:
                continue
            for ring in (poly.exterior, *poly.interiors):
                xy = np.asarray(ring.coords)
                pts = " ".join(f"{(x - minx) * scale:.1f},{(maxy - y) * scale:.1f}"
                               for x, y in xy)
                out.append(f"M{pts}Z")
        return " ".join(out)

    items = []
    for layer, fill, stroke, dash, opacity, outline in layers:
        clipped = shapely.clip_by_rect(layer, minx, miny, maxx, maxy)
        d = path(clipped)
        if d:
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            items.append(f'<path d="{d}" fill="{fill}" fill-opacity="{opacity}" '
                         f'stroke="{stroke}" stroke-width="{2.0 if outline else 0.6}"{dash_attr} '
                         'fill-rule="evenodd"/>')
    ring_d = path(shapely.difference(around, geom))
    items.append(f'<path d="{ring_d}" fill="none" stroke="{_RING_COLOUR}" stroke-width="1.2" '
                 'stroke-dasharray="4 3" fill-rule="evenodd"/>')
    items.append(f'<path d="{path(geom)}" fill="none" stroke="#ffffff" stroke-width="5.5" '
                 'fill-rule="evenodd"/>')
    items.append(f'<path d="{path(geom)}" fill="none" stroke="{_CANDIDATE_COLOUR}" '
                 'stroke-width="2.5" fill-rule="evenodd"/>')
    bar = 100.0 if maxx - minx < 1500 else 500.0
    bar_px = bar * scale
    items.append(f'<g font-size="11" font-family="sans-serif"><rect x="8" y="{height - 22:.1f}" '
                 f'width="{bar_px:.1f}" height="4" fill="#222"/><text x="8" '
                 f'y="{height - 26:.1f}">{bar:g} m</text><text x="{width - 14}" y="16" '
                 'text-anchor="middle" font-weight="bold">N</text></g>')
    svg = (f'<svg class="sketch" xmlns="http://www.w3.org/2000/svg" width="{width}" '
           f'height="{height:.0f}" viewBox="0 0 {width} {height:.1f}" role="img" '
           f'aria-label="Schets van het kandidaatgebied">{"".join(items)}</svg>')
    return Markup(svg)  # numbers and fixed colours only


# -- small formatting helpers -----------------------------------------------------------------


def _pct(value: Any, decimals: int, *, fraction: bool = False) -> str:
    if value is None or pd.isna(value):
        return "–"
    number = float(value) * (100.0 if fraction else 1.0)
    return f"{nl_float(number, decimals)} %"


def _score(value: Any) -> str:
    number = float(value)
    return nl_float(0.0 if abs(number) < 0.005 else number, 2).replace("-", "−")


def _weight(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _area_text(area: Any) -> str:
    area = float(area)
    if area >= 10_000:
        return f"{nl_float(area / 10_000, 2)} ha ({nl_int(round(area))} m²)"
    return f"{nl_int(round(area))} m²"


def _cells_text(row: pd.Series) -> str:
    return (f"{int(row['cells_blijvend'])} blijvend, {int(row['cells_nieuw'])} nieuw, "
            f"{int(row['cells_verdwenen'])} verdwenen (van {int(row['cells_covered'])} cellen)")


def _incidents_in(incidents: pd.DataFrame, geom: Any) -> pd.DataFrame:
    """Return the meldingen (by their ``x`` and ``y``) inside ``geom`` or on its edge."""
    return incidents[shapely.intersects_xy(geom, incidents["x"].to_numpy(),
                                           incidents["y"].to_numpy())]
