"""What a long sheet of the workbook lists: the rows with a finding, the rest is in the CSV.

:func:`hotspotkaart.io.workbook.write_workbook` lists only the rows a caller marks as findings
on a sheet longer than :data:`hotspotkaart.io.workbook.LONG_SHEET` rows (and says so in the
toelichting sheet). At national scale the grid has tens of thousands of empty cells, the hot
times 1.6 M tested blocks of which a few are hot, and the time and month tables millions of
rows of buurten; a planner opening the workbook wants the active cells, the hot blocks and
the city and its wijken. A municipality's build is shorter than the limit and lists every row.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspotkaart.config.settings import Periods
from hotspotkaart.stats.grid import active_cells

__all__ = ["workbook_findings"]

#: The area levels the time and month sheets keep when long (not the buurten nor clusters):
#: the city (or region), a region's gemeenten and the wijken.
_LEVELS = ("stad", "gemeente", "wijk")


def workbook_findings(tables: Mapping[str, pd.DataFrame], periods: Periods
                      ) -> dict[str, tuple[npt.NDArray[np.bool_], str]]:
    """Return the ``findings`` of the build's tables for the workbook, per sheet name.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The tables by sheet name, as the pipeline writes them (``grid``, and where the build
        has them ``hottijden``, ``tijden`` and ``maanden``).
    periods : Periods
        The build's periods (the grid's window columns).

    Returns
    -------
    dict of str to (numpy.ndarray of bool, str)
        Per sheet, which rows it lists when long and what they are, in the words of the
        toelichting sheet: the cells with a melding in their window, the hot blocks, the
        rows of the city and the wijken (of all categories together, for the times).
    """
    findings = {"grid": (active_cells(tables["grid"], periods),
                         "cellen met een melding in hun venster (3 × 3)")}
    if "hottijden" in tables:
        findings["hottijden"] = (tables["hottijden"]["hot"].to_numpy(dtype=bool),
                                 "hete blokken (hot = True)")
    if "tijden" in tables:
        times = tables["tijden"]
        findings["tijden"] = (_levels(times) & (times["category"] == "").to_numpy(dtype=bool),
                              "rijen van de stad (regio), de gemeenten en de wijken, alle "
                              "soorten samen")
    if "maanden" in tables:
        findings["maanden"] = (_levels(tables["maanden"]),
                               "rijen van de stad (regio), de gemeenten en de wijken")
    return findings


def _levels(table: pd.DataFrame) -> npt.NDArray[np.bool_]:
    return table["area_type"].isin(_LEVELS).to_numpy(dtype=bool)
