"""Tests of the ledger: every record read is used or rejected, with its fields where rejected."""

from __future__ import annotations

import pandas as pd
import pytest

from hotspotkaart.io.ledger import Ledger, Reason


def _raw(rows: range) -> pd.DataFrame:
    return pd.DataFrame({"id": [f"M{r}" for r in rows], "soort": "Jeugd"},
                        index=pd.Index(list(rows), name="row"))


def test_fields_are_kept_of_rejected_records_and_of_records_still_waiting():
    ledger = Ledger()
    ledger.register("incidents", "a.csv", _raw(range(2, 12)))
    ledger.register_more("incidents", "a.csv", _raw(range(12, 22)))
    ledger.register("incidents", "b.csv", _raw(range(2, 6)))
    ledger.reject("incidents", "a.csv", [3, 15], Reason.DATE_MISSING)
    waiting = pd.DataFrame({"source": ["a.csv", "a.csv", "b.csv"], "row": [20, 21, 4]})
    ledger.keep_rejected_fields("incidents", waiting=[waiting])
    assert ledger.raw[("incidents", "a.csv")].index.tolist() == [3, 15, 20, 21]
    assert ledger.raw[("incidents", "b.csv")].index.tolist() == [4]
    # the waiting records' check comes in; the next call lets go of the used one
    ledger.reject("incidents", "a.csv", [21], Reason.OUTSIDE_AREA)
    ledger.keep_rejected_fields("incidents")
    assert ledger.raw[("incidents", "a.csv")].index.tolist() == [3, 15, 21]
    assert ledger.raw[("incidents", "b.csv")].empty
    table = ledger.rejection_table()
    assert table["id"].tolist() == ["M3", "M15", "M21"]
    assert ledger.read[("incidents", "a.csv")] == 20  # what was read still counts


def test_a_ledger_takes_the_rejections_and_warnings_of_a_later_check():
    ledger, scratch = Ledger(), Ledger()
    ledger.register("incidents", "a.csv", _raw(range(2, 7)))
    ledger.reject("incidents", "a.csv", [2], Reason.DATE_MISSING)
    scratch.reject("incidents", "a.csv", [5, 6], Reason.OUTSIDE_AREA)
    scratch.warnings.append("a.csv: 2 meldingen buiten de gemeente")
    ledger.take(scratch)
    assert [(r.row, r.reason) for r in ledger.rejections] == [
        (2, Reason.DATE_MISSING), (5, Reason.OUTSIDE_AREA), (6, Reason.OUTSIDE_AREA)]
    assert ledger.warnings == ["a.csv: 2 meldingen buiten de gemeente"]
    assert ledger.counts("incidents", used=2)["rejected"] == 3


def test_a_ledger_refuses_to_take_one_that_read_records():
    ledger, other = Ledger(), Ledger()
    other.register("incidents", "a.csv", _raw(range(2, 4)))
    with pytest.raises(ValueError, match=r"the other ledger read .*a\.csv"):
        ledger.take(other)
