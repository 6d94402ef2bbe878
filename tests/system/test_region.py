"""A region of five gemeenten chosen by a list, built in one run (issue #20, item 1).

The region is Dordrecht's real buurten dealt to five gemeenten (tests/helpers/region.py) in a
file that also holds a sixth gemeente, with the embedded demo's meldingen, zones and locations.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from hotspotkaart.config.settings import load_config
from hotspotkaart.pipeline import build
from hotspotkaart.stats.change import CHANGE_COLOURS
from tests.helpers.region import OUTSIDE, REGION, region_codes, region_config

CODES = region_codes()
_WHEN = ("tijden", "maanden", "hottijden", "tijdprofiel")


def _csv(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", sep=";", dtype={"gemeentecode": str},
                       keep_default_na=False, encoding="utf-8-sig", decimal=",")


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("region")
    out = folder / "maps"
    build(load_config(region_config(folder)), out)
    return out


def test_every_gemeente_is_in_the_area_tables(region: Path) -> None:
    buurten, wijken, gemeenten = (_csv(region, n) for n in ("buurten", "wijken", "gemeenten"))
    assert set(buurten["gemeentecode"]) == set(CODES)
    assert set(wijken["gemeentecode"]) == set(CODES)
    assert gemeenten["gemeentecode"].tolist() == CODES  # in the order of the list
    assert gemeenten["gemeentenaam"].tolist() == [REGION[c][0] for c in CODES]
    # a gemeente holds the meldingen of its wijken, which hold those of their buurten
    for year in (2023, 2024):
        column = f"count_{year}"
        per_wijk = wijken.groupby("gemeentecode")[column].sum()
        per_buurt = buurten.groupby("gemeentecode")[column].sum()
        assert gemeenten.set_index("gemeentecode")[column].to_dict() == per_wijk.to_dict()
        assert per_wijk.to_dict() == per_buurt.to_dict()
    assert gemeenten["change_class"].notna().all()


def test_every_table_carries_the_gemeentecode(region: Path) -> None:
    for name in ("grid", "zones", *_WHEN):
        table = _csv(region, name)
        assert "gemeentecode" in table.columns, name
        assert set(table["gemeentecode"]) - {""} <= set(CODES), name
    grid = _csv(region, "grid")
    assert set(grid["gemeentecode"]) == set(CODES)  # every cell has its gemeente
    times = _csv(region, "tijden")
    city = times[times["area_type"] == "stad"]
    assert (city["gemeentecode"] == "").all()  # the city rows are the whole region
    own = times[times["area_type"] == "gemeente"]
    assert (own["area_code"] == own["gemeentecode"]).all()
    assert set(own["gemeentecode"]) == set(CODES)
    # the gemeente rows of a region add up to the region's rows
    totals = times[(times["category"] == "") & (times["area_type"].isin(["stad", "gemeente"]))]
    sums = totals.groupby("area_type")["count"].sum()
    assert sums["stad"] == pytest.approx(sums["gemeente"])


def test_the_sixth_gemeente_of_the_file_is_left_out(region: Path) -> None:
    for name in ("buurten", "wijken", "gemeenten", "grid", "tijden"):
        assert OUTSIDE not in (region / f"{name}.csv").read_text(encoding="utf-8-sig")


def test_the_summary_lists_the_gemeenten(region: Path) -> None:
    summary = json.loads((region / "summary.json").read_text(encoding="utf-8"))
    assert summary["area"]["municipality_code"] == CODES
    listed = summary["area"]["gemeenten"]
    assert [g["code"] for g in listed] == CODES
    buurten = _csv(region, "buurten")["gemeentecode"].value_counts()
    assert {g["code"]: g["buurten"] for g in listed} == buurten.to_dict()
    assert sum(g["buurten"] for g in listed) == summary["area"]["buurten"]
    families = summary["method"]["fdr_families"]  # every family spans the region
    assert families["scope"] == CODES
    assert families["buurten"] == summary["area"]["buurten"]
    assert families["gemeenten"] == len(CODES)
    assert families["cells"] == len(_csv(region, "grid"))
    stamp = (region / "overzicht.html").read_text(encoding="utf-8")
    assert "Regio van 5 gemeenten" in stamp


def test_each_gemeente_has_its_overview_with_only_its_buurten(region: Path) -> None:
    buurten = _csv(region, "buurten")
    for code in CODES:
        page = (region / "gemeenten" / f"{code}.html").read_text(encoding="utf-8")
        assert f"Overlast in {REGION[code][0]}" in page
        shown = set(re.findall(r"BU\d{8}", page))
        assert shown == set(buurten.loc[buurten["gemeentecode"] == code, "buurtcode"])


def test_the_index_lists_the_gemeenten_with_their_pages(region: Path, open_map) -> None:
    page = open_map(region / "index.html")
    hrefs = page.page.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    for href in hrefs:
        assert (region / href).is_file(), href
    assert {f"gemeenten/{code}.html" for code in CODES} <= set(hrefs)
    wijken = _csv(region, "wijken")["wijkcode"]
    assert {f"wijken/{code}.html" for code in wijken} <= set(hrefs)
    rows = page.page.locator(".hk-gemeenten tbody tr").all_inner_texts()
    assert [row.split("\t")[0] for row in rows] == [REGION[c][0] for c in CODES]
    headings = page.page.locator("h2").all_inner_texts()
    assert [f"Wijken van {REGION[c][0]}" for c in CODES] == [
        h for h in headings if h.startswith("Wijken van")]
    assert "Overzicht van de regio" in page.page.inner_text("body")
    assert page.console_errors == []


def test_a_gemeente_page_opens_and_names_its_gemeente(region: Path, open_map) -> None:
    page = open_map(region / "gemeenten" / "GM0590.html")
    page.page.wait_for_function("() => document.querySelector('.leaflet-container') !== null")
    assert "Overlast in Papendrecht" in page.page.inner_text("body")
    assert page.console_errors == []


def test_one_gemeente_of_the_file_alone_is_no_region(tmp_path: Path) -> None:
    out = tmp_path / "maps"
    build(load_config(region_config(tmp_path, ["GM0590"])), out)
    assert not (out / "gemeenten.csv").exists()
    assert not (out / "gemeenten").exists()
    assert set(_csv(out, "buurten")["gemeentecode"]) == {"GM0590"}
    times = _csv(out, "tijden")
    assert "gemeente" not in set(times["area_type"])
    assert (times["gemeentecode"] == "GM0590").all()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["area"]["municipality_code"] == "GM0590"
    assert "gemeenten" not in summary["area"]


def test_a_region_on_a_local_cluster_writes_the_same_tables(region: Path,
                                                            tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    engine = 'kind = "dask"\nscheduler = "distributed"\nworkers = 2\npartitions = 3'
    out = tmp_path / "maps"
    build(load_config(region_config(tmp_path, engine=engine)), out)
    for name in ("buurten.csv", "wijken.csv", "gemeenten.csv", "grid.csv", "zones.csv"):
        assert (out / name).read_bytes() == (region / name).read_bytes(), name


def test_only_the_overview_of_a_region_includes_the_gemeenten(tmp_path: Path) -> None:
    out = tmp_path / "maps"
    build(load_config(region_config(tmp_path)), out, only=("overzicht",))
    assert (out / "overzicht.html").is_file()
    assert sorted(p.name for p in (out / "gemeenten").iterdir()) == sorted(
        f"{code}.html" for code in CODES)
    assert not (out / "vergelijking.html").exists()
    assert not (out / "wijken").exists()


def test_the_region_overview_compares_the_gemeenten(region: Path, open_map) -> None:
    page = open_map(region / "overzicht.html")
    page.page.wait_for_function("() => document.querySelector('.leaflet-container') !== null")
    count = "() => document.querySelectorAll('.leaflet-overlay-pane path').length"
    before = page.evaluate(count)
    labels = page.page.locator(".leaflet-control-layers-overlays label")
    layer = labels.filter(has_text="Verandering per gemeente 2023→2024")
    assert layer.count() == 1
    box = layer.locator("input")
    assert not box.is_checked()  # off when the page opens: the buurten are legible
    box.evaluate("input => input.click()")  # the layer control is folded up
    page.page.wait_for_function(f"() => ({count[6:]}) > {before}")
    fills = page.evaluate("() => [...document.querySelectorAll('.leaflet-overlay-pane path')]"
                          ".map(p => p.getAttribute('fill'))")
    gemeenten = _csv(region, "gemeenten")
    assert page.evaluate(count) - before == len(gemeenten)
    for verdict in set(gemeenten["change_class"]):
        assert CHANGE_COLOURS[verdict] in fills
    assert page.console_errors == []


def test_the_region_overview_charts_the_meldingen_per_gemeente(region: Path) -> None:
    html = (region / "overzicht.html").read_text(encoding="utf-8")
    assert "Wanneer: per gemeente en per maand" in html
    assert "Meldingen per gemeente" in html
    assert "Wanneer: per wijk" not in html


def test_the_pages_of_a_gemeente_are_one_job_that_makes_its_view_once(tmp_path: Path,
                                                                     monkeypatch) -> None:
    from hotspotkaart import pipeline
    from hotspotkaart.io.export import staged_outputs
    from hotspotkaart.maps import data as map_data_module
    from hotspotkaart.maps import pages

    result = pipeline.analyse(load_config(region_config(tmp_path)))
    made: list[str] = []
    real = map_data_module.MapData.for_gemeente
    monkeypatch.setattr(map_data_module.MapData, "for_gemeente",
                        lambda self, code: (made.append(code), real(self, code))[1])
    with staged_outputs(tmp_path / "out") as staging:
        jobs = pipeline._output_jobs(result, staging, {"overzicht", "wijken"},
                                     list(result.wijken["wijkcode"]), everything=False)
        page_jobs = [j for j in jobs if j.func is pipeline._write_pages]
        grouped = {}
        for job in page_jobs:
            names = [path.name for path, _page in job.args[0]]
            codes = {n.removesuffix(".html") for n in names if n.startswith("GM")}
            if codes:
                grouped[codes.pop()] = names
        assert sorted(grouped) == sorted(CODES)  # one job per gemeente
        wijken = result.wijken
        for code, names in grouped.items():
            own = set(pipeline.wijk_pages(wijken["wijkcode"].tolist())[w].split("/")[-1]
                      for w in wijken.loc[wijken["gemeentecode"] == code, "wijkcode"])
            assert set(names) == {f"{code}.html", *own}  # its overview and its wijken
        for job in page_jobs:
            job()
    assert sorted(made) == sorted(CODES)  # each gemeente's view made once
    data = page_jobs[-1].args[0][0][1].args[1]  # the MapData every page draws from
    assert 0 < len(data.remembered(("gemeente views",), dict)) <= pages.GEMEENTE_VIEWS
    assert len(CODES) > pages.GEMEENTE_VIEWS  # not every view is kept
