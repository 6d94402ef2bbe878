"""When overlast happens, end to end (#18): time and month tables, hot times, trends, charts.

One build of a realistic project: meldingen spread evenly over the city, the two years and the
hours of the week, a tenth of them with a date only; planted on top, a Friday-night peak in one
wijk and a buurt whose meldingen grow quarter by quarter.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspotkaart.cli.main import main
from tests.helpers.patterns import coverage, uniform_points, write_project
from tests.helpers.periods import growing, spread
from tests.helpers.project import BUURTEN, CATEGORIES, incident_section, write_config

PEAK_WIJK = "WK050503"
NIGHT_BUURT, NIGHT_WIJK = "BU05050700", "WK050507"
GROWING_BUURT = "BU05050500"


def _points(area: shapely.Geometry, n: int, rng: np.random.Generator) -> list[shapely.Point]:
    xmin, ymin, xmax, ymax = area.bounds
    out: list[shapely.Point] = []
    while len(out) < n:
        p = shapely.Point(rng.uniform(xmin, xmax), rng.uniform(ymin, ymax))
        if area.buffer(-2).contains(p):
            out.append(p)
    return out


def _rows(rng: np.random.Generator) -> tuple[list[str], int]:
    """The CSV rows and the number of meldingen written with a date only."""
    buurten = gpd.read_file(BUURTEN)
    city = buurten.union_all()
    stamps = pd.Timestamp("2023-01-01") + pd.to_timedelta(
        rng.uniform(0, 731 * 24 * 60, 3000), unit="min")
    rows, untimed = [], 0
    for i, (p, t) in enumerate(zip(_points(city, 3000, rng), stamps, strict=True)):
        dated_only = i % 10 == 0
        untimed += dated_only
        text = t.strftime("%d-%m-%Y") if dated_only else t.strftime("%d-%m-%Y %H:%M")
        rows.append((f"U{i}", text, CATEGORIES[i % 3], p))
    wijk = buurten[buurten["wijkcode"] == PEAK_WIJK].union_all()
    fridays = pd.date_range("2023-01-06", "2024-12-27", freq="7D")
    for i, p in enumerate(_points(wijk, 260, rng)):  # one melding on 260 of the 104 Fridays…
        day = fridays[i % len(fridays)]
        rows.append((f"F{i}", (day + pd.Timedelta(hours=21, minutes=int(rng.integers(0, 180))))
                     .strftime("%d-%m-%Y %H:%M"), "Jeugd", p))
    square = buurten[buurten["buurtcode"] == NIGHT_BUURT].geometry.iloc[0]
    saturdays = pd.date_range("2023-01-07", "2024-12-28", freq="7D")
    for i, p in enumerate(_points(square, 120, rng)):  # Saturday night, 22–24, in one buurt
        day = saturdays[i % len(saturdays)]
        rows.append((f"Z{i}", (day + pd.Timedelta(hours=22, minutes=int(rng.integers(0, 120))))
                     .strftime("%d-%m-%Y %H:%M"), "Alcohol/drugs", p))
    buurt = buurten[buurten["buurtcode"] == GROWING_BUURT].geometry.iloc[0]
    buurt = buurt.intersection(buurt.representative_point().buffer(60))  # one square, say
    for q in range(8):  # 8, 16, … 64 meldingen a quarter
        start = pd.Timestamp(year=2023 + q // 4, month=3 * (q % 4) + 1, day=1)
        for j, p in enumerate(_points(buurt, 8 * (q + 1), rng)):
            t = start + pd.Timedelta(days=int(rng.integers(0, 89)), hours=int(rng.integers(24)))
            rows.append((f"G{q}-{j}", t.strftime("%d-%m-%Y %H:%M"), "Alcohol/drugs", p))
    lines = ["id;datum;soort;x;y", *(f"{a};{b};{c};{p.x:.1f};{p.y:.1f}" for a, b, c, p in rows)]
    return lines, untimed


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, int]:
    """The outputs, the meldingen written and those with a date only."""
    folder = tmp_path_factory.mktemp("temporal")
    lines, untimed = _rows(np.random.default_rng(18))
    (folder / "m.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = write_config(folder, incidents=incident_section("m.csv"))
    out = folder / "out"
    assert main(["build", "-q", "-c", str(config), "-o", str(out)]) == 0
    return out, len(lines) - 1, untimed


def _csv(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, sep=";", dtype={"area_code": str, "category": str},
                       keep_default_na=False, na_values={"weekday": [""], "hour": [""]})


def test_time_table_counts_every_melding_once_per_level(build) -> None:
    out, total, untimed = build
    times = _csv(out, "tijden.csv")
    everything = times[times["category"] == ""]
    for level in ("stad", "wijk", "buurt"):
        assert everything.loc[everything["area_type"] == level, "count"].sum() == total
    city = everything[everything["area_type"] == "stad"]
    assert city.loc[city["hour"].isna(), "count"].sum() == untimed  # never as 00:00
    assert city["weekday"].dropna().between(1, 7).all()
    per_category = times[(times["area_type"] == "stad") & (times["category"] != "")]
    assert per_category["count"].sum() == total


def test_without_time_windows_every_count_stays_whole(build) -> None:
    out, _, _ = build
    lines = (out / "tijden.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].endswith(";count")
    assert all(re.fullmatch(r"\d+", line.rsplit(";", 1)[1]) for line in lines[1:])
    assert _csv(out, "tijden.csv")["count"].dtype.kind == "i"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["method"]["when"]["time_windows"] == {"spread": 0, "within_one_block": 0}


def test_month_table_matches_the_meldingen(build) -> None:
    out, total, _ = build
    months = _csv(out, "maanden.csv")
    city = months[(months["area_type"] == "stad") & (months["category"] == "")]
    assert city["count"].sum() == total
    assert sorted(city["month"]) == [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)]


def test_the_planted_nights_are_hot_times_and_nothing_else_is(build) -> None:
    out, _, _ = build
    hot = pd.read_csv(out / "hottijden.csv", sep=";", dtype={"area_code": str},
                      keep_default_na=False)
    found = hot[hot["hot"].astype(str) == "True"]
    for code, weekday, hour in ((PEAK_WIJK, 5, 21), (NIGHT_BUURT, 6, 21)):
        peak = found[(found["area_code"] == code) & (found["weekday"] == weekday)
                     & (found["hour_from"] == hour)]
        assert sorted(peak["period"]) == [2023, 2024], code
    planted = found["area_code"].isin({"", PEAK_WIJK, NIGHT_WIJK, NIGHT_BUURT}) | (
        found["area_code"].str.startswith(f"BU{PEAK_WIJK[2:]}")  # the Friday wijk's buurten
        & (found["weekday"] == 5) & (found["hour_from"] == 21))
    # the rest is the background: FDR allows a few false blocks among the discoveries, no more
    false = found[~planted]
    assert len(false) <= max(2, 0.1 * len(found))
    assert (hot["hot"].astype(str) == "True").mean() < 0.005


def _assert_only_rising(out, code: str) -> pd.DataFrame:
    """Assert ``code`` is the buurt that rises, at most 2 others trend; return the grid."""
    buurten = pd.read_csv(out / "buurten.csv", sep=";")
    classes = dict(zip(buurten["buurtcode"], buurten["trend_class"], strict=True))
    assert classes[code] == "toenemend"
    others = [c for b, c in classes.items() if b != code]
    assert others.count("toenemend") + others.count("afnemend") <= 2
    return pd.read_csv(out / "grid.csv", sep=";")


def test_the_growing_buurt_has_a_rising_trend(build) -> None:
    out, _, _ = build
    grid = _assert_only_rising(out, GROWING_BUURT)
    assert set(grid["trend_class"]) <= {"toenemend", "afnemend", "geen trend",
                                        "te weinig meldingen"}
    assert (grid["trend_class"] == "toenemend").any()


def test_pages_carry_the_charts(build) -> None:
    out, _, _ = build
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'class="hk-chart hk-chart-bar"' in index
    assert 'class="hk-chart hk-chart-line"' in index
    overview = (out / "overzicht.html").read_text(encoding="utf-8")
    assert "hk-chart-bar" in overview
    page = next(p for p in (out / "wijken").glob("*.html") if PEAK_WIJK in p.name)
    text = page.read_text(encoding="utf-8")
    assert "hk-chart-heat" in text
    assert "hk-chart-line" in text


def test_chart_panel_opens_readable_on_a_phone(build, open_map) -> None:
    out, _, _ = build
    page = next(p for p in (out / "wijken").glob("*.html") if PEAK_WIJK in p.name)
    shown = open_map(page, viewport=(360, 800))
    shown.page.locator(".hk-chart-box").first.evaluate("b => b.closest('details').open = true")
    box = shown.page.locator(".hk-chart-box").first.bounding_box()
    assert box is not None
    assert box["width"] >= 300  # the open panel takes the phone's width, not a narrow column
    heat = shown.page.locator("svg.hk-chart-heat").first.bounding_box()
    assert heat is not None
    assert heat["width"] >= 280
    assert shown.console_errors == []
    shown.screenshot("temporal-wijk-charts-360")


def test_the_field_map_names_the_hot_times_of_each_wijk(build) -> None:
    out, _, _ = build
    page = (out / "veldkaart.html").read_text(encoding="utf-8")
    assert "Hot times 2024 per wijk" in page
    buurten = gpd.read_file(BUURTEN)
    name = buurten.loc[buurten["wijkcode"] == PEAK_WIJK, "wijknaam"].iloc[0]
    assert json.dumps(f"{name}: vrijdag 21–24 uur")[1:-1] in page  # the panel's HTML is in JS
    assert (out / "veldkaart.html").stat().st_size < 500_000


# -- a trend over three years (trend = [2022, 2023, 2024]) -------------------------------------

TREND_PERIODS = "base = 2023\ncompare = 2024\ntrend = [2022, 2023, 2024]"


@pytest.fixture(scope="module")
def trend_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, int], str]:
    """Meldingen evenly over 2022–2024 and a cluster in one buurt that grows month by month.

    Returns the outputs, the meldingen written per year and the cluster's buurtcode.
    """
    folder = tmp_path_factory.mktemp("trend")
    rng = np.random.default_rng(22)
    area = coverage("built", 22)
    frames = [spread(rng, uniform_points(rng, area, 2500), f"{y}-01-01", f"{y}-12-31")
              for y in (2022, 2023, 2024)]
    buurten = gpd.read_file(BUURTEN)
    chosen = buurten[buurten["buurtcode"] == GROWING_BUURT].geometry.iloc[0]
    centre = chosen.representative_point()
    frames.append(growing(rng, (centre.x, centre.y), "2022-01-01", 36, start=1, step=1,
                          sd=20))  # 1 melding in January 2022 … 36 in December 2024
    frame = pd.concat(frames, ignore_index=True)
    written = pd.to_datetime(frame["moment"]).dt.year.value_counts().to_dict()
    config = write_project(folder, [frame], periods=TREND_PERIODS)
    out = folder / "out"
    assert main(["build", "-q", "-c", str(config), "-o", str(out)]) == 0
    return out, {int(k): int(v) for k, v in written.items()}, GROWING_BUURT


def test_the_three_year_trend_finds_the_growing_cluster(trend_build) -> None:
    out, _, code = trend_build
    grid = _assert_only_rising(out, code)
    busiest = grid.loc[grid["count_2024"].idxmax()]
    assert busiest["trend_class"] == "toenemend"
    assert (grid["trend_class"] == "toenemend").sum() <= 30  # the cluster's windows, no more
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["method"]["when"]["quarter_days"]) == 12
    assert "over the 12 quarters, p-value from the normal approximation" in \
        summary["method"]["when"]["trend"]


def test_the_trend_only_year_is_used_for_the_trend_and_nothing_else(trend_build) -> None:
    out, written, _ = trend_build
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    counts = summary["incidents"]
    assert counts["read"] == counts["used"] + counts["rejected"] == sum(written.values())
    assert summary["per_period"] == {str(y): n for y, n in sorted(written.items())}
    assert [p["use"] for p in summary["periods"]["all"]] == ["trend", "base", "compare"]
    assert set(summary["method"]["coverage"]) == {"2022", "2023", "2024"}
    buurten = pd.read_csv(out / "buurten.csv", sep=";")
    assert not any("2022" in column for column in buurten.columns)
    assert buurten["count_2023"].sum() == written[2023]
    assert buurten["count_2024"].sum() == written[2024]
    months = _csv(out, "maanden.csv")
    city = months[(months["area_type"] == "stad") & (months["category"] == "")]
    assert sorted(city["month"]) == [f"{y}-{m:02d}" for y in (2022, 2023, 2024)
                                     for m in range(1, 13)]
    assert city.loc[city["month"].str.startswith("2022"), "count"].sum() == written[2022]
    times = _csv(out, "tijden.csv")
    assert sorted(set(times["period"])) == [2023, 2024]  # no hot times of the trend year
    hot = pd.read_csv(out / "hottijden.csv", sep=";")
    assert sorted(set(hot["period"])) == [2023, 2024]
