"""The when-charts take their numbers from the meldingen and the tables (#18 item 4)."""

from __future__ import annotations

import re

import pandas as pd

from hotspotkaart.maps.data import MapContext
from hotspotkaart.maps.timecharts import incident_charts

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
