"""The inline SVG charts: well-formed, accessible, escaped, Dutch numbers, offline, on a phone."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from hotspotkaart._errors import InputError
from hotspotkaart.config.settings import Period, Periods
from hotspotkaart.maps.charts import (
    ALL_CATEGORIES,
    BASE_COLOUR,
    COMPARE_COLOUR,
    HEAT_COLOURS,
    MONTHS,
    WEEKDAYS,
    bar_chart_by_area,
    heat_chart,
    monthly_chart,
)
from hotspotkaart.maps.offline import external_references

YEARS = (2023, 2024)
HOSTILE = ("<script>alert(1)</script>", '"><img src=x onerror=1>',
           "src=https://evil.example/x.js")
WIJKEN = ["Binnenstad", "Noordflank", "Stadspolders en de Sterrenburg-Oost met een lange naam",
          "Krispijn", "Dubbeldam"]
BASE = [312, 1234, 40, 0, 87]
COMPARE = [280, 1500, 52, 9, 87]
RNG = np.random.default_rng(20240101)
MONTHLY = {"Geluid": {y: RNG.integers(0, 60, 12).tolist() for y in (2023, 2024)},
           "Jeugd": {y: RNG.integers(0, 30, 12).tolist() for y in (2023, 2024)},
           "Vuurwerk": {2023: [90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 1200],
                        2024: [110, 1, 0, 0, 0, 0, 0, 0, 0, 0, 5, 980]}}
HEAT = {2023: RNG.poisson(6, (7, 24)), 2024: RNG.poisson(7, (7, 24))}
HOT = {2024: np.zeros((7, 24), dtype=bool)}
HOT[2024][4:6, 21:24] = True  # vrijdag en zaterdag, 21–24 uur


# ---- helpers ------------------------------------------------------------------------------

def parse(fragment: str) -> ET.Element:
    """The fragment is one well-formed XML element."""
    return ET.fromstring(fragment)


def charts_in(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter("svg") if "hk-chart" in e.get("class", "").split()]


def luminance(colour: str) -> float:
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def contrast(a: str, b: str = "#ffffff") -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


#: Machado, Oliveira & Fernandes (2009), full severity, on linear RGB.
CVD = {"normaal": np.eye(3),
       "protanopie": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                               [-0.003882, -0.048116, 1.051998]]),
       "deuteranopie": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                                 [-0.011820, 0.042940, 0.968881]]),
       "tritanopie": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                               [0.004733, 0.691367, 0.303900]])}


def lab(colour: str, vision: np.ndarray) -> np.ndarray:
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.clip(vision @ np.where(rgb <= 0.04045, rgb / 12.92,
                                       ((rgb + 0.055) / 1.055) ** 2.4), 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ linear / [0.95047, 1.0, 1.08883]
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def text_of(element: ET.Element) -> str:
    """The text of a label without its tooltip."""
    return element.text or ""


def assert_accessible(svg: ET.Element, kind: str) -> tuple[str, str]:
    """Class, role, title and desc referenced by aria-labelledby; return (title, desc)."""
    assert svg.get("class") == f"hk-chart hk-chart-{kind}"
    assert svg.get("role") == "img"
    assert svg.get("width") == "100%"
    assert re.fullmatch(r"0 0 \d+(\.\d+)? \d+(\.\d+)?", svg.get("viewBox", ""))
    title, desc = svg.find("title"), svg.find("desc")
    assert title is not None
    assert desc is not None
    assert svg.get("aria-labelledby", "").split() == [title.get("id"), desc.get("id")]
    assert (title.text or "").strip()
    assert (desc.text or "").strip()
    return title.text or "", desc.text or ""


def all_ids(root: ET.Element) -> list[str]:
    return [e.get("id", "") for e in root.iter() if e.get("id")]


# ---- the bar chart ------------------------------------------------------------------------

def test_bar_chart_has_two_bars_per_area_in_proportion_and_its_numbers_in_desc():
    root = parse(bar_chart_by_area(WIJKEN, BASE, COMPARE, YEARS, title="Meldingen per wijk"))
    assert root.tag == "figure"
    assert root.find("figcaption").text == "Meldingen per wijk"
    [svg] = charts_in(root)
    title, desc = assert_accessible(svg, "bar")
    assert title == "Meldingen per wijk"
    assert "Binnenstad: 2023 312, 2024 280, verschil -32 (-10,3 %)" in desc
    assert "Noordflank: 2023 1.234, 2024 1.500, verschil +266 (+21,6 %)" in desc
    assert "Dubbeldam: 2023 87, 2024 87, verschil +0 (+0,0 %)" in desc
    base = svg.findall("rect[@class='hk-bar hk-bar-base']")
    compare = svg.findall("rect[@class='hk-bar hk-bar-compare']")
    assert len(base) == len(compare) == len(WIJKEN)
    widths = np.array([float(r.get("width")) for r in base + compare])
    values = np.array(BASE + COMPARE, dtype=float)
    assert_allclose(widths, values * widths.max() / values.max(), atol=0.01)
    assert {r.get("x") for r in base + compare} == {base[0].get("x")}  # one baseline
    ys = [float(r.get("y")) for pair in zip(base, compare, strict=True) for r in pair]
    assert ys == sorted(ys)  # per area, base year above compare year, areas in order
    labels = [text_of(t) for t in svg.findall("text[@class='hk-label']")]
    assert labels[0] == "Binnenstad"
    assert labels[2].endswith("…")
    assert WIJKEN[2].startswith(labels[2][:-1])
    assert svg.findall("text[@class='hk-label']")[2].find("title").text == WIJKEN[2]
    texts = svg.findall("text[@class='hk-value']")
    assert [t.text for t in texts[:4]] == ["312", "280", "1.234", "1.500"]
    bars = [r for pair in zip(base, compare, strict=True) for r in pair]
    for bar, text in zip(bars, texts, strict=True):  # each count just past the end of its bar
        end = float(bar.get("x")) + float(bar.get("width"))
        assert end < float(text.get("x")) < end + 8
        assert float(bar.get("y")) < float(text.get("y")) < float(bar.get("y")) + 14


def test_bar_chart_years_differ_without_colour():
    root = parse(bar_chart_by_area(WIJKEN, BASE, COMPARE, YEARS, title="t"))
    [svg] = charts_in(root)
    base = svg.find("rect[@class='hk-bar hk-bar-base']")
    compare = svg.find("rect[@class='hk-bar hk-bar-compare']")
    assert base.get("fill") == BASE_COLOUR
    pattern_id = re.fullmatch(r"url\(#([\w-]+)\)", compare.get("fill")).group(1)
    pattern = svg.find(f".//pattern[@id='{pattern_id}']")
    assert pattern is not None  # hatched: tells the years apart in greyscale print
    assert {r.get("fill") for r in pattern.iter("rect")} == {COMPARE_COLOUR, "#ffffff"}
    assert compare.get("stroke") == COMPARE_COLOUR
    legend = root.find(".//div[@class='hk-chart-legend']")
    assert [s.tail for s in legend.iter("svg")] == ["2023", "2024"]


# ---- the monthly chart --------------------------------------------------------------------

def points(polyline: ET.Element) -> np.ndarray:
    return np.array([[float(v) for v in p.split(",")] for p in polyline.get("points").split()])


def test_monthly_chart_has_a_panel_per_category_and_one_for_all():
    root = parse(monthly_chart(MONTHLY, YEARS, title="Meldingen per maand"))
    panels = charts_in(root)
    assert len(panels) == len(MONTHLY) + 1
    names = [ALL_CATEGORIES, *MONTHLY]
    total = {y: np.sum([MONTHLY[c][y] for c in MONTHLY], axis=0) for y in YEARS}
    for svg, name in zip(panels, names, strict=True):
        title, desc = assert_accessible(svg, "line")
        assert title == f"Meldingen per maand: {name}"
        assert desc.startswith(f"{name}. 2023: jan ")
        assert [t.text for t in svg.findall("text[@text-anchor='middle']")] == list(MONTHS[::2])
        assert len(svg.findall("line[@class='hk-tick']")) == 12
        lines = svg.findall("polyline")
        assert [p.get("class") for p in lines] == ["hk-line hk-line-base",
                                                   "hk-line hk-line-compare"]
        assert lines[0].get("stroke") == BASE_COLOUR
        assert lines[1].get("stroke") == COMPARE_COLOUR
        assert lines[0].get("stroke-dasharray") is None
        assert lines[1].get("stroke-dasharray")  # dashed: differs in greyscale
        assert len(svg.findall("circle[@class='hk-point hk-point-base']")) == 12
        assert len(svg.findall("rect[@class='hk-point hk-point-compare']")) == 12
        data = total if name == ALL_CATEGORIES else MONTHLY[name]
        zero = float(svg.find("line[@stroke='#4d4d4d']").get("y1"))  # the 0 line
        heights = np.concatenate([zero - points(p)[:, 1] for p in lines])
        values = np.concatenate([np.asarray(data[y], dtype=float) for y in YEARS])
        assert_allclose(heights, values * heights.max() / values.max(), atol=0.01)
        xs = points(lines[0])[:, 0]
        assert_allclose(np.diff(xs), np.diff(xs)[0], atol=0.02)  # months evenly spaced
        assert_allclose(xs, points(lines[1])[:, 0])  # both years on one axis
        for year in YEARS:
            assert f"(totaal {format(int(np.sum(data[year])), ',').replace(',', '.')})" in desc
    vuurwerk = panels[3]
    assert "dec 1.200" in vuurwerk.find("desc").text
    ticks = [t.text for t in vuurwerk.findall("text[@text-anchor='end']")]
    assert ticks == ["0", "500", "1.000", "1.500"]


def test_monthly_chart_of_one_category_has_no_total_panel():
    root = parse(monthly_chart({"Geluid": MONTHLY["Geluid"]}, YEARS, title="t"))
    [svg] = charts_in(root)
    assert svg.find("title").text == "t: Geluid"


# ---- the heat chart -----------------------------------------------------------------------

def test_heat_chart_has_168_cells_per_year_classed_and_hot_cells_outlined():
    root = parse(heat_chart(HEAT, title="Meldingen per uur en dag", hot=HOT))
    panels = charts_in(root)
    assert len(panels) == 2
    top = max(int(g.max()) for g in HEAT.values())
    legend = [s.tail for s in root.find(".//div[@class='hk-chart-legend']").iter("svg")]
    assert legend[0] == "0"
    assert legend[-1] == "dik omlijnd: significant meer dan gemiddeld"
    classes = legend[1:-1]
    step = int(classes[0].split("–")[1])
    colours = HEAT_COLOURS[len(classes)]
    assert int(classes[-1].split("–")[1]) >= top > int(classes[-1].split("–")[0]) - 1
    for svg, year in zip(panels, YEARS, strict=True):
        title, desc = assert_accessible(svg, "heat")
        assert title == f"Meldingen per uur en dag: {year}"
        total = format(int(HEAT[year].sum()), ",").replace(",", ".")
        assert desc.startswith(f"{year}: {total} meldingen.")
        assert "Per dag: maandag " in desc
        cells = svg.findall("rect[@class='hk-cell']")
        assert len(cells) == 7 * 24
        grid = HEAT[year].ravel()
        expected = ["#ffffff" if v == 0 else colours[(v - 1) // step] for v in grid]
        assert [c.get("fill") for c in cells] == expected
        xs = np.array([float(c.get("x")) for c in cells]).reshape(7, 24)
        ys = np.array([float(c.get("y")) for c in cells]).reshape(7, 24)
        assert (np.diff(xs, axis=1) > 0).all()  # hours left to right
        assert (np.diff(ys, axis=0) > 0).all()  # maandag on top, zondag at the bottom
        days = [t.find("title").text for t in svg.findall("text") if t.find("title") is not None]
        assert days == list(WEEKDAYS)
        hot = svg.findall("rect[@class='hk-hot']")
        mask = HOT.get(year, np.zeros((7, 24), dtype=bool))
        assert len(hot) == mask.sum()
        marked = {(h.get("x"), h.get("y")) for h in hot}
        assert marked == {(c.get("x"), c.get("y")) for c, m in zip(cells, mask.ravel(),
                                                                   strict=True) if m}
        assert all(float(h.get("stroke-width")) >= 2 for h in hot)
    assert "Hot spot (significant), 6 cellen: vrijdag 21–22 uur" in panels[1].find("desc").text
    assert "Hot spot" not in panels[0].find("desc").text


def test_heat_ramp_gets_darker_class_by_class_also_in_greyscale():
    for colours in HEAT_COLOURS.values():
        lum = [luminance(c) for c in colours]
        assert lum == sorted(lum, reverse=True)
    for n, colours in HEAT_COLOURS.items():
        if n > 1:
            steps = [contrast(a, b) for a, b in itertools.pairwise(colours)]
            assert min(steps) > 1.1


def test_heat_chart_classes_with_small_and_large_counts():
    small = heat_chart({2023: np.eye(7, 24, dtype=int) * 3}, title="t")
    legend = [s.tail for s in parse(small).find(".//div[@class='hk-chart-legend']").iter("svg")]
    assert legend == ["0", "1", "2", "3"]
    one = np.zeros((7, 24), dtype=int)
    one[6, 23] = 1
    [svg] = charts_in(parse(heat_chart({2024: one}, title="t")))
    assert svg.find("text[@class='hk-panel-title']").text == "2024: 1 melding"
    desc = svg.find("desc").text
    assert desc.startswith("2024: 1 melding. Drukste uren van de dag: 23–24 uur (1)")
    assert "Drukste combinaties: zondag 23–24 uur (1)." in desc
    large = np.full((7, 24), 40)
    large[4, 22] = 1480
    legend = [s.tail for s in parse(heat_chart({2023: large, 2024: large}, title="t"))
              .find(".//div[@class='hk-chart-legend']").iter("svg")]
    assert legend == ["0", "1–250", "251–500", "501–750", "751–1.000", "1.001–1.250",
                      "1.251–1.500"]


def test_heat_chart_draws_the_fractions_of_spread_time_windows():
    night = np.zeros((7, 24))
    night[4, 22:24] = 1 / 9  # a Friday-night window of nine hours, and one whole melding
    night[5, 0:7] = 1 / 9
    night[5, 9] = 1
    [svg] = charts_in(parse(heat_chart({2024: night}, title="t")))
    assert svg.find("text[@class='hk-panel-title']").text == "2024: 2 meldingen"
    tips = [r.find("title").text for r in svg.iter("rect") if r.get("class") == "hk-cell"]
    assert "vrijdag 22–23 uur: 0,1" in tips
    assert "zaterdag 9–10 uur: 1" in tips
    filled = [r.get("fill") for r in svg.iter("rect") if r.get("class") == "hk-cell"]
    assert sum(f != "#ffffff" for f in filled) == 10  # every part of the window is drawn
    assert "0,111" not in ET.tostring(svg, encoding="unicode")
    tiny = np.zeros((7, 24))
    tiny[0, 0], tiny[0, 1] = 0.01, 0.99
    [svg] = charts_in(parse(heat_chart({2024: tiny}, title="t")))
    tips = [r.find("title").text for r in svg.iter("rect") if r.get("class") == "hk-cell"]
    assert tips[:2] == ["maandag 0–1 uur: < 0,1", "maandag 1–2 uur: 1,0"]


# ---- shared properties --------------------------------------------------------------------

def all_charts(names: list[str] | None = None) -> list[str]:
    names = names or WIJKEN
    return [bar_chart_by_area(names, BASE[: len(names)], COMPARE[: len(names)], YEARS,
                              title=f"Per wijk {names[0]}"),
            monthly_chart({n: MONTHLY["Geluid"] for n in names}, YEARS, title=names[-1]),
            heat_chart(HEAT, title=names[0], hot=HOT)]


@pytest.mark.parametrize("name", HOSTILE)
def test_names_from_the_data_appear_only_escaped(name: str):
    names = [name, "Krispijn", f"x{name}"]
    for fragment in all_charts(names):
        assert name not in fragment
        root = parse(fragment)  # still well-formed
        assert not [e for e in root.iter() if e.tag in ("script", "img", "foreignObject")]
        assert not [a for e in root.iter() for a in e.attrib if a.lower().startswith("on")]
        assert name in "".join(root.itertext())  # shown as the text it is
        assert external_references(fragment) == []


def test_no_script_no_url_no_font_to_load():
    for fragment in all_charts():
        assert "<script" not in fragment.lower()
        assert not re.search(r"https?:|@import|@font-face|xlink:href|href=", fragment)
        assert external_references(fragment) == []
        for element in parse(fragment).iter():
            for value in element.attrib.values():
                assert not re.search(r"url\((?!#[\w-]+\))", value)  # only local patterns


def test_text_is_large_and_dark_enough_and_the_year_colours_are_distinguishable():
    for fragment in all_charts():
        root = parse(fragment)
        for svg in charts_in(root):
            assert float(svg.get("font-size")) >= 13
            assert float(svg.get("viewBox").split()[2]) <= 360  # ≥ 11 px on a 360 px phone
            for text in svg.iter("text"):
                assert contrast(text.get("fill", svg.get("fill"))) >= 4.5
                assert text.get("font-size") is None
    assert contrast(BASE_COLOUR) >= 4.5
    assert contrast(COMPARE_COLOUR) >= 3.0  # WCAG 1.4.11: graphics need 3:1
    for vision, matrix in CVD.items():
        difference = np.linalg.norm(lab(BASE_COLOUR, matrix) - lab(COMPARE_COLOUR, matrix))
        assert difference > 40, vision


def test_ids_are_unique_on_a_page_with_several_charts():
    fragments = [*all_charts(), *all_charts(["Dubbeldam", "Sterrenburg"]),
                 bar_chart_by_area(WIJKEN, BASE, COMPARE, YEARS, title="t", chart_id="wijk-a"),
                 bar_chart_by_area(WIJKEN, BASE, COMPARE, YEARS, title="t", chart_id="wijk-b")]
    ids = [i for f in fragments for i in all_ids(parse(f))]
    assert len(ids) == len(set(ids))
    for fragment in fragments:
        root = parse(fragment)
        known = set(all_ids(root))
        refs = [r for svg in charts_in(root) for r in svg.get("aria-labelledby").split()]
        refs += re.findall(r"url\(#([\w-]+)\)", fragment)
        assert set(refs) <= known
    again = bar_chart_by_area(WIJKEN, BASE, COMPARE, YEARS, title="Per wijk Binnenstad")
    assert again == all_charts()[0]  # the same input gives the same page


@pytest.mark.parametrize("fragment", [
    bar_chart_by_area([], [], [], YEARS, title="Per wijk"),
    bar_chart_by_area(["A", "B"], [0, 0], [0, 0], YEARS, title="Per wijk"),
    monthly_chart({}, YEARS, title="Per maand"),
    monthly_chart({"Geluid": {2023: [0] * 12, 2024: [0] * 12}}, YEARS, title="Per maand"),
    heat_chart({}, title="Per uur"),
    heat_chart({2023: np.zeros((7, 24)), 2024: np.zeros((7, 24))}, title="Per uur"),
], ids=["bar-none", "bar-zeros", "month-none", "month-zeros", "heat-none", "heat-zeros"])
def test_without_meldingen_a_sentence_instead_of_a_chart(fragment: str):
    root = parse(fragment)
    assert charts_in(root) == []
    [sentence] = root.findall("p[@class='hk-chart-empty']")
    assert sentence.text.startswith("Geen meldingen")
    assert sentence.text.endswith(".")
    assert root.find("figcaption").text.startswith("Per ")


JULY = Periods(2023, 2024, spans=(Period(dt.date(2023, 7, 1), dt.date(2024, 6, 30)),
                                  Period(dt.date(2024, 7, 1), dt.date(2025, 6, 30))))


def test_periods_name_the_years_and_their_months_in_every_chart():
    monthly = {"Geluid": {y: list(range(1, 13)) for y in YEARS}}
    root = parse(monthly_chart(monthly, YEARS, title="t", periods=JULY))
    svg = charts_in(root)[0]
    labels = [t.text for t in svg.findall("text[@text-anchor='middle']")]
    assert labels == ["jul", "sep", "nov", "jan", "mrt", "mei"]  # the axis starts in July
    tips = [t.text for t in svg.iter("title")]
    assert "Geluid, jul 2023: 1" in tips
    assert "Geluid, jun 2024: 12" in tips
    assert "Geluid, jun 2025: 12" in tips
    assert svg.find("desc").text.startswith("Geluid. jul 2023–jun 2024: jul 1, aug 2")
    legend = "".join(root.find("div[@class='hk-chart-legend']").itertext())
    assert "jul 2023–jun 2024" in legend
    assert "jul 2024–jun 2025" in legend
    bars = parse(bar_chart_by_area(["A"], [3], [5], YEARS, title="t", periods=JULY))
    assert "A: jul 2023–jun 2024 3, jul 2024–jun 2025 5" in charts_in(bars)[0].find("desc").text
    heat = parse(heat_chart(HEAT, title="t", periods=JULY))
    assert charts_in(heat)[1].find("title").text == "t: jul 2024–jun 2025"


def test_a_shorter_period_has_fewer_months():
    half = Periods(2023, 2024, spans=(Period(dt.date(2023, 7, 1), dt.date(2023, 12, 31)),
                                      Period(dt.date(2024, 7, 1), dt.date(2024, 12, 31))))
    root = parse(monthly_chart({"G": {2023: [1] * 6, 2024: [2] * 6}}, YEARS, title="t",
                               periods=half))
    svg = charts_in(root)[0]
    assert len(svg.findall("line[@class='hk-tick']")) == 6
    with pytest.raises(InputError, match="needs 6 and 6 monthly counts for 2023 and 2024"):
        monthly_chart({"G": {2023: [1] * 12, 2024: [2] * 6}}, YEARS, title="t", periods=half)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: bar_chart_by_area(["A"], [1, 2], [1], YEARS, title="t"), "1 labels, 2 base"),
    (lambda: bar_chart_by_area(["A"], [-1], [1], YEARS, title="t"), "0 or more"),
    (lambda: bar_chart_by_area(["A"], [1.5], [1], YEARS, title="t"), "whole numbers"),
    (lambda: bar_chart_by_area(["A"], [float("nan")], [1], YEARS, title="t"), "whole"),
    (lambda: bar_chart_by_area(["A"], [1], [1], YEARS, title="t", chart_id="1x"), "chart_id"),
    (lambda: bar_chart_by_area(["A"], [1], [1], YEARS, title="t", chart_id='a"b'), "chart_id"),
    (lambda: monthly_chart({"G": {2023: [1] * 12}}, YEARS, title="t"), "no counts for 2024"),
    (lambda: monthly_chart({"G": {2023: [1] * 12, 2024: [1] * 11}}, YEARS, title="t"), "12"),
    (lambda: heat_chart({2023: np.ones((24, 7))}, title="t"), "7 weekdays × 24 hours"),
    (lambda: heat_chart({2023: -np.ones((7, 24))}, title="t"), "counts of 0 or more"),
    (lambda: heat_chart({2023: np.ones((7, 24))}, title="t", hot={2023: np.ones((7, 24))}),
     "True/False"),
    (lambda: heat_chart({2023: np.ones((7, 24))}, title="t",
                        hot={2024: np.ones((7, 24), dtype=bool)}), "[2024]"),
])
def test_bad_input_is_refused(call: Any, message: str):
    with pytest.raises(InputError, match=re.escape(message)):
        call()


# ---- in the browser -----------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Grafieken</title>
<style>body {{ font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 12px;
  max-width: 980px; color: #1a1a1a; }}</style></head>
<body><h1>Grafieken</h1>
{charts}
</body></html>
"""

