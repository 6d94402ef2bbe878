"""What a long workbook sheet lists: active cells, hot blocks, the city, gemeenten, wijken."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotspotkaart.config.settings import Periods
from hotspotkaart.stats.findings import workbook_findings

PERIODS = Periods(2023, 2024)


def test_workbook_findings_mark_the_rows_a_long_sheet_lists() -> None:
    tables = {
        "grid": pd.DataFrame({"window_2023": [0, 2, 0], "window_2024": [0, 0, 1]}),
        "hottijden": pd.DataFrame({"hot": [False, True, False]}),
        "tijden": pd.DataFrame({"area_type": ["stad", "stad", "wijk", "buurt", "hotspot",
                                              "gemeente"],
                                "category": ["", "Jeugd", "", "", "", ""]}),
        "maanden": pd.DataFrame({"area_type": ["stad", "wijk", "buurt", "gemeente"],
                                 "category": ["", "Jeugd", "", "Jeugd"]}),
    }
    findings = workbook_findings(tables, PERIODS)
    assert list(findings) == ["grid", "hottijden", "tijden", "maanden"]
    np.testing.assert_array_equal(findings["grid"][0], [False, True, True])
    np.testing.assert_array_equal(findings["hottijden"][0], [False, True, False])
    np.testing.assert_array_equal(findings["tijden"][0],
                                  [True, False, True, False, False, True])
    np.testing.assert_array_equal(findings["maanden"][0], [True, True, False, True])
    assert findings["hottijden"][1] == "hete blokken (hot = True)"
    assert findings["tijden"][1] == ("rijen van de stad (regio), de gemeenten en de wijken, "
                                     "alle soorten samen")


def test_workbook_findings_of_a_build_without_times_are_the_grids() -> None:
    grid = pd.DataFrame({"window_2023": [1], "window_2024": [0]})
    assert list(workbook_findings({"grid": grid}, PERIODS)) == ["grid"]
