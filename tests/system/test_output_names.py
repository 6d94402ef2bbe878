"""Output names taken from data stay files inside the output folder (issue #21, class 1).

A buurten file whose wijkcode is a path (``../../../../tmp/x``) or holds a slash (``WK05/05``)
must not make the build write outside ``--out`` or into a sub-folder of its own; every page the
index links to exists.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd

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