MEASURE = """() => [...document.querySelectorAll('svg.hk-chart')].map(svg => {
  const box = svg.getBoundingClientRect();
  const scale = svg.getScreenCTM().a;
  const texts = [...svg.querySelectorAll('text')].map(t => {
    const r = t.getBoundingClientRect();
    return {size: parseFloat(getComputedStyle(t).fontSize) * scale,
            inside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5
                    && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5,
            text: t.textContent};
  });
  const boxes = [...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect());
  const overlaps = [];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b, j) => {
    if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5
        && b.top < a.bottom - 0.5) overlaps.push([texts[i].text, texts[i + 1 + j].text]);
  }));
  const axis = [...svg.querySelectorAll("text[text-anchor='middle']")]
    .map(t => t.getBoundingClientRect());
  const gaps = axis.slice(1).map((b, i) => b.left - axis[i].right);
  return {width: box.width, height: box.height, right: box.right, texts, overlaps, gaps};
})"""


@pytest.mark.parametrize("viewport", [(360, 800), (1280, 800)], ids=["phone", "desktop"])
def test_charts_open_offline_and_fit_a_phone(tmp_path: Path, open_map: Any,
                                             viewport: tuple[int, int]):
    names = [*WIJKEN, HOSTILE[0], HOSTILE[1], "WIJK MMMWWW OUDE NOORDEN-WEST EN OMMOORD MMW"]
    charts = [bar_chart_by_area(names, [*BASE, 5, 2, 1], [*COMPARE, 0, 3, 1], YEARS,
                                title="Meldingen per wijk, 2023 en 2024"),
              monthly_chart(MONTHLY, YEARS, title="Meldingen per maand"),
              heat_chart(HEAT, title="Meldingen per uur en dag", hot=HOT),
              heat_chart({2023: np.zeros((7, 24))}, title="Zonder meldingen")]
    path = tmp_path / "grafieken.html"
    path.write_text(PAGE.format(charts="\n".join(charts)), encoding="utf-8")
    page = open_map(path, viewport=viewport)
    measured = page.evaluate(MEASURE)
    assert len(measured) == 1 + len(MONTHLY) + 1 + 2
    for chart in measured:
        assert chart["width"] > 0
        assert chart["height"] > 0
        assert chart["right"] <= viewport[0]
        small = [t for t in chart["texts"] if t["size"] < 11]
        assert small == []
        outside = [t["text"] for t in chart["texts"] if not t["inside"]]
        assert outside == []
        assert chart["overlaps"] == []
        assert min(chart["gaps"], default=99) >= 6  # axis labels apart, not one run of text
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= viewport[0]
    assert page.console_errors == []
    assert page.dialogs == []
    assert page.blocked_requests == []
    assert page.evaluate("() => document.querySelectorAll('script, img').length") == 0
    page.screenshot(f"charts-{viewport[0]}", full_page=True)
