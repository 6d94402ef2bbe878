"""Faults while writing: a failing writer, a failing commit, a build killed with SIGKILL.

A previous build's outputs must stay intact and readable, and no temporary file may appear in the
output folder. The writers are patched where the pipeline calls them (``hotspotkaart.pipeline``
imports them by name, so patching ``hotspotkaart.io.export`` alone would not reach the build).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from hotspotkaart import pipeline
from hotspotkaart._errors import OutputError
from hotspotkaart.cli.main import main
from hotspotkaart.io import export, geopackage
from tests.helpers.project import incident_section, interior_points, write_config

STAGING = ".hotspotkaart-staging-"
ANALYSIS = "[analysis]\ncell_size = 500\n"


def _project(folder: Path, n: int = 60) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    points = interior_points(n, seed=31)
    rows = ["id;datum;soort;x;y"] + [
        f"F{i};{1 + i % 28:02d}-{1 + i % 12:02d}-{2023 + i % 2} 22:10;Jeugd;"
        f"{p.x:.1f};{p.y:.1f}".replace(".", ",")
        for i, p in enumerate(points)]
    rows.append("F-bad;31-02-2024;Jeugd;105000;425000")
    (folder / "m.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return write_config(folder, incidents=incident_section("m.csv"), extra=ANALYSIS)


def _add_melding(config: Path) -> None:
    """Change the input, so that a new build would change every table."""
    p = interior_points(1, seed=99).iloc[0]
    with (config.parent / "m.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"F-new;15-06-2024 23:00;Alcohol/drugs;{p.x:.1f};{p.y:.1f}\n".replace(".", ","))


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*")) if p.is_file()}


def _assert_each_readable(out: Path) -> None:
    """Every output opens on its own: JSON parses, the GeoPackage and the CSVs read."""
    json.loads((out / "summary.json").read_text(encoding="utf-8"))
    layers = {name for name, _ in pyogrio.list_layers(out / "hotspotkaart.gpkg")}
    assert {"buurten", "wijken", "incidents"} <= layers
    gpd.read_file(out / "hotspotkaart.gpkg", layer="incidents")
    for table in out.glob("*.csv"):
        pd.read_csv(table, sep=";")
    for page in out.rglob("*.html"):
        assert page.read_text(encoding="utf-8").rstrip().endswith("</html>"), page


def _assert_readable(out: Path) -> None:
    """Every output opens and they belong to one build (the summary matches the GeoPackage)."""
    _assert_each_readable(out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["incidents"]["read"] == summary["incidents"]["used"] + summary[
        "incidents"]["rejected"]
    layers = {name for name, _ in pyogrio.list_layers(out / "hotspotkaart.gpkg")}
    assert {"buurten", "wijken", "incidents"} <= layers
    incidents = gpd.read_file(out / "hotspotkaart.gpkg", layer="incidents")
    assert len(incidents) == summary["incidents"]["used"]


def _no_leftovers(out: Path) -> None:
    names = [p.name for p in out.rglob("*") if p.name != export.MANIFEST]  # the build's list
    assert not [n for n in names if n.startswith(".") or n.endswith(
        ("-journal", "-wal", "-shm", ".tmp", "~"))], names
    assert not list(out.parent.glob(f"{STAGING}*"))


@pytest.fixture(scope="module")
def previous(tmp_path_factory) -> tuple[Path, Path]:
    """A project and the outputs of one successful build of it."""
    folder = tmp_path_factory.mktemp("previous")
    config = _project(folder / "project")
    out = folder / "kaarten"
    assert main(["build", "-q", "-c", str(config), "-o", str(out)]) == 0
    return config, out


@pytest.fixture
def setup(previous, tmp_path) -> tuple[Path, Path, dict[str, bytes]]:
    """A private copy of the project and its previous outputs; the input already changed."""
    config, out = previous
    shutil.copytree(config.parent, tmp_path / "project")
    shutil.copytree(out, tmp_path / "kaarten")
    config = tmp_path / "project" / "hotspotkaart.toml"
    _add_melding(config)
    notes = tmp_path / "kaarten" / "notities" / "LEESMIJ.txt"  # the user's own file
    notes.parent.mkdir()
    notes.write_text("kaarten van het veiligheidsoverleg\n", encoding="utf-8")
    return config, tmp_path / "kaarten", _snapshot(tmp_path / "kaarten")


def _half_geopackage(path, layers, **options):
    geopackage.write_geopackage(path, dict(list(layers.items())[:1]))  # one layer written, then…
    raise OSError(28, "No space left on device")


def _half_json(path, data):
    path.write_text(json.dumps(data)[:100], encoding="utf-8")
    msg = "simulated crash in the JSON writer"
    raise RuntimeError(msg)


def _refusing_csv(path, frame):
    msg = f"{path.name} is locked by Excel"
    raise OutputError(msg)


def _interrupted_html(path, page):
    path.write_text(page[:1000], encoding="utf-8")
    raise KeyboardInterrupt


@pytest.mark.parametrize(("writer", "broken", "code", "message"), [
    ("write_geopackage", _half_geopackage, 2, r"cannot write the outputs to .*the disk is full"),
    ("write_json", _half_json, 1, r"internal error: RuntimeError: simulated crash"),
    ("write_csv", _refusing_csv, 2, r"buurten\.csv is locked by Excel"),
    ("write_html", _interrupted_html, 130, r"interrupted; previous outputs are left as they were"),
])
def test_a_failing_writer_leaves_the_previous_outputs(setup, monkeypatch, capsys, writer,
                                                      broken, code, message):
    config, out, before = setup
    monkeypatch.setattr(pipeline, writer, broken)
    assert main(["build", "-q", "-c", str(config), "-o", str(out)]) == code
    err = capsys.readouterr().err
    assert re.search(message, err), err
    assert "Traceback" not in err
    assert _snapshot(out) == before
    _no_leftovers(out)
    _assert_readable(out)


def _fails_on_call(real, n: int):
    calls = []

    def wrapper(*args):
        calls.append(args[-1])
        if len(calls) == n:
            raise OSError(5, "Input/output error")
        return real(*args)

    return wrapper, calls


@pytest.mark.parametrize("step", ["_link_or_copy", "_exchange"])
def test_a_failing_commit_leaves_the_previous_outputs(setup, monkeypatch, capsys, step):
    config, out, before = setup
    broken, _ = _fails_on_call(getattr(export, step), 1)
    monkeypatch.setattr(export, step, broken)
    assert main(["build", "-q", "-c", str(config), "-o", str(out)]) == 2
    assert "Input/output error" in capsys.readouterr().err
    assert _snapshot(out) == before
    _no_leftovers(out)
    _assert_readable(out)


def test_a_commit_keeps_the_files_it_does_not_replace(setup):
    config, out, before = setup
    assert main(["build", "-q", "-c", str(config), "-o", str(out)]) == 0
    after = _snapshot(out)
    assert after["notities/LEESMIJ.txt"] == before["notities/LEESMIJ.txt"]
    assert after.keys() == before.keys()
    assert after["summary.json"] != before["summary.json"]
    _no_leftovers(out)
    _assert_readable(out)


def test_without_the_atomic_exchange_every_file_is_whole(setup, monkeypatch):
    """The fallback (other systems): each file is the old or the new one, whole."""
    config, out, before = setup
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    fresh = out.parent / "fresh"
    assert main(["build", "-q", "-c", str(config), "-o", str(fresh)]) == 0
    new = _snapshot(fresh)
    monkeypatch.setattr(export, "_exchange", lambda first, second: False)
    broken, calls = _fails_on_call(os.replace, 3)
    monkeypatch.setattr(export.os, "replace", broken)
    assert main(["build", "-q", "-c", str(config), "-o", str(out)]) == 2
    monkeypatch.undo()
    after = _snapshot(out)
    assert after.keys() == before.keys()
    moved = {Path(target).relative_to(out).as_posix() for target in calls[:2]}
    for name, content in after.items():  # moved in before the failure: new; the rest: old
        if name not in moved:
            assert content == before[name], name
        elif not name.endswith(".html"):  # pages carry random element ids
            assert content == new[name], name
    _no_leftovers(out)
    _assert_each_readable(out)


# -- SIGKILL ---------------------------------------------------------------------------------------

#: Run the real command line, but stop inside the GeoPackage writer after one layer, announce it
#: and wait to be killed. Nothing else differs from ``hotspotkaart build``.
SLOW_GEOPACKAGE = """
import os, sys, time
from pathlib import Path
import hotspotkaart.pipeline as pipeline
real = pipeline.write_geopackage
def slow(path, layers, **options):
    real(path, dict(list(layers.items())[:1]))
    Path(os.environ["HK_MARKER"]).write_text(str(path))
    time.sleep(300)
    real(path, layers, **options)
