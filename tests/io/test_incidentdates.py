"""Reading time windows (``time_from``/``time_to``) of meldingen (#18): rules and rejects."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from hotspotkaart._errors import HotspotkaartWarning, InputError
from hotspotkaart.io.incidents import iter_incidents, read_incidents
from hotspotkaart.io.ledger import Ledger, Reason
from tests.helpers.incidents import PERIODS, read, reasons, source
from tests.helpers.timewindows import HEADER, NO_TIME, windowed_csv, windowed_rows

WINDOW = {"time_from": "van", "time_to": "tot"}


def _write(folder: Path, rows: list[str], header: str = HEADER) -> Path:
    path = folder / "m.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _row(i: str, datum: str, van: str, tot: str) -> str:
    return f"{i};{datum};{van};{tot};Inbraak;105233;425683"


def _read(path: Path, **kwargs: str | None) -> tuple[gpd.GeoDataFrame, Ledger]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HotspotkaartWarning)
        return read(path, **{**WINDOW, **kwargs})


def test_windows_give_the_hours_and_date_the_period(tmp_path: Path) -> None:
    path = _write(tmp_path, [
        _row("a", "02-01-2024 08:10", "31-12-2023 22:00", "01-01-2024 07:00"),  # a night
        _row("b", "03-01-2024 08:10", "02-01-2024 14:15", "02-01-2024 14:15"),  # a moment
        _row("c", "04-01-2024 08:10", "", ""),                                  # date only
        _row("d", "05-01-2024", "", ""),                                        # date, no time
    ])
    frame, ledger = _read(path)
    assert ledger.rejections == []
    # the period and date follow date, even where the window began in the other year
    assert frame["period"].tolist() == [2024, 2024, 2024, 2024]
    assert frame["date"].dt.day.tolist() == [2, 3, 4, 5]
    assert frame["timed"].tolist() == [True, True, True, False]
    assert frame["time_from"].tolist()[:2] == [pd.Timestamp("2023-12-31 22:00"),
                                               pd.Timestamp("2024-01-02 14:15")]
    assert frame["time_to"].tolist()[:2] == [pd.Timestamp("2024-01-01 07:00"),
                                             pd.Timestamp("2024-01-02 14:15")]
    assert frame["time_from"].iloc[2:].isna().all()


def test_without_date_the_window_start_dates_the_melding(tmp_path: Path) -> None:
    path = _write(tmp_path, [_row("a", "", "31-12-2023 22:00", "01-01-2024 07:00"),
                             _row("b", "", "", "01-01-2024 07:00")])
    frame, ledger = _read(path, date=None)
    assert frame["period"].tolist() == [2023]
    assert frame["date"].tolist() == [pd.Timestamp("2023-12-31 22:00")]
    assert reasons(ledger) == {3: Reason.DATE_MISSING}


def test_bad_windows_are_rejected_with_their_reason_and_values(tmp_path: Path) -> None:
    path = _write(tmp_path, [
        _row("ok", "02-05-2024 09:00", "01-05-2024 22:00", "02-05-2024 07:00"),  # 2
        _row("a", "02-05-2024 09:00", "02-05-2024 07:00", "01-05-2024 22:00"),   # 3: reversed
        _row("b", "02-05-2024 09:00", "gisteren", "02-05-2024 07:00"),           # 4
        _row("c", "02-05-2024 09:00", "01-05-2024 22:00", "31-02-2024 07:00"),   # 5
        _row("d", "02-05-2024 09:00", "02-05-2024", "01-05-2024"),               # 6: days back
        _row("e", "02-05-2024 09:00", "01-05-2024 22:00", "01-05-2024"),         # 7: same day
    ])
    frame, ledger = _read(path)
    assert frame["row"].tolist() == [2, 7]
    assert reasons(ledger) == {3: Reason.WINDOW_REVERSED, 4: Reason.WINDOW_UNREADABLE,
                               5: Reason.WINDOW_UNREADABLE, 6: Reason.WINDOW_REVERSED}
    details = dict(zip(ledger.rejection_table()["row"], ledger.rejection_table()["detail"],
                       strict=True))
    assert details == {3: "02-05-2024 07:00 tot 01-05-2024 22:00", 4: "van = gisteren",
                       5: "tot = 31-02-2024 07:00", 6: "02-05-2024 tot 01-05-2024"}
    counts = ledger.counts("incidents", used=len(frame))
    assert counts["read"] == counts["used"] + counts["rejected"]


def test_windows_that_fix_no_hour_count_without_a_time_and_are_warned(tmp_path: Path) -> None:
    path = _write(tmp_path, [
        _row("week", "09-05-2024 09:00", "01-05-2024 22:00", "08-05-2024 22:00"),  # 7 days
        _row("short", "09-05-2024 09:00", "01-05-2024 22:00", "08-05-2024 21:59"),
        _row("open", "09-05-2024 09:00", "01-05-2024 22:00", ""),
        _row("far", "09-05-2024 09:00", "01-05-2024 22:00", "31-12-9999 00:00"),
        _row("dates", "09-05-2024 09:00", "01-05-2024", "02-05-2024"),
        _row("half", "09-05-2024 09:00", "01-05-2024 22:00", "02-05-2024"),
    ])
    with pytest.warns(HotspotkaartWarning, match=r"m.csv: 5 meldingen have a time window that "
                      r"fixes no hour \(2 with an end missing or out of range \(such as "
                      r"31-12-9999\), 1 of 7 days or "
                      r"longer, 2 with an end without a time of day\)"):
        frame, ledger = read(path, **WINDOW)
    assert ledger.rejections == []
    assert frame["timed"].tolist() == [False, True, False, False, False, False]
    assert frame["time_from"].notna().tolist() == [False, True, False, False, False, False]
    assert len(ledger.warnings) == 1


def test_the_window_columns_share_the_dates_order_and_format(tmp_path: Path) -> None:
    # the date is ISO, the window month first: 05/13 tells the order of the whole file
    rows = [_row("a", "2024-05-14 09:00", "05/13/2024 22:00", "05/14/2024 07:00"),
            _row("b", "2024-06-02 09:00", "06/01/2024 22:00", "06/02/2024 01:00")]
    frame, ledger = _read(_write(tmp_path, rows))
    assert frame["time_from"].tolist() == [pd.Timestamp("2024-05-13 22:00"),
                                           pd.Timestamp("2024-06-01 22:00")]
    assert ledger.rejections == []
    formatted = [_row("a", "05.14.2024 09:00", "05.13.2024 22:00", "05.14.2024 07:00")]
    frame, _ = _read(_write(tmp_path, formatted), date_format="%m.%d.%Y %H:%M")
    assert frame["time_to"].tolist() == [pd.Timestamp("2024-05-14 07:00")]


def test_a_file_whose_date_and_window_disagree_on_the_order_is_refused(tmp_path: Path) -> None:
    rows = [_row("a", "14-05-2024 09:00", "05/13/2024 22:00", "05/14/2024 07:00")]
    with pytest.raises(InputError, match=r"m.csv: its dates are written both day first"):
        _read(_write(tmp_path, rows))


def test_pieces_read_the_same_windows_and_warn_once(tmp_path: Path) -> None:
    rows = windowed_rows(np.random.default_rng(5), 60)
    points = [(105_200.0 + i, 425_600.0) for i in range(len(rows))]
    path = tmp_path / "m.csv"
    path.write_text(windowed_csv(rows, points, ("Inbraak",)), encoding="utf-8")
    sources = (source(path, **WINDOW),)
    whole_ledger, piece_ledger = Ledger(), Ledger()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HotspotkaartWarning)
        whole = read_incidents(sources, PERIODS, whole_ledger)
        pieces = pd.concat(list(iter_incidents(sources, PERIODS, piece_ledger, 7)),
                           ignore_index=True)
    pd.testing.assert_frame_equal(pd.DataFrame(whole), pd.DataFrame(pieces))
    assert whole_ledger.warnings == piece_ledger.warnings
    [warning] = whole_ledger.warnings
    untimed = sum(r.kind in NO_TIME for r in rows)
    assert warning.startswith(f"m.csv: {untimed} meldingen have a time window")
    kinds = np.array([r.kind for r in rows])
    assert whole["timed"].to_numpy().tolist() == [k not in NO_TIME for k in kinds]


def test_a_vector_file_gives_its_window_as_datetimes(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({
        "id": ["a", "b"], "soort": ["Inbraak"] * 2,
        "datum": pd.to_datetime(["2024-05-02 09:00", "2024-05-03 09:00"]),
        "van": pd.to_datetime(["2024-05-01 22:00", None]),
        "tot": pd.to_datetime(["2024-05-02 07:00", None]),
    }, geometry=gpd.points_from_xy([105_233, 105_240], [425_683, 425_690]), crs="EPSG:28992")
    path = tmp_path / "m.gpkg"
    frame.to_file(path)
    read_back, ledger = _read(path, x=None, y=None)
    assert ledger.rejections == []
    assert read_back["time_from"].tolist()[0] == pd.Timestamp("2024-05-01 22:00")
    assert read_back["timed"].tolist() == [True, True]


def test_a_window_column_missing_from_the_file_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, ["a;02-05-2024 09:00;;Inbraak;105233;425683"],
                  header="id;datum;van;soort;x;y")
    with pytest.raises(InputError, match=r"column\(s\) 'tot' named in the config"):
        _read(path)
