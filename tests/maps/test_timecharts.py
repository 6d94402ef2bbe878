"""The when-charts take their numbers from the meldingen and the tables (#18 item 4)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from hotspotkaart.maps.charts import heat_scale
from hotspotkaart.maps.data import MapContext
from hotspotkaart.maps.timecharts import area_heat_cells, incident_charts
from tests.helpers.project import MAPS, PHONE

CONTEXT = MapContext(area_name="Dordrecht", years=(2023, 2024), credit="", method=[],
                     synthetic=False)


def _descs(html: str) -> list[str]:
    return re.findall(r"<desc[^>]*>([^<]*)</desc>", html)


def test_incident_charts_count_every_melding_and_only_timed_ones_per_hour() -> None:
    frame = pd.DataFrame({
        "date": pd.to_datetime(["2023-06-02 22:10", "2023-06-09 22:30", "2024-01-05 01:00",
                                "2024-02-01 00:00"]),
        "timed": [True, True, True, False], "period": [2023, 2023, 2024, 2024],
        "category": ["Jeugd", "Jeugd", "Alcohol/drugs", "Jeugd"]})
    html = incident_charts(frame, CONTEXT, "Plein", ["Jeugd", "Alcohol/drugs"])
    assert html.count('class="hk-chart hk-chart-line"') == 3  # all, Jeugd, Alcohol/drugs
    descs = _descs(html)
    assert "(totaal 2). 2024: jan 1, feb 1," in descs[0]  # the date-only melding counts by month
    heat = [d for d in descs if "Drukste combinaties" in d]
    # 2 and 9 June 2023 and 5 January 2024 are Fridays; 1 February 2024 has no time
    assert heat[0].startswith("2023: 2 meldingen")
    assert "vrijdag 22–23 uur (2)" in heat[0]
    assert heat[1].startswith("2024: 1 melding.")
    assert "vrijdag 1–2 uur (1)" in heat[1]
    assert incident_charts(frame.iloc[:0], CONTEXT, "Plein", ["Jeugd"]) == ""


def test_incident_charts_spread_a_time_window_over_its_hours() -> None:
    frame = pd.DataFrame({
        "date": pd.to_datetime(["2024-03-02 09:00", "2024-03-09 21:30"]),
        "timed": [True, True], "period": [2024, 2024], "category": ["Inbraak", "Inbraak"],
        # Friday 22:00 to Saturday 01:00, found the next morning; a moment without a window
        "time_from": pd.to_datetime(["2024-03-01 22:00", None]),
        "time_to": pd.to_datetime(["2024-03-02 01:00", None])})
    html = incident_charts(frame, CONTEXT, "Plein", ["Inbraak"])
    [heat] = [d for d in _descs(html) if d.startswith("2024:")]
    assert heat.startswith("2024: 2 meldingen.")
    assert "zaterdag 21–22 uur (1)" in heat
    assert "vrijdag 22–23 uur (0,3)" in heat  # a third of the window, in Dutch
    assert "Per dag: maandag 0, dinsdag 0, woensdag 0, donderdag 0, vrijdag 0,7, zaterdag 1,3" \
        in heat
    assert not re.search(r"\d\.\d{4}", html)  # no 0.3333333 anywhere


def _times(rows: list[tuple[str, str, int, str, float, float, int]]) -> pd.DataFrame:
    """A ``tijden.csv`` frame from (area_type, area_code, period, category, weekday, hour, n)."""
    frame = pd.DataFrame(rows, columns=["area_type", "area_code", "period", "category",
                                        "weekday", "hour", "count"])
    frame["weekday"] = frame["weekday"].astype("Int64")
    frame["hour"] = frame["hour"].astype("Int64")
    return frame


def test_area_heat_cells_classify_each_hour_of_the_week_on_the_heat_charts_scale() -> None:
    nan = float("nan")
    times = _times([
        ("buurt", "BU1", 2023, "", 1, 0, 1),       # Monday 0:00, 2023
        ("buurt", "BU1", 2024, "", 5, 22, 12),     # Friday 22:00, 2024: the largest count
        ("buurt", "BU1", 2024, "", 5, 23, 6),
        ("buurt", "BU1", 2024, "Jeugd", 5, 22, 12),  # a category row: not counted again
        ("buurt", "BU1", 2024, "", nan, nan, 40),  # date only: no hour, not in the chart
        ("wijk", "BU2", 2024, "", 3, 3, 9),        # another level with a lookalike code
        ("buurt", "BU2", 2024, "", nan, nan, 3),   # only date-only meldingen: no chart
        ("buurt", "BU9", 2024, "", 2, 2, 4),       # a buurt not asked for
    ])
    charts = area_heat_cells(times, "buurt", ["BU1", "BU2", "BU3"], (2023, 2024))
    assert list(charts) == ["BU1"]
    chart = charts["BU1"]
    step, colours = heat_scale(12)
    assert chart["n"] == len(colours)
    cells = chart["cells"]
    assert set(cells) == {"2023", "2024"}
    assert all(len(c) == 168 and set(c) <= set("0123456") for c in cells.values())
    assert cells["2023"][0] == "1"
    assert cells["2023"].count("0") == 167
    friday = 4 * 24
    assert cells["2024"][friday + 22] == str((12 - 1) // step + 1) == str(len(colours))
    assert cells["2024"][friday + 23] == str((6 - 1) // step + 1)
    assert cells["2024"].count("0") == 166
    assert chart["label"].startswith("Meldingen per uur en weekdag, 2023: 1 melding met een "
                                     "tijdstip; 2024: 18 meldingen met een tijdstip")
    assert "tot 12 in een uur" in chart["label"]
    assert chart["totals"] == {"2023": "1 melding met een tijdstip",
                               "2024": "18 meldingen met een tijdstip"}
    # a hot-spot cluster has the one year it belongs to
    cluster = area_heat_cells(_times([("hotspot", "2024-1", 2024, "", 6, 22, 3)]), "hotspot",
                              ["2024-1"], (2024,))
    assert set(cluster["2024-1"]["cells"]) == {"2024"}
    assert area_heat_cells(times, "buurt", [], (2023, 2024)) == {}
    assert area_heat_cells(None, "buurt", ["BU1"], (2023, 2024)) == {}


def test_area_heat_cells_take_the_fractions_of_spread_windows() -> None:
    times = _times([("buurt", "BU1", 2024, "", 5, 22, 0.333), ("buurt", "BU1", 2024, "", 5, 23,
                                                                  0.333),
                    ("buurt", "BU1", 2024, "", 6, 0, 0.334), ("buurt", "BU1", 2024, "", 6, 9, 2)])
    chart = area_heat_cells(times, "buurt", ["BU1"], (2024,))["BU1"]
    friday = 4 * 24
    assert chart["cells"]["2024"][friday + 22] == "1"  # a part of a melding is not "none"
    assert chart["cells"]["2024"].count("0") == 164
    assert chart["totals"] == {"2024": "3 meldingen met een tijdstip"}
    assert "tot 2 in een uur" in chart["label"]


def test_area_heat_cells_of_each_area_alone_match_those_of_all_and_follow_a_new_table() -> None:
    times = _times([("buurt", f"BU{i % 7}", 2024, "", 1 + i % 7, i % 24, 1 + i % 5)
                    for i in range(300)])
    everything = area_heat_cells(times, "buurt", [f"BU{i}" for i in range(7)], (2024,))
    for code, chart in everything.items():
        assert area_heat_cells(times, "buurt", [code], (2024,)) == {code: chart}
    # another table (another build) is read afresh, not taken from the one before
    other = _times([("buurt", "BU1", 2024, "", 2, 5, 4)])
    assert area_heat_cells(other, "buurt", ["BU1"], (2024,))["BU1"]["totals"] == {
        "2024": "4 meldingen met een tijdstip"}


_OPEN_POPUP = """(code) => {
  let found = null;
  """ + MAPS + """.forEach(map => map.eachLayer(l => {
    if (!found && l.feature && l._path && l.feature.properties.buurtcode === code) {
      found = l; }
  }));
  if (!found) { return false; }  // a click as Leaflet fires it: the layer's popup opens
  found.fire('click', {latlng: found.getCenter()}, true); return true;
}"""

#: The panels one sees (the attribution is always shown, and never covers a popup).
_PANELS = """() => [...document.querySelectorAll(
    '.leaflet-control:not(.leaflet-control-attribution)')]
  .filter(c => c.offsetParent !== null && getComputedStyle(c).visibility !== 'hidden')
  .map(c => { const r = c.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"""

_POPUP_CHART = """() => { const _PANELS = """ + _PANELS + """;
  const popup = document.querySelector('.leaflet-popup');
  const svg = popup && popup.querySelector('svg.hk-chart-popup');
  if (!svg) { return null; }
  const r = popup.getBoundingClientRect(), m = popup.closest('.leaflet-container')
    .getBoundingClientRect();
  return {rects: svg.querySelectorAll('rect').length,
          filled: [...svg.querySelectorAll('rect')].map(e => e.getAttribute('fill') !== '#ffffff'),
          label: svg.getAttribute('aria-label'), role: svg.getAttribute('role'),
          text: popup.innerText, popup: [r.left, r.top, r.right, r.bottom],
          map: [m.left, m.top, m.right, m.bottom], panels: _PANELS()};
}"""


@pytest.mark.parametrize("viewport", [(1280, 800), PHONE])
@pytest.mark.parametrize("page", ["overzicht.html", "wijken/WK050503.html"])
def test_a_buurt_popup_shows_its_own_hour_by_weekday_chart(embedded_build, open_map, page,
                                                          viewport):
    times = pd.read_csv(embedded_build / "tijden.csv", sep=";", dtype={"area_code": str})
    timed = times[(times["area_type"] == "buurt") & times["hour"].notna()
                  & times["category"].isna()]
    buurten = pd.read_csv(embedded_build / "buurten.csv", sep=";", dtype=str)
    in_wijk = buurten["buurtcode"][buurten["wijkcode"] == "WK050503"] if "wijken" in page \
        else buurten["buurtcode"]
    busiest = timed[timed["area_code"].isin(in_wijk)].groupby("area_code")["count"].sum()
    code = str(busiest.idxmax())
    shown = open_map(embedded_build / page, viewport=viewport)
    assert shown.evaluate(_OPEN_POPUP, code)
    shown.page.wait_for_timeout(400)
    chart = shown.evaluate(_POPUP_CHART)
    assert chart is not None, (page, code)
    assert chart["role"] == "img"
    assert chart["rects"] == 2 * 168
    mine = timed[timed["area_code"] == code]
    for k, year in enumerate((2023, 2024)):  # a coloured cell for every hour with meldingen
        hours = mine[mine["period"] == year]
        assert sum(chart["filled"][k * 168:(k + 1) * 168]) == len(hours), year
        total = int(hours["count"].sum())
        assert f"{year}: {total} melding" in chart["label"]
    assert code in chart["text"]
    popup, box = chart["popup"], chart["map"]
    assert popup[0] >= box[0]
    assert popup[2] <= box[2]
    assert popup[1] >= box[1] - 1
    # no panel covers the chart: beside them on a laptop; on a phone they step back until
    # the popup closes
    assert not any(min(popup[2], c[2]) > max(popup[0], c[0]) and min(popup[3], c[3])
                   > max(popup[1], c[1]) for c in chart["panels"]), (popup, chart["panels"])
    panels = len(shown.evaluate(_PANELS))
    shown.page.locator(".leaflet-popup-close-button").click()
    assert len(shown.evaluate(_PANELS)) >= panels + (5 if viewport == PHONE else 0)
    assert shown.console_errors == []
