"""The corpus of bad inputs (tests/data/corpus.toml), each run through ``hotspotkaart build``.

Every case gets either a one-sentence error naming the file (exit status 2, no traceback, nothing
written) or a build whose ``summary.json``, ``rejected.csv`` and GeoPackage show exactly the
rejections, repairs and warnings the manifest declares, with ``read == used + rejected`` for
incidents, zones and locations.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest

from hotspotkaart.cli.main import main
from tests.helpers.project import BUURTEN

DATA = Path(__file__).resolve().parents[1] / "data"
MANIFEST = tomllib.loads((DATA / "corpus.toml").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = MANIFEST["case"]
KINDS = ("incidents", "zones", "locations")

INCIDENT_DEFAULTS = {"date": "datum", "category": "soort", "x": "x", "y": "y",
                     "crs": "EPSG:28992", "id": "id"}
ZONE_DEFAULTS = {"name": "naam", "valid_from": "geldig_vanaf", "valid_to": "geldig_tot"}
#: The corpus is about input handling; a coarse grid keeps the builds quick.
ANALYSIS = "[analysis]\ncell_size = 500\n"

#: What issue 6 asks the corpus to cover; every item must be named by some case's ``covers``.
ISSUE_ITEMS = (
    "empty file", "header only", "missing configured columns", "wrong delimiter",
    "decimal comma", "cp1252", "UTF-8 with BOM", "a mixed file",
    "RD coordinates declared as WGS84", "WGS84 coordinates declared as RD", "swapped lat/lon",
    "points far outside the Netherlands", "points just outside the municipality",
    "NaN/empty coordinates", "unparseable, impossible (31-02) and out-of-period dates",
    "duplicate melding ids", "Z coordinates", "null and empty geometries in zone files",
    "invalid (bow-tie, self-intersecting) zone geometries",
    "GeometryCollection geometries in zone files", "overlapping zones",
    "a zone file in another CRS", "a boundary file with gaps", "a boundary file with overlaps",
    "a config pointing at missing files", "a config with unknown keys",
)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _table(name: str, entries: dict[str, Any]) -> str:
    lines = [f"[[{name}]]"]
    lines += [f"{key} = {_value(val)}" for key, val in entries.items() if val != ""]
    return "\n".join(lines) + "\n"


def _config(case: dict[str, Any], folder: Path) -> Path:
    path = folder / "hotspotkaart.toml"
    if "config" in case:
        text = case["config"].replace("{data}", DATA.as_posix()).replace(
            "{buurten}", BUURTEN.as_posix())
        path.write_text(text, encoding="utf-8")
        return path
    buurten = DATA / case["buurten"] if "buurten" in case else BUURTEN
    parts = [
        "[area]", 'name = "Dordrecht"', 'municipality_code = "GM0505"',
        f"buurten = {_value(buurten.as_posix())}", "",
        "[periods]", "base = 2023", "compare = 2024", "",
    ]
    text = "\n".join(parts) + "\n"
    for entry in case.get("incidents", [{"path": "incidents/clean.csv"}]):
        merged = {**INCIDENT_DEFAULTS, **entry, "path": (DATA / entry["path"]).as_posix()}
        text += _table("incidents", merged)
    for entry in case.get("zones", []):
        merged = {**ZONE_DEFAULTS, **entry, "path": (DATA / entry["path"]).as_posix()}
        text += _table("zones", merged)
    for entry in case.get("locations", []):
        text += _table("locations", {**entry, "path": (DATA / entry["path"]).as_posix()})
    path.write_text(text + ANALYSIS, encoding="utf-8")
    return path


def _files(case: dict[str, Any]) -> list[str]:
    entries = [*case.get("incidents", [{"path": "incidents/clean.csv"}]),
               *case.get("zones", []), *case.get("locations", [])]
    named = [Path(e["path"]).name for e in entries]
    return [*named, Path(case["buurten"]).name] if "buurten" in case else named


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_corpus_case(case, tmp_path, capsys):
    config = _config(case, tmp_path)
    out = tmp_path / "kaarten"
    code = main(["build", "-q", "-c", str(config), "-o", str(out)])
    err = capsys.readouterr().err
    expect = case["expect"]
    assert code == expect["exit"], err
    if code == 2:
        _check_error(case, err, out)
    else:
        assert "Traceback" not in err
        _check_build(case, out)


def _check_error(case: dict[str, Any], err: str, out: Path) -> None:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("hotspotkaart: error: ")
    message = lines[0].removeprefix("hotspotkaart: error: ")
    assert re.search(case["expect"]["error"], message), message
    assert re.search(r"[.!?] [A-Z]", message) is None, f"more than one sentence: {message}"
    named = [*_files(case), "hotspotkaart.toml"]
    assert any(name in message for name in named), message
    assert not out.exists(), "a failed build must not write anything"
    assert not list(out.parent.glob(".hotspotkaart-staging-*"))


def _check_build(case: dict[str, Any], out: Path) -> None:
    expect = case["expect"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    rejected = pd.read_csv(out / "rejected.csv", sep=";", dtype=str, keep_default_na=False)
    incidents = gpd.read_file(out / "hotspotkaart.gpkg", layer="incidents")
    assert len(incidents) == summary["incidents"]["used"]
    for kind in KINDS:
        counts = summary[kind]
        assert counts["read"] == counts["used"] + counts["rejected"], kind
        of_kind = rejected[rejected["kind"] == kind]
        assert len(of_kind) == counts["rejected"], kind
        assert dict(Counter(of_kind["reason"])) == counts["rejected_by_reason"], kind
        if kind in expect:
            assert {k: counts[k] for k in ("read", "used")} == expect[kind], kind
    # every source named in the outputs is one of the case's files
    configured = _files(case)
    for source in {*rejected["source"], *incidents["source"]}:
        assert any(source.split(":")[0].endswith(name) for name in configured), source
    _check_rejections(expect.get("rejected", []), rejected)
    for row, pattern in expect.get("details", []):
        detail = rejected.loc[(rejected["kind"] == "incidents")
                              & (rejected["row"] == str(row)), "detail"]
        assert len(detail) == 1, row
        assert re.search(pattern, detail.iloc[0]), (row, detail.iloc[0])
    _check_warnings(expect.get("warnings", []), summary["warnings"])
    for column, n in expect.get("flags", {}).items():
        assert int(incidents[column].astype(bool).sum()) == n, column
    by_row = incidents.set_index("row")
    for row, x, y in expect.get("points", []):
        point = by_row.loc[row, "geometry"]
        assert abs(point.x - x) <= 0.5, (row, point.x, x)
        assert abs(point.y - y) <= 0.5, (row, point.y, y)
    for row, code in expect.get("buurtcode", []):
        assert by_row.loc[row, "buurtcode"] == code, row
    for category in expect.get("categories", []):
        assert category in summary["per_category"], sorted(summary["per_category"])
    if "per_period" in expect:
        assert summary["per_period"] == expect["per_period"]


def _check_rejections(expected: list[list[Any]], rejected: pd.DataFrame) -> None:
    with_source = any(len(item) == 4 for item in expected)
    suffixes = {item[1] for item in expected if len(item) == 4}
    actual = []
    for rec in rejected.itertuples(index=False):
        source = next((s for s in suffixes if rec.source.endswith(s)), rec.source)
        actual.append((rec.kind, source, int(rec.row), rec.reason) if with_source
                      else (rec.kind, int(rec.row), rec.reason))
    assert sorted(actual) == sorted(tuple(item) for item in expected)


def _check_warnings(expected: list[str] | str, warnings: list[str]) -> None:
    if expected == "none":
        assert warnings == []
        return
    for pattern in expected:
        assert any(re.search(pattern, w) for w in warnings), (pattern, warnings)


def test_the_corpus_covers_issue_6():
    covered = " | ".join(case["covers"] for case in CASES)
    missing = [item for item in ISSUE_ITEMS if item not in covered]
    assert missing == []


def test_every_corpus_file_is_used_by_a_case():
    named = {entry["path"] for case in CASES
             for entry in [*case.get("incidents", []), *case.get("zones", []),
                           *case.get("locations", [])]}
    named |= {case["buurten"] for case in CASES if "buurten" in case}
    named.add("incidents/clean.csv")  # the default
    files = {p.relative_to(DATA).as_posix()
             for folder in ("incidents", "zones", "locations", "boundaries")
             for p in (DATA / folder).rglob("*") if p.is_file()}
    referenced = {f for f in files if f in named or any(f.startswith(n + "/") for n in named)}
    assert files - referenced == set()


def test_case_ids_are_unique():
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))