pipeline.write_geopackage = slow
from hotspotkaart.cli.main import main
sys.exit(main(sys.argv[1:]))
"""

#: The same, but stop during the commit, after two files of the user's were carried over.
SLOW_CARRY_OVER = """
import os, sys, time
from pathlib import Path
import hotspotkaart.io.export as export
real = export._link_or_copy
done = []
def slow(source, target):
    real(source, target)
    done.append(target)
    Path(os.environ["HK_MARKER"]).write_text(str(target))
    time.sleep(300)
export._link_or_copy = slow
from hotspotkaart.cli.main import main
sys.exit(main(sys.argv[1:]))
"""

#: The same, but stop right after the new outputs took the place of the old ones.
SLOW_AFTER_EXCHANGE = """
import os, sys, time
from pathlib import Path
import hotspotkaart.io.export as export
real = export._exchange
def slow(first, second):
    swapped = real(first, second)
    Path(os.environ["HK_MARKER"]).write_text(str(first))
    time.sleep(300)
    return swapped
export._exchange = slow
from hotspotkaart.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def _run_until_marker(code: str, config: Path, out: Path, marker: Path) -> None:
    env = {**os.environ, "HK_MARKER": str(marker)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "build", "-q", "-c", str(config), "-o", str(out)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while not marker.exists():
            if proc.poll() is not None:
                _, err = proc.communicate()
                pytest.fail(f"the build ended before the marker: {err.decode()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("the build did not reach the marker in time")
            time.sleep(0.1)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL


def test_sigkill_while_writing_leaves_the_previous_outputs(setup, tmp_path):
    config, out, before = setup
    marker = tmp_path / "reached"
    _run_until_marker(SLOW_GEOPACKAGE, config, out, marker)
    staged = list(out.parent.glob(f"{STAGING}kaarten-*"))
    assert len(staged) == 1, "the kill left the half-written staging folder beside the output"
    assert (staged[0] / "hotspotkaart.gpkg").exists()
    assert Path(marker.read_text()).parent == staged[0]
    assert _snapshot(out) == before
    names = [p.name for p in out.rglob("*") if p.name != export.MANIFEST]
    assert not [n for n in names if n.startswith(".") or n.endswith(("-journal", "-wal"))]
    _assert_readable(out)
    # the next build cleans the stale staging folder up and writes the new outputs
    assert main(["build", "-q", "-c", str(config), "-o", str(out)]) == 0
    _no_leftovers(out)
    _assert_readable(out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["incidents"]["read"] == json.loads(before["summary.json"])["incidents"][
        "read"] + 1


def test_sigkill_during_the_commit_leaves_the_previous_outputs(setup, tmp_path):
    config, out, before = setup
    marker = tmp_path / "reached"
    _run_until_marker(SLOW_CARRY_OVER, config, out, marker)
    assert _snapshot(out) == before
    _assert_readable(out)
    assert main(["build", "-q", "-c", str(config), "-o", str(out)]) == 0
    _no_leftovers(out)
    _assert_readable(out)


def test_sigkill_after_the_exchange_leaves_the_new_outputs(setup, tmp_path):
    config, out, before = setup
    marker = tmp_path / "reached"
    _run_until_marker(SLOW_AFTER_EXCHANGE, config, out, marker)
    after = _snapshot(out)
    assert after.keys() == before.keys()
    assert after["notities/LEESMIJ.txt"] == before["notities/LEESMIJ.txt"]
    summary = json.loads(after["summary.json"])
    assert summary["incidents"]["read"] == json.loads(before["summary.json"])["incidents"][
        "read"] + 1
    _assert_readable(out)
    old = Path(marker.read_text())  # the previous outputs, beside, until the next build
    assert _snapshot(old)["summary.json"] == before["summary.json"]
    assert main(["build", "-q", "-c", str(config), "-o", str(out)]) == 0
    _no_leftovers(out)
    _assert_readable(out)
