"""Write the corpus of bad inputs in tests/data/ (run once; the files are committed).

    .venv/bin/python tests/data/make_corpus.py

The files are small, realistic exports: Dordrecht RD coordinates inside real buurten, Dutch Excel
conventions, municipal GIS habits. Each file is a case (or several) in ``corpus.toml``, which
declares what hotspotkaart must do with it. This script only writes inputs; the expected
outcomes are written by hand in the manifest. The ``assert`` statements check the geometric
premises the manifest relies on (a point lies inside this zone, 30 m outside the municipality…).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import Transformer

HERE = Path(__file__).resolve().parent
BUURTEN = HERE.parent.parent / "geo" / "dordrecht_buurten_2024.geojson"
TO_WGS84 = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)

HEADER = "id;datum;soort;x;y"

#: Points 20 m or more inside real buurten (RD New, 0.1 m), named after their buurt.
P = {
    "nieuwe_haven": (105027.4, 425642.6),   # BU05050100 Binnenstad
    "centrum": (105444.7, 425257.4),        # BU05050108 Binnenstad
    "groenmarkt": (105170.3, 425480.1),     # BU05050101 Binnenstad (interior buurt)
    "indische_buurt": (106447.7, 424647.3),  # BU05050503 Het Reeland
    "wielwijk": (104629.7, 422922.0),       # BU05050703 Wielwijk
    "vredenburg": (106408.0, 421124.3),     # BU05050908 Sterrenburg
    "iroko": (108262.5, 424992.9),          # BU05051103 Stadspolders
    "kasperspad": (105779.8, 425093.7),     # BU05050205 Noordflank
}


def nl(value: float) -> str:
    """A coordinate as Dutch Excel writes it: decimal comma."""
    return f"{value:.1f}".replace(".", ",")


def write(path: str, text: str, encoding: str = "utf-8", newline: str = "\r\n") -> None:
    target = HERE / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.replace("\n", newline).encode(encoding))


def write_geojson(path: str, features: list[dict], crs: str | None = "EPSG:28992") -> None:
    doc: dict = {"type": "FeatureCollection"}
    if crs:
        urn = f"urn:ogc:def:crs:{crs.replace(':', '::')}"
        doc["crs"] = {"type": "name", "properties": {"name": urn}}
    doc["features"] = features
    target = HERE / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def feature(geometry: dict | None, **properties: object) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def square(centre: tuple[float, float], half: float) -> list[list[float]]:
    x, y = centre
    return [[x - half, y - half], [x + half, y - half], [x + half, y + half], [x - half, y + half],
            [x - half, y - half]]


def rows(points: list[str], *, prefix: str, start_day: int = 1) -> list[str]:
    categories = ("Jeugd", "Alcohol/drugs", "Persoon met onbegrepen gedrag")
    out = []
    for i, name in enumerate(points):
        x, y = P[name]
        year = 2023 + i % 2
        out.append(f"{prefix}-{i + 1:03d};{start_day + i:02d}-0{1 + i % 9}-{year} 2{i % 4}:15;"
                   f"{categories[i % 3]};{nl(x)};{nl(y)}")
    return out


def main() -> None:
    buurten = gpd.read_file(BUURTEN)
    outline = shapely.union_all(buurten.geometry.to_numpy())
    for name, (x, y) in P.items():
        assert outline.contains(shapely.Point(x, y).buffer(15)), name
    eight = list(P)

    # -- incident CSV files ------------------------------------------------------------------
    write("incidents/clean.csv", "\n".join([HEADER, *rows(eight, prefix="C")]) + "\n")
    write("incidents/empty.csv", "", newline="\n")
    write("incidents/header_only.csv", HEADER + "\n")
    write("incidents/missing_column.csv",
          "\n".join(["melding;datum;categorie;x;y",
                     *[r.replace("Jeugd", "jeugd") for r in rows(eight[:3], prefix="MC")]])
          + "\n")
    write("incidents/colon_separated.csv",
          "\n".join([HEADER.replace(";", ":"),
                     *[r.replace(";", ":") for r in rows(eight[:3], prefix="CS")]]) + "\n")
    # comma-separated with unquoted decimal commas: those records get 7 fields instead of 5
    comma = ["id,datum,soort,x,y"]
    for i, name in enumerate(eight[:6]):
        x, y = P[name]
        if i < 2:
            comma.append(f"KC-{i + 1},0{i + 1}-03-2023,Jeugd,{x:.0f},{y:.0f}")
        elif i < 4:
            comma.append(f'KC-{i + 1},0{i + 1}-03-2024,Jeugd,"{nl(x)}","{nl(y)}"')
        else:
            comma.append(f"KC-{i + 1},0{i + 1}-03-2024,Jeugd,{nl(x)},{nl(y)}")
    write("incidents/comma_with_decimal_comma.csv", "\n".join(comma) + "\n")
    write("incidents/tab_separated.txt",
          "\n".join([HEADER.replace(";", "\t"),
                     *[r.replace(";", "\t") for r in rows(eight[:4], prefix="TS")]]) + "\n")
    x, y = P["centrum"]
    x2, y2 = P["iroko"]
    write("incidents/decimal_comma.csv", "\n".join([
        HEADER,
        f"DC-1;05-05-2023;Jeugd;{nl(x)};{nl(y)}",
        f"DC-2;06-05-2023;Jeugd;{x:,.1f};{y:,.1f}".replace(",", "X").replace(".", ",").replace(
            "X", "."),                                           # 105.444,7 (thousands dot)
        f"DC-3;07-05-2024;Jeugd;{x2:.2f};{y2:.2f}",              # decimal point
        f"DC-4;08-05-2024;Jeugd;{nl(x2)}0;{nl(y2)}0",            # two decimals, comma
    ]) + "\n")
    cp_rows = [HEADER, *rows(eight[:3], prefix="W")]
    cp_rows.append(f"W-004;04-04-2024;Overlast café – terras;{nl(x)};{nl(y)}")
    write("incidents/cp1252.csv", "\n".join(cp_rows) + "\n", encoding="cp1252")
    bom = "\ufeff" + "\n".join([HEADER, *rows(eight[:3], prefix="B"),
                                f"B-004;04-04-2024;Overlast café;{nl(x)};{nl(y)}"]) + "\n"
    write("incidents/utf8_bom.csv", bom)
    mixed = (("\n".join([HEADER, *rows(eight[:2], prefix="MX"),
                         f"MX-003;03-03-2023;Overlast café;{nl(x)};{nl(y)}"]) + "\n")
             .replace("\n", "\r\n").encode("utf-8")
             + f"MX-004;04-04-2024;Overlast café;{nl(x)};{nl(y)}\r\n".encode("cp1252"))
    (HERE / "incidents/mixed_encoding.csv").write_bytes(mixed)
    # Excel "Unicode-tekst": UTF-16 LE with BOM, tab-separated
    utf16 = "\n".join([HEADER.replace(";", "\t"),
                       *[r.replace(";", "\t") for r in rows(eight[:3], prefix="U")],
                       f"U-004\t04-04-2024\tOverlast café\t{nl(x)}\t{nl(y)}"]) + "\n"
    write("incidents/excel_unicode_text.txt", utf16, encoding="utf-16")
    write("incidents/excel_sep_hint.csv",
          "\n".join(["sep=;", HEADER, *rows(eight[:3], prefix="SH")]) + "\n")

    lonlat = []
    for i, name in enumerate(eight[:4]):
        lon, lat = TO_WGS84.transform(*P[name])
        lonlat.append((f"G-{i + 1}", f"1{i}-06-202{3 + i % 2}", lon, lat))
    write("incidents/rd_declared_wgs84.csv",
          "\n".join(["id;datum;soort;lon;lat", *rows(eight[:4], prefix="RW")]) + "\n")
    write("incidents/wgs84_declared_rd.csv",
          "\n".join([HEADER, *[f"{i};{d};Jeugd;{lon:.6f};{lat:.6f}".replace(".", ",")
                               for i, d, lon, lat in lonlat]]) + "\n")
    write("incidents/wgs84_undeclared.csv",
          "\n".join(["id;datum;soort;lon;lat", *[f"{i};{d};Jeugd;{lon:.6f};{lat:.6f}"
                                                for i, d, lon, lat in lonlat]]) + "\n")
    write("incidents/swapped_lat_lon.csv",
          "\n".join(["id;datum;soort;lon;lat", *[f"{i};{d};Jeugd;{lat:.7f};{lon:.7f}"
                                                for i, d, lon, lat in lonlat]]) + "\n")
    write("incidents/swapped_rd.csv",
          "\n".join([HEADER, *[f"SR-{i + 1};1{i}-06-2024;Jeugd;{nl(P[n][1])};{nl(P[n][0])}"
                               for i, n in enumerate(eight[:4])]]) + "\n")

    far = [HEADER, *rows(eight[:3], prefix="F"),
           "F-004;04-04-2024;Jeugd;0;0",                     # placeholder for "unknown"
           "F-005;05-04-2024;Jeugd;999999;999999",
           "F-006;06-04-2024;Jeugd;105444,7;-425257,4",       # sign typo
           "F-007;07-04-2024;Jeugd;155000;463000"]            # Amersfoort: NL, not Dordrecht
    write("incidents/far_outside_nl.csv", "\n".join(far) + "\n")

    # 30-50 m beyond the municipal boundary, in the rivers and on the opposite banks
    outside = []
    ring = outline.exterior
    for fraction in (0.05, 0.40, 0.72):
        on = ring.interpolate(fraction, normalized=True)
        nearest = None
        for dx, dy in ((40, 0), (-40, 0), (0, 40), (0, -40), (28, 28), (-28, -28), (28, -28),
                       (-28, 28)):
            candidate = shapely.Point(on.x + dx, on.y + dy)
            if not outline.covers(candidate) and outline.distance(candidate) > 25:
                nearest = candidate
                break
        assert nearest is not None
        assert outline.distance(nearest) < 60
        outside.append((round(nearest.x, 1), round(nearest.y, 1)))
    just = [HEADER, *rows(eight[:3], prefix="J")]
    just += [f"J-{4 + i:03d};1{i}-08-2024;Jeugd;{nl(px)};{nl(py)}"
             for i, (px, py) in enumerate(outside)]
    write("incidents/just_outside_municipality.csv", "\n".join(just) + "\n")

    write("incidents/missing_coordinates.csv", "\n".join([
        HEADER, *rows(eight[:2], prefix="N"),
        f"N-003;03-03-2023;Jeugd;;{nl(y)}",          # no x
        f"N-004;04-03-2023;Jeugd;{nl(x)};",          # no y
        "N-005;05-03-2023;Jeugd;;",                  # neither
        "N-006;06-03-2023;Jeugd; ; ",                # blanks
        f"N-007;07-03-2023;Jeugd;NaN;{nl(y)}",       # NaN from a script
        "N-008;08-03-2023;Jeugd;nan;nan",
        "N-009;09-03-2023;Jeugd;#N/B;#N/B",          # Dutch Excel's #N/A
        "N-010;10-03-2023;Jeugd;n.v.t.;n.v.t.",
        f"N-011;11-03-2023;Jeugd;inf;{nl(y)}",
    ]) + "\n")

    write("incidents/dates.csv", "\n".join([
        HEADER,
        f"D-01;01-01-2023 00:00;Jeugd;{nl(x)};{nl(y)}",              # 2: first minute
        f"D-02;31-12-2024 23:59;Jeugd;{nl(x)};{nl(y)}",              # 3: last minute
        f"D-03;29-02-2024;Jeugd;{nl(x)};{nl(y)}",                    # 4: leap day
        f"D-04;2024-06-01T22:15:00+02:00;Jeugd;{nl(x)};{nl(y)}",     # 5: ISO with offset
        f"D-05;3/7/2023 8:05;Jeugd;{nl(x)};{nl(y)}",                 # 6: short Dutch
        f"D-06;gisteren;Jeugd;{nl(x)};{nl(y)}",                      # 7: unreadable
        f"D-07;13-2023;Jeugd;{nl(x)};{nl(y)}",                       # 8: unreadable
        f"D-08;31-02-2024;Jeugd;{nl(x)};{nl(y)}",                    # 9: no such day
        f"D-09;29-02-2023;Jeugd;{nl(x)};{nl(y)}",                    # 10: not a leap year
        f"D-10;2023-13-01;Jeugd;{nl(x)};{nl(y)}",                    # 11: month 13
        f"D-11;15-06-2022;Jeugd;{nl(x)};{nl(y)}",                    # 12: before periods
        f"D-12;01-01-2025 00:00;Jeugd;{nl(x)};{nl(y)}",              # 13: after periods
        f"D-13;31-12-9999;Jeugd;{nl(x)};{nl(y)}",                    # 14: placeholder
        f"D-14;;Jeugd;{nl(x)};{nl(y)}",                              # 15: missing
        f"D-15;31-12-2022 23:30;Jeugd;{nl(x)};{nl(y)}",              # 16: New Year's Eve
    ]) + "\n")

    write("incidents/duplicate_ids.csv", "\n".join([
        HEADER, *rows(eight[:4], prefix="DUP"),
        f"DUP-002;09-09-2024;Jeugd;{nl(x)};{nl(y)}",
        f" DUP-003 ;10-09-2024;Jeugd;{nl(x)};{nl(y)}",
        f"DUP-002;11-09-2024;Jeugd;{nl(x)};{nl(y)}",
    ]) + "\n")
    write("incidents/by_year/2023/meldingen.csv",
          "\n".join([HEADER, *rows(eight[:3], prefix="Y")]) + "\n")
    write("incidents/by_year/2024/meldingen.csv", "\n".join([
        HEADER, f"Y-002;02-02-2024;Jeugd;{nl(x)};{nl(y)}",
        f"Y-104;04-02-2024;Jeugd;{nl(x)};{nl(y)}", "Y-105;31-02-2024;Jeugd;1;1"]) + "\n")

    unclosed = [HEADER, *rows(eight[:2], prefix="Q"),
                f'Q-003;03-05-2023;"Jeugd, hangplek;{nl(x)};{nl(y)}',
                *rows(eight[3:6], prefix="Q2", start_day=10)]
    write("incidents/unclosed_quote.csv", "\n".join(unclosed) + "\n")
    write("incidents/duplicate_header.csv",
          "\n".join([HEADER + ";x", *[r + ";1" for r in rows(eight[:2], prefix="DH")]]) + "\n")
    write("incidents/blank_rows.csv", "\n".join([
        HEADER, *rows(eight[:2], prefix="BL"), ";;;;", "", *rows(eight[2:4], prefix="BL2"),
        ";;;;", " ; ; ; ; ", ""]) + "\n")

    # a workbook saved with the .xlsx extension (zip container)
    with zipfile.ZipFile(HERE / "incidents/meldingen.xlsx", "w") as book:
        for name, content in (("[Content_Types].xml", '<?xml version="1.0"?><Types/>'),
                              ("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')):
            book.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), content)

    # -- incident vector files ---------------------------------------------------------------
    vec = []
    for i, name in enumerate(eight[:3]):
        px, py = P[name]
        vec.append(feature({"type": "Point", "coordinates": [px, py, 1.2 + i]},
                           melding_id=f"Z-{i + 1}", datum=f"2023-0{i + 1}-15T21:00:00",
                           soort="Jeugd"))
    vec.append(feature(None, melding_id="Z-4", datum="2024-01-15", soort="Jeugd"))
    vec.append(feature({"type": "MultiPoint", "coordinates": [[x, y, 0.0]]},
                       melding_id="Z-5", datum="2024-01-16", soort="Jeugd"))
    vec.append(feature({"type": "MultiPoint", "coordinates": [[x, y], [x2, y2]]},
                       melding_id="Z-6", datum="2024-01-17", soort="Jeugd"))
    vec.append(feature({"type": "LineString", "coordinates": [[x, y], [x2, y2]]},
                       melding_id="Z-7", datum="2024-01-18", soort="Jeugd"))
    vec.append(feature({"type": "Point", "coordinates": [x2, y2, 0.0]},
                       melding_id=None, datum=None, soort="Jeugd"))
    write_geojson("incidents/points_z.geojson", vec)
    write_geojson("incidents/rd_without_crs_member.geojson",
                  [feature({"type": "Point", "coordinates": list(P[n])}, melding_id=f"R-{i}",
                           datum=f"2024-03-0{i + 1}", soort="Jeugd")
                   for i, n in enumerate(eight[:3])], crs=None)

    # -- zones ---------------------------------------------------------------------------------
    cx, cy = P["centrum"]
    ix, iy = P["indische_buurt"]
    wx, wy = P["wielwijk"]
    centre_zone = shapely.Polygon(square((cx, cy), 150))
    for name, (px, py) in P.items():
        assert centre_zone.contains(shapely.Point(px, py)) == (name == "centrum"), name
    bowtie = [[ix - 100, iy - 100], [ix + 100, iy + 100], [ix + 100, iy - 100],
              [ix - 100, iy + 100], [ix - 100, iy - 100]]
    # a ring that crosses itself: a square with a loop at its right edge
    loop = [[wx - 100, wy - 100], [wx + 100, wy - 100], [wx + 100, wy + 100],
            [wx + 150, wy + 50], [wx + 100, wy], [wx - 100, wy + 100], [wx - 100, wy - 100]]
    assert not shapely.Polygon(bowtie).is_valid
    assert not shapely.Polygon(loop).is_valid
    assert shapely.make_valid(shapely.Polygon(bowtie)).contains(shapely.Point(ix + 50, iy))
    assert shapely.make_valid(shapely.Polygon(loop)).contains(shapely.Point(wx, wy - 50))
    open_ = {"geldig_vanaf": "2023-01-01", "geldig_tot": None}
    first = square((cx - 60, cy), 150)
    second = square((cx + 60, cy), 150)
    probes = {  # row: point, and the zones (below) that contain it
        2: ((cx, cy), {"centre", "first", "second"}),
        3: ((ix + 50, iy), {"bowtie"}),
        4: ((ix, iy + 50), set()),          # in the notch between the bow-tie's triangles
        5: ((wx, wy - 50), {"loop"}),
        6: ((cx + 100, cy), {"centre", "second"}),
        7: ((cx - 100, cy), {"centre", "first"}),
        8: ((cx + 300, cy), set()),
    }
    shapes = {"centre": centre_zone, "first": shapely.Polygon(first),
              "second": shapely.Polygon(second),
              "bowtie": shapely.make_valid(shapely.Polygon(bowtie)),
              "loop": shapely.make_valid(shapely.Polygon(loop))}
    lines = [HEADER]
    for row, ((px, py), inside) in probes.items():
        assert outline.contains(shapely.Point(px, py).buffer(5)), row
        for name, shape in shapes.items():
            assert shape.contains(shapely.Point(px, py)) == (name in inside), (row, name)
        lines.append(f"ZP-{row};{row:02d}-05-2024 21:00;Jeugd;{nl(px)};{nl(py)}")
    write("incidents/zone_probes.csv", "\n".join(lines) + "\n")
    write_geojson("zones/null_and_empty.geojson", [
        feature({"type": "Polygon", "coordinates": [square((cx, cy), 150)]}, naam="Centrum",
                **open_),
        feature(None, naam="Zonder vorm", **open_),
        feature({"type": "Polygon", "coordinates": []}, naam="Leeg vlak", **open_),
        feature({"type": "GeometryCollection", "geometries": []}, naam="Lege verzameling",
                **open_),
    ])
    write_geojson("zones/invalid.geojson", [
        feature({"type": "Polygon", "coordinates": [bowtie]}, naam="Strik Reeland", **open_),
        feature({"type": "Polygon", "coordinates": [loop]}, naam="Lus Wielwijk", **open_),
    ])
    write_geojson("zones/geometrycollection.geojson", [
        feature({"type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "coordinates": [square((cx, cy), 150)]},
            {"type": "Point", "coordinates": [cx, cy]}]}, naam="Centrum met camera", **open_),
        feature({"type": "GeometryCollection", "geometries": [
            {"type": "Point", "coordinates": [ix, iy]},
            {"type": "LineString", "coordinates": [[ix, iy], [ix + 50, iy]]}]},
            naam="Alleen punt en lijn", **open_),
        feature({"type": "LineString", "coordinates": [[wx, wy], [wx + 80, wy]]},
                naam="Straat", **open_),
        feature({"type": "Point", "coordinates": [wx, wy]}, naam="Paal", **open_),
    ])
    write_geojson("zones/overlapping.geojson", [
        feature({"type": "Polygon", "coordinates": [first]}, naam="Centrum west", **open_),
        feature({"type": "Polygon", "coordinates": [second]}, naam="Centrum oost", **open_),
    ])
    wgs = gpd.GeoSeries([centre_zone], crs="EPSG:28992").to_crs("EPSG:4326")
    write_geojson("zones/wgs84.geojson", [
        feature(json.loads(wgs.to_json())["features"][0]["geometry"], naam="Centrum",
                **open_)], crs=None)
    mercator = gpd.GeoDataFrame({"naam": ["Centrum"], "geldig_vanaf": ["2023-01-01"],
                                 "geldig_tot": [None]},
                                geometry=[centre_zone], crs="EPSG:28992").to_crs("EPSG:3857")
    target = HERE / "zones/web_mercator.gpkg"
    target.unlink(missing_ok=True)
    mercator.to_file(target, layer="alcoholverbod", driver="GPKG")
    write_geojson("zones/rd_without_crs_member.geojson", [
        feature({"type": "Polygon", "coordinates": [square((cx, cy), 150)]}, naam="Centrum",
                **open_)], crs=None)
    write_geojson("zones/far_away.geojson", [
        feature({"type": "Polygon", "coordinates": [square((cx, cy), 150)]}, naam="Centrum",
                **open_),
        feature({"type": "Polygon", "coordinates": [square((50, 50), 50)]}, naam="Nulpunt",
                **open_),
    ])
    z_square = [[px, py, 0.0] for px, py in square((cx, cy), 150)]
    write_geojson("zones/validity.geojson", [
        feature({"type": "Polygon", "coordinates": [z_square]}, naam="Tot 9999",
                geldig_vanaf="01-01-2023", geldig_tot="31-12-9999"),
        feature({"type": "Polygon", "coordinates": [square((ix, iy), 150)]}, naam="Morgen",
                geldig_vanaf="morgen", geldig_tot=None),
        feature({"type": "Polygon", "coordinates": [square((wx, wy), 150)]}, naam="Omgekeerd",
                geldig_vanaf="2024-07-01", geldig_tot="2024-01-01"),
        feature({"type": "Polygon", "coordinates": [square((wx, wy), 150)]}, naam="31 februari",
                geldig_vanaf="31-02-2024", geldig_tot=None),
    ])
    write_geojson("zones/no_features.geojson", [], crs=None)
    write_geojson("zones/missing_name_column.geojson", [
        feature({"type": "Polygon", "coordinates": [square((cx, cy), 150)]}, gebied="Centrum",
                **open_)])

    # -- named locations ---------------------------------------------------------------------
    write_geojson("locations/messy.geojson", [
        feature({"type": "Point", "coordinates": [cx, cy, 2.5]}, naam="Statenplein", jaar=2023,
                status="blijvend"),
        feature({"type": "MultiPoint", "coordinates": [[ix, iy]]}, naam="Bieshof", jaar=2024,
                status=None),
        feature({"type": "Polygon", "coordinates": [square((wx, wy), 50)]}, naam="Plein",
                jaar=2024, status="nieuw"),
        feature(None, naam="Onbekend", jaar=2023, status="afgenomen"),
        feature({"type": "Point", "coordinates": [wx, wy]}, naam="Loswalweg", jaar="twee",
                status="afgenomen"),
        feature({"type": "Point", "coordinates": [5000, 5000]}, naam="Verkeerd", jaar=2024,
                status="nieuw"),
    ])

    # -- boundaries ----------------------------------------------------------------------------
    wijk = buurten[buurten["wijkcode"] == "WK050501"].reset_index(drop=True)
    keep = ["buurtcode", "buurtnaam", "wijkcode", "wijknaam", "gemeentecode", "gemeentenaam",
            "geometry"]
    gaps = wijk[wijk["buurtcode"] != "BU05050101"][keep]   # Groenmarkt is interior
    union = shapely.union_all(gaps.geometry.to_numpy())
    assert len(union.interiors) == 1
    assert not union.covers(shapely.Point(P["groenmarkt"]))
    _write_frame(gaps, "boundaries/binnenstad_gap.geojson")
    grown = wijk[keep].copy()
    centrum = grown["buurtcode"] == "BU05050108"
    grown.loc[centrum, "geometry"] = grown.loc[centrum, "geometry"].buffer(40)
    _write_frame(grown, "boundaries/binnenstad_overlap.geojson")
    plain = wijk[keep].copy()
    target = HERE / "boundaries/binnenstad_rd_without_crs.geojson"
    doc = json.loads(plain.to_json())
    doc.pop("crs", None)
    target.write_text(json.dumps(doc) + "\n", encoding="utf-8")
    nameless = wijk[keep].copy()
    nameless.loc[3, "buurtcode"] = None
    _write_frame(nameless, "boundaries/binnenstad_missing_code.geojson")
    write("incidents/binnenstad.csv", "\n".join([
        HEADER,
        f"BI-1;01-04-2023;Jeugd;{nl(P['nieuwe_haven'][0])};{nl(P['nieuwe_haven'][1])}",
        f"BI-2;02-04-2024;Jeugd;{nl(P['centrum'][0])};{nl(P['centrum'][1])}",
        f"BI-3;03-04-2024;Jeugd;{nl(P['groenmarkt'][0])};{nl(P['groenmarkt'][1])}",
        # 20 m outside the original Centrum buurt, inside its 40 m growth
        "BI-4;04-04-2024;Jeugd;{};{}".format(*[nl(v) for v in _just_beyond(wijk, centrum)]),
    ]) + "\n")


def _just_beyond(wijk: gpd.GeoDataFrame, centrum: pd.Series) -> tuple[float, float]:
    """A point 20 m outside buurt Centrum, inside a neighbouring buurt of the Binnenstad."""
    shape = wijk.loc[centrum, "geometry"].iloc[0]
    others = shapely.union_all(wijk.loc[~centrum, "geometry"].to_numpy())
    ring = shape.exterior
    for i in range(200):
        on = ring.interpolate(i / 200, normalized=True)
        for dx, dy in ((20, 0), (-20, 0), (0, 20), (0, -20)):
            p = shapely.Point(round(on.x + dx, 1), round(on.y + dy, 1))
            if (not shape.buffer(5).covers(p) and shape.buffer(35).contains(p)
                    and others.buffer(-5).contains(p)):
                return p.x, p.y
    msg = "no point beside Centrum found"
    raise AssertionError(msg)


def _write_frame(frame: gpd.GeoDataFrame, path: str) -> None:
    target = HERE / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    frame.to_file(target, driver="GeoJSON")


if __name__ == "__main__":
    main()
