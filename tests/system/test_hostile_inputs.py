"""Hostile inputs, round two (#21): names that look like paths, files of several layers.

A buurten file whose wijkcode is a path (``../../../../tmp/x``) or holds a slash (``WK05/05``)
must not make the build write outside ``--out`` or into a sub-folder of its own; every page the
index links to exists.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from hotspotkaart.cli.main import main
from tests.helpers.project import BUURTEN, incident_section, interior_points, write_config

HOSTILE = {"WK050501": "../../../../{escape}/x", "WK050502": "WK05/05", "WK050503": "/abs/wijk",
           "WK050504": "index"}


def test_wijk_codes_that_look_like_paths_stay_inside_the_output_folder(tmp_path: Path) -> None:
    escape = tmp_path / "outside"
    buurten = gpd.read_file(BUURTEN)
    for code, hostile in HOSTILE.items():
        buurten.loc[buurten["wijkcode"] == code, "wijkcode"] = hostile.format(
            escape=escape.as_posix().lstrip("/"))
    project = tmp_path / "project"
    project.mkdir()
    buurten.to_file(project / "buurten.geojson", driver="GeoJSON")
    rows = ["id;datum;soort;x;y"] + [
        f"M{i};{1 + i % 28:02d}-{1 + i % 12:02d}-{2023 + i % 2};Jeugd;{p.x:.1f};{p.y:.1f}"
        for i, p in enumerate(interior_points(200, seed=5))]
    (project / "m.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = write_config(project, incidents=incident_section("m.csv"),
                          buurten=project / "buurten.geojson",
                          extra="[analysis]\ncell_size = 500\n")
    out = tmp_path / "out"
    assert main(["build", "-q", "-c", str(config), "-o", str(out)]) == 0
    assert not escape.exists()
    assert not Path("/abs/wijk.html").exists()
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    pages = sorted(p for p in written if p.startswith("wijken/"))
    assert all(re.fullmatch(r"wijken/[A-Za-z0-9][A-Za-z0-9_-]*\.html", p) for p in pages), pages
    assert not any(p.is_dir() for p in (out / "wijken").iterdir())
    assert {"wijken/WK05-05.html", "wijken/abs-wijk.html", "wijken/index-wijk.html"} <= set(pages)
    index = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="(wijken/[^"]+)"', index)
    assert sorted(links) == pages  # every wijk linked, every link a page that exists


def _two_year_geopackage(path: Path) -> None:
    for year in (2023, 2024):
        points = interior_points(40, seed=year)
        gpd.GeoDataFrame({"id": [f"{year}-{i}" for i in range(40)],
                          "datum": [f"{year}-03-01"] * 40, "soort": "Jeugd"},
                         geometry=points.to_numpy(), crs="EPSG:28992").to_file(
            path, layer=f"meldingen_{year}")


def test_a_geopackage_of_two_layers_is_never_half_read(tmp_path: Path, capsys) -> None:
    _two_year_geopackage(tmp_path / "meldingen.gpkg")
    section = incident_section("meldingen.gpkg", crs=None).replace('x = "x"\ny = "y"\n', "")
    config = write_config(tmp_path, incidents=section, extra="[analysis]\ncell_size = 500\n")
    assert main(["build", "-q", "-c", str(config), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "holds several layers (meldingen_2023, meldingen_2024)" in err
    assert 'name it with layer = "…" in its [[incidents]] table' in err
    assert not (tmp_path / "out").exists()
    # one table per layer reads both: every record is used
    both = "\n".join(section.replace('path = "meldingen.gpkg"',
                                     f'path = "meldingen.gpkg"\nlayer = "meldingen_{y}"')
                     for y in (2023, 2024))
    config = write_config(tmp_path, incidents=both, extra="[analysis]\ncell_size = 500\n")
    assert main(["build", "-q", "-c", str(config), "-o", str(tmp_path / "out")]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["incidents"]["read"] == 80
    assert summary["per_period"] == {"2023": 40, "2024": 40}


def _small_project(folder: Path) -> Path:
    rows = ["id;datum;soort;x;y"] + [
        f"M{i};{1 + i % 28:02d}-{1 + i % 12:02d}-{2023 + i % 2};Jeugd;{p.x:.1f};{p.y:.1f}"
        for i, p in enumerate(interior_points(80, seed=6))]
    (folder / "m.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return write_config(folder, incidents=incident_section("m.csv"),
                        extra="[analysis]\ncell_size = 500\n")


def test_a_config_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    config = _small_project(tmp_path)
    config.write_bytes(b"\xef\xbb\xbf" + config.read_bytes())  # what Windows Notepad writes
    assert main(["check", "-c", str(config)]) == 0


def test_the_root_and_the_home_folder_are_refused_as_output_folder(tmp_path: Path,
                                                                   capsys) -> None:
    config = _small_project(tmp_path)
    for out in ("/", str(Path.home())):
        assert main(["build", "-q", "-c", str(config), "-o", out]) == 2
        err = capsys.readouterr().err
        assert "choose a folder of its own" in err
        assert "meldingen" not in err.split("error:")[0]  # refused before any work


def test_every_page_declares_dutch_and_has_a_title(tmp_path: Path) -> None:
    config = _small_project(tmp_path)
    out = tmp_path / "out"
    assert main(["build", "-q", "-c", str(config), "-o", str(out)]) == 0
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert re.search(r'<html lang="nl"', text), page.name
        title = re.search(r"<title>([^<]+)</title>", text)
        assert title is not None, page.name
        assert "Dordrecht" in title.group(1) or page.parent.name == "wijken", page.name



@pytest.mark.parametrize("kind", ["fifo", "device", "loop"])
def test_an_input_that_is_not_a_file_gets_a_sentence_not_a_hang(tmp_path: Path, capsys,
                                                                 kind: str) -> None:
    target = tmp_path / "m.csv"
    if kind == "fifo":
        os.mkfifo(target)  # opening it would wait for a writer forever
    elif kind == "loop":
        target.symlink_to(target)
    config = write_config(tmp_path, incidents=incident_section(
        "/dev/zero" if kind == "device" else "m.csv"))
    assert main(["check", "-c", str(config)]) == 2
    err = capsys.readouterr().err
    expected = {"fifo": "not a regular file", "device": "not a regular file",
                "loop": "symbolic link that never reaches a file"}[kind]
    assert expected in err


def test_too_many_categories_are_refused_with_the_limit(tmp_path: Path, capsys) -> None:
    rows = ["id;datum;soort;x;y"] + [
        f"M{i};{1 + i % 28:02d}-{1 + i % 12:02d}-{2023 + i % 2};soort {i};{p.x:.1f};{p.y:.1f}"
        for i, p in enumerate(interior_points(400, seed=12))]
    (tmp_path / "m.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = write_config(tmp_path, incidents=incident_section("m.csv"),
                          extra="[analysis]\ncell_size = 500\n")
    assert main(["build", "-q", "-c", str(config), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "400 different categories" in err
    assert "at most 300" in err


def test_thousands_of_overlapping_zones_give_a_short_summary(tmp_path: Path) -> None:
    centre = interior_points(1, seed=3).iloc[0]
    zones = gpd.GeoDataFrame(
        {"naam": [f"Zone {i}" for i in range(300)]},
        geometry=[centre.buffer(200 + i) for i in range(300)], crs="EPSG:28992")
    zones.to_file(tmp_path / "zones.geojson", driver="GeoJSON")
    project = _small_project(tmp_path)
    text = project.read_text(encoding="utf-8") + (
        '\n[[zones]]\nkind = "alcoholverbod"\npath = "zones.geojson"\nname = "naam"\n')
    project.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", "-q", "-c", str(project), "-o", str(out), "--only", "overzicht"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    overlaps = [w for w in summary["warnings"] if "overlap" in w]
    assert len(overlaps) == 11  # ten pairs by name, then one sentence for the rest
    assert overlaps[-1].startswith(f"{300 * 299 // 2 - 10:,} more pairs of zones")


URL_LIKE = ("src=https://evil.example/a.png", "url(https://evil.example/b.png)",
            "@import 'https://evil.example/c.css'")


def test_text_that_looks_like_a_url_is_shown_not_refused(tmp_path: Path, open_map) -> None:
    rows = ["id;datum;soort;x;y"] + [
        f"M{i};{1 + i % 28:02d}-{1 + i % 12:02d}-{2023 + i % 2};{URL_LIKE[i % 3]};"
        f"{p.x:.1f};{p.y:.1f}" for i, p in enumerate(interior_points(90, seed=14))]
    (tmp_path / "m.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    centre = interior_points(1, seed=15).iloc[0]
    gpd.GeoDataFrame({"naam": [URL_LIKE[0]]}, geometry=[centre.buffer(300)],
                     crs="EPSG:28992").to_file(tmp_path / "z.geojson", driver="GeoJSON")
    config = write_config(tmp_path, incidents=incident_section("m.csv"), extra=(
        '[[zones]]\nkind = "alcoholverbod"\npath = "z.geojson"\nname = "naam"\n\n'
        "[analysis]\ncell_size = 500\n"))
    out = tmp_path / "out"
    assert main(["build", "-q", "-c", str(config), "-o", str(out)]) == 0
    page = open_map(out / "overzicht.html")
    labels = page.page.locator(".hk-radio").all_inner_texts()
    assert {label.strip() for label in labels} >= set(URL_LIKE)
    assert page.blocked_requests == []
    assert page.console_errors == []


def test_a_zone_of_many_vertices_keeps_the_field_map_small(tmp_path: Path) -> None:
    centre = interior_points(1, seed=16).iloc[0]
    angles = np.linspace(0, 2 * np.pi, 60_000, endpoint=False)
    radius = 300 + 2 * np.sin(angles * 40)  # a finely drawn, wavy edge
    ring = np.column_stack([centre.x + radius * np.cos(angles), centre.y + radius * np.sin(angles)])
    gpd.GeoDataFrame({"naam": ["Fijn getekend"]}, geometry=[shapely.Polygon(ring)],
                     crs="EPSG:28992").to_file(tmp_path / "z.geojson", driver="GeoJSON")
    project = _small_project(tmp_path)
    project.write_text(project.read_text(encoding="utf-8") + (
        '\n[[zones]]\nkind = "cameratoezicht"\npath = "z.geojson"\nname = "naam"\n'),
        encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", "-q", "-c", str(project), "-o", str(out), "--only", "veldkaart"]) == 0
    size = (out / "veldkaart.html").stat().st_size
    assert size < 600_000, size  # the zone alone holds about 1.5 MB of coordinates
    assert "Fijn getekend" in (out / "veldkaart.html").read_text(encoding="utf-8")
