"""A build whose meldingen come with time windows (#18): tables add up, tests count whole ones.

One export of break-ins found in the morning and the other kinds of
:mod:`tests.helpers.timewindows` (windows over the nights the clocks change, of one hour, within
a block, over a week, open, dates only, moments), placed inside Dordrecht's buurten.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest

from hotspotkaart.cli.main import main
from hotspotkaart.io.glossary import describe
from tests.helpers.project import CATEGORIES, interior_points, write_config
from tests.helpers.timewindows import (
    IN_BLOCK,
    NO_TIME,
    SPREAD,
    WindowRow,
    window_section,
    windowed_csv,
    windowed_rows,
)

N = 1800


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[WindowRow]]:
    folder = tmp_path_factory.mktemp("windows")
    rows = windowed_rows(np.random.default_rng(2002), N)
    points = [(p.x, p.y) for p in interior_points(N, seed=18)]
    (folder / "inbraak.csv").write_text(windowed_csv(rows, points, CATEGORIES), encoding="utf-8")
    config = write_config(folder, incidents=window_section("inbraak.csv"))
    out = folder / "out"
    assert main(["build", "-q", "-c", str(config), "-o", str(out)]) == 0
    return out, rows


def _csv(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, sep=";", dtype={"area_code": str, "category": str},
                       keep_default_na=False, na_values={"weekday": [""], "hour": [""]})


def test_the_time_table_adds_up_per_area_and_period(build) -> None:
    out, rows = build
    times = _csv(out, "tijden.csv")
    per_period = Counter(r.period for r in rows)
    everything = times[times["category"] == ""]
    for level in ("stad", "wijk", "buurt"):
        mine = everything[everything["area_type"] == level]
        for year, n in per_period.items():
            counted = mine.loc[mine["period"] == year, "count"]
            # each row is rounded to 3 decimals, so the sum is within half a thousandth a row
            assert counted.sum() == pytest.approx(n, abs=0.0005 * len(counted)), (level, year)
    city = everything[everything["area_type"] == "stad"]
    untimed = Counter(r.period for r in rows if r.kind in NO_TIME)
    for year, n in untimed.items():
        assert city.loc[(city["period"] == year) & city["hour"].isna(), "count"].sum() == n
    per_category = times[(times["area_type"] == "stad") & (times["category"] != "")]
    assert per_category["count"].sum() == pytest.approx(N, abs=0.0005 * len(per_category))


def test_counts_are_fractions_of_at_most_three_decimals(build) -> None:
    out, _ = build
    text = (out / "tijden.csv").read_text(encoding="utf-8-sig").splitlines()
    counts = [line.rsplit(";", 1)[1] for line in text[1:]]
    fractions = [c for c in counts if "." in c]
    assert fractions  # the windows are spread
    assert all(re.fullmatch(r"\d+\.\d{1,3}", c) for c in fractions)
    assert all(float(c) > 0 for c in counts)


def test_the_hot_time_tests_count_only_whole_meldingen(build) -> None:
    out, rows = build
    hot = pd.read_csv(out / "hottijden.csv", sep=";", dtype={"area_code": str},
                      keep_default_na=False)
    city = hot[hot["area_type"] == "stad"]
    whole = Counter(r.period for r in rows if r.kind not in NO_TIME | SPREAD)
    for year, n in whole.items():
        assert city.loc[city["period"] == year, "count"].sum() == n
    assert hot["count"].dtype.kind == "i"


def test_the_summary_says_how_the_windows_were_counted(build) -> None:
    out, rows = build
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    when = summary["method"]["when"]
    kinds = Counter(r.kind for r in rows)
    assert when["time_windows"] == {"spread": sum(kinds[k] for k in SPREAD | IN_BLOCK),
                                    "within_one_block": sum(kinds[k] for k in IN_BLOCK)}
    assert "aoristic counting, Ratcliffe 2002" in when["times"]
    assert "within one weekday x 3-hour block" in when["hot_times"]
    assert "time windows" not in when["not_yet"]
    untimed = sum(kinds[k] for k in NO_TIME)
    assert any(w.startswith(f"inbraak.csv: {untimed} meldingen have a time window that fixes "
                            "no hour") for w in summary["warnings"])
    assert summary["incidents"]["used"] == N


def test_the_pages_show_the_fractions_in_dutch(build) -> None:
    out, _ = build
    pages = [p.read_text(encoding="utf-8") for p in (out / "wijken").glob("*.html")]
    assert pages
    assert all("hk-chart-heat" in page for page in pages)
    # the chart panel's HTML is in the page's script, its "<" written \u003c
    tips = [t for page in pages for t in re.findall(r"uur: ([^<\\]*)\\u003c/title", page)]
    assert tips
    assert any("," in t for t in tips)  # a decimal comma, not 0.333
    assert not any(re.search(r"\d\.\d", t) for t in tips)


def test_the_geopackage_keeps_the_windows_with_their_names(build) -> None:
    out, rows = build
    frame = pyogrio.read_dataframe(out / "hotspotkaart.gpkg", layer="incidents")
    assert {"time_from", "time_to"} <= set(frame.columns)
    spread = sum(r.kind in SPREAD | IN_BLOCK | {"moment"} for r in rows)
    assert frame["time_from"].notna().sum() == spread
    for column in ("time_from", "time_to"):
        assert describe("incidents", column) is not None
