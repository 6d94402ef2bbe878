from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from numpy.testing import assert_allclose

from hotspotkaart._errors import HotspotkaartWarning, InputError
from hotspotkaart.config.settings import Period, Periods
from hotspotkaart.io.incidents import (
    check_category_slugs,
    read_incidents,
)
from hotspotkaart.io.ledger import Ledger, Reason
from tests.helpers.incidents import PERIODS, read, reasons, source


def test_dutch_excel_csv_with_bom_decimal_comma_and_dutch_dates(tmp_path):
    text = ("id;datum;soort;x;y\r\n"
            "1;03-07-2023 22:15;Jeugd;105233,4;425683,9\r\n"
            "2;29-02-2024;Alcohol/drugs;105300;425700\r\n"
            "3;2024-12-31T23:59:00;Persoon met onbegrepen gedrag;105310.5;425710.25\r\n")
    path = tmp_path / "m.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    frame, ledger = read(path)
    assert ledger.rejections == []
    assert frame["row"].tolist() == [2, 3, 4]
    assert frame["date"].tolist() == [pd.Timestamp("2023-07-03 22:15"),
                                      pd.Timestamp("2024-02-29"),
                                      pd.Timestamp("2024-12-31 23:59")]
    assert frame["period"].tolist() == [2023, 2024, 2024]
    assert_allclose(frame.geometry.x, [105233.4, 105300, 105310.5])
    assert_allclose(frame.geometry.y, [425683.9, 425700, 425710.25])
    assert frame.crs.to_epsg() == 28992
    assert ledger.read[("incidents", "m.csv")] == 3


def test_every_bad_record_is_rejected_for_its_first_problem(tmp_path):
    rows = [
        "id;datum;soort;x;y",
        "ok;01-05-2024;Jeugd;105233;425683",       # 2: used
        "a;31-02-2024;Jeugd;105233;425683",        # 3: impossible date
        "b;;Jeugd;105233;425683",                  # 4: no date
        "c;gisteren;Jeugd;105233;425683",          # 5: unreadable date
        "d;01-05-2024;Jeugd;;425683",              # 6: no coordinates
        "e;01-05-2024;Jeugd;abc;425683",           # 7: unreadable coordinates
        "f;01-05-2024;Jeugd;4,66;51,81",           # 8: WGS84 values in an RD file
        "g;01-05-2024;;105233;425683",             # 9: no category
        "h;01-05-2022;Jeugd;105233;425683",        # 10: outside both periods
        "ok;02-05-2024;Jeugd;105233;425683",       # 11: duplicate id
        "i;01-05-2024;Jeugd;105233",               # 12: too few fields
        "j;01-05-2024;Jeugd;nan;425683",           # 13: NaN is not a coordinate
    ]
    path = tmp_path / "m.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    frame, ledger = read(path)
    assert frame["row"].tolist() == [2]
    assert reasons(ledger) == {
        3: Reason.DATE_IMPOSSIBLE, 4: Reason.DATE_MISSING, 5: Reason.DATE_UNREADABLE,
        6: Reason.COORD_MISSING, 7: Reason.COORD_UNREADABLE, 8: Reason.OUTSIDE_NL,
        9: Reason.CATEGORY_MISSING, 10: Reason.OUT_OF_PERIOD, 11: Reason.DUPLICATE_ID,
        12: Reason.FIELD_COUNT, 13: Reason.COORD_UNREADABLE,
    }
    counts = ledger.counts("incidents", used=len(frame))
    assert counts["read"] == 12
    assert counts["rejected"] == 11
    table = ledger.rejection_table()
    dup = table[table["reason"] == Reason.DUPLICATE_ID].iloc[0]
    assert dup["detail"] == "eerder in m.csv rij 2"
    assert dup["datum"] == "02-05-2024"


def test_vector_incidents_with_z_and_null_geometry(tmp_path):
    frame = gpd.GeoDataFrame(
        {"id": ["1", "2", "3"], "datum": ["2023-03-01", "2024-03-01", "2024-03-02"],
         "soort": ["Jeugd"] * 3},
        geometry=gpd.GeoSeries.from_wkt(["POINT Z (105233 425683 2)", "POINT (105300 425700)",
                                         None]),
        crs="EPSG:28992",
    )
    path = tmp_path / "m.gpkg"
    frame.to_file(path)
    out, ledger = read(path, x=None, y=None, crs=None)
    assert out["row"].tolist() == [1, 2]
    assert not out.geometry.has_z.any()
    assert reasons(ledger) == {3: Reason.COORD_MISSING}


def test_two_sources_share_one_id_space(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("id;datum;soort;x;y\n1;01-05-2024;Jeugd;105233;425683\n", encoding="utf-8")
    b.write_text("id;datum;soort;x;y\n1;01-05-2024;Jeugd;105233;425683\n", encoding="utf-8")
    ledger = Ledger()
    frame = read_incidents((source(a), source(b)), PERIODS, ledger)
    assert frame["source"].tolist() == ["a.csv"]
    assert ledger.rejections[0].source == "b.csv"
    assert ledger.rejections[0].detail == "eerder in a.csv rij 2"


# -- hardening (issue 6) --------------------------------------------------------------------------


def test_vector_ids_that_are_missing_are_not_duplicates(tmp_path):
    frame = gpd.GeoDataFrame(
        {"mid": [None, None, "A", "A"], "datum": ["2024-03-01"] * 4, "soort": ["Jeugd"] * 4},
        geometry=gpd.points_from_xy([105233] * 4, [425683] * 4), crs="EPSG:28992")
    path = tmp_path / "m.gpkg"
    frame.to_file(path)
    out, ledger = read(path, x=None, y=None, crs=None, id="mid")
    assert out["row"].tolist() == [1, 2, 3]
    assert reasons(ledger) == {4: Reason.DUPLICATE_ID}


def test_two_exports_with_the_same_name_keep_their_own_fields(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "m.csv").write_text("id;datum;soort;x;y\n1;31-02-2024;Jeugd;1;2\n",
                                          encoding="utf-8")
    (tmp_path / "b" / "m.csv").write_text("id;datum;soort;x;y\n2;01-05-2021;Jeugd;3;4\n",
                                          encoding="utf-8")
    ledger = Ledger()
    read_incidents((source(tmp_path / "a" / "m.csv"), source(tmp_path / "b" / "m.csv")),
                   PERIODS, ledger)
    table = ledger.rejection_table()
    assert table[["source", "row", "id", "datum"]].values.tolist() == [
        ["a/m.csv", 2, "1", "31-02-2024"], ["b/m.csv", 2, "2", "01-05-2021"]]


def test_source_labels_are_short_and_unique():
    from pathlib import Path

    from hotspotkaart.io.ledger import source_labels

    labels = source_labels([(Path("/d/2023/m.csv"), None), (Path("/d/2024/m.csv"), None),
                            (Path("/d/z.gpkg"), "alcohol"), (Path("/d/k.csv"), None),
                            (Path("/d/k.csv"), None)])
    assert labels == ["2023/m.csv", "2024/m.csv", "z.gpkg:alcohol", "k.csv #4", "k.csv #5"]


def test_ledger_keeps_sources_of_different_kinds_apart():
    ledger = Ledger()
    ledger.register("zones", "data.geojson", pd.DataFrame({"naam": ["A"]}, index=[1]))
    ledger.register("locations", "data.geojson", pd.DataFrame({"naam": ["B"]}, index=[1]))
    ledger.reject("zones", "data.geojson", [1], Reason.NO_GEOMETRY)
    ledger.reject("locations", "data.geojson", [1], Reason.NOT_POINT)
    table = ledger.rejection_table()
    assert table[["kind", "naam"]].values.tolist() == [["locations", "B"], ["zones", "A"]]
    with pytest.raises(ValueError, match="registered twice"):
        ledger.register("zones", "data.geojson", pd.DataFrame(index=[1]))


def test_categories_with_the_same_column_name_are_refused_naming_file_column_and_rows(
        tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("id;datum;soort;x;y\n"
                    "1;01-03-2023;Drugs overlast;105000;425000\n"
                    "2;01-03-2023;Jeugd;105000;425000\n"
                    "3;01-03-2024;drugs-overlast;105000;425000\n", encoding="utf-8")
    message = (r"m\.csv: the categories 'Drugs overlast' \(row 2\) and 'drugs-overlast' "
               r"\(row 4\) in column 'soort' both become the output column name "
               r"'drugs_overlast'; rename one of them")
    frame, _ = read(path)  # reading alone keeps every record
    assert sorted(frame["category"]) == ["Drugs overlast", "Jeugd", "drugs-overlast"]
    with pytest.raises(InputError, match=message):
        check_category_slugs(frame, (source(path),))


def test_categories_with_the_same_column_name_in_two_files_name_both_files(tmp_path):
    (tmp_path / "a.csv").write_text("id;datum;soort;x;y\n"
                                    "1;01-03-2023;Alcohol/drugs;105000;425000\n",
                                    encoding="utf-8")
    (tmp_path / "b.csv").write_text("id;datum;type;x;y\n"
                                    "2;01-03-2024;Jeugd;105000;425000\n"
                                    "3;01-03-2024;ALCOHOL - DRUGS;105000;425000\n",
                                    encoding="utf-8")
    sources = (source(tmp_path / "a.csv"), source(tmp_path / "b.csv", category="type"))
    message = (r"the categories 'Alcohol/drugs' \(.*a\.csv, column 'soort', row 2\) and "
               r"'ALCOHOL - DRUGS' \(.*b\.csv, column 'type', row 3\) both become the output "
               r"column name 'alcohol_drugs'")
    frame = read_incidents(sources, PERIODS, Ledger())
    with pytest.raises(InputError, match=message):
        check_category_slugs(frame, sources)


def test_a_category_rejected_for_its_row_does_not_clash(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("id;datum;soort;x;y\n"
                    "1;01-03-2023;Drugs overlast;105000;425000\n"
                    "2;01-03-2021;drugs-overlast;105000;425000\n", encoding="utf-8")
    frame, ledger = read(path)
    assert frame["category"].tolist() == ["Drugs overlast"]
    assert reasons(ledger) == {3: Reason.OUT_OF_PERIOD}
    check_category_slugs(frame, (source(path),))


def test_a_melding_belongs_to_the_range_its_date_falls_in(tmp_path):
    # base 1 July 2023 – 30 June 2024, compare the year after, and 2022 for the trend only
    periods = Periods(2023, 2024, spans=(
        Period(dt.date(2022, 7, 1), dt.date(2023, 6, 30)),
        Period(dt.date(2023, 7, 1), dt.date(2024, 6, 30)),
        Period(dt.date(2024, 7, 1), dt.date(2025, 6, 30))))
    path = tmp_path / "m.csv"
    path.write_text("id;datum;soort;x;y\n"
                    "1;30-06-2022 23:59;Jeugd;105000;425000\n"   # before every period
                    "2;01-07-2022 00:00;Jeugd;105000;425000\n"   # the trend's first minute
                    "3;30-06-2023 23:59;Jeugd;105000;425000\n"
                    "4;01-07-2023 00:00;Jeugd;105000;425000\n"   # base, its first minute
                    "5;30-06-2024 23:59;Jeugd;105000;425000\n"   # base, its last minute
                    "6;01-07-2024;Jeugd;105000;425000\n"         # compare, a date only
                    "7;30-06-2025 23:59;Jeugd;105000;425000\n"
                    "8;01-07-2025 00:00;Jeugd;105000;425000\n",  # after every period
                    encoding="utf-8")
    ledger = Ledger()
    frame = read_incidents((source(path),), periods, ledger)
    assert frame["melding_id"].tolist() == ["2", "3", "4", "5", "6", "7"]
    assert frame["period"].tolist() == [2022, 2022, 2023, 2023, 2024, 2024]
    assert reasons(ledger) == {2: Reason.OUT_OF_PERIOD, 9: Reason.OUT_OF_PERIOD}
    assert [r.detail for r in ledger.rejections] == ["2022-06-30", "2025-07-01"]


# -- reading piece by piece -------------------------------------------------------------------


def _messy_meldingen(path, n, seed, *, id_prefix="M", crs_wgs84=False):
    """Write ``n`` meldingen with every kind of rejection, and ids that repeat far apart."""
    rng = np.random.default_rng(seed)
    rows = ["id;datum;soort;x;y"]
    for i in range(n):
        x, y = 105_000 + rng.uniform(0, 3000), 423_000 + rng.uniform(0, 3000)
        if crs_wgs84:
            x, y = 4.67 + rng.uniform(0, 0.04), 51.80 + rng.uniform(0, 0.02)
        ident = f"{id_prefix}{i % (n - 40)}"  # the last 40 repeat the first ids
        date = f"{1 + i % 28:02d}-{1 + i % 12:02d}-{2022 + i % 4}"  # 2022 and 2025: out of period
        kind = ("Jeugd", "Alcohol/drugs", "")[i % 3 if i % 17 == 0 else i % 2]
        cells = [ident, date, kind, f"{x:.2f}".replace(".", ","), f"{y:.2f}".replace(".", ",")]
        if i % 53 == 0:
            cells[3] = "onbekend"
        if i % 61 == 0:
            cells = cells[:4]
        rows.append(";".join(cells))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _pieces_and_records(pieces, ledger):
    """The pieces, and how many records the ledger had registered for each one."""
    out, records, seen = [], [], 0
    for piece in pieces:
        total = sum(ledger.read.values())
        out.append(piece)
        records.append(total - seen)
        seen = total
    return out, records


@pytest.mark.parametrize("colliding", [False, True])
def test_pieces_are_the_meldingen_read_at_once(tmp_path, monkeypatch, colliding):
    from hotspotkaart.io import csvtext
    from hotspotkaart.io import incidents as sources_module
    from hotspotkaart.io.incidents import iter_incidents

    monkeypatch.setattr(csvtext, "_MIN_BLOCK", 1)
    if colliding:  # every id gets the same first hash: only the second tells them apart
        real = sources_module._id_hashes
        monkeypatch.setattr(sources_module, "_id_hashes",
                            lambda ids: (np.zeros(len(ids), np.uint64), real(ids)[1]))
    first = _messy_meldingen(tmp_path / "a.csv", 700, 1)
    second = _messy_meldingen(tmp_path / "b.csv", 300, 2, id_prefix="N", crs_wgs84=True)
    text = second.read_text(encoding="utf-8")  # two ids of the first file, late in the second
    second.write_text(text.replace("\nN250;", "\nM3;").replace("\nN251;", "\nM600;"),
                      encoding="utf-8")
    sources = (source(first), source(second, crs=None))  # the second: CRS from the values
    whole_ledger, piece_ledger = Ledger(), Ledger()
    whole = read_incidents(sources, PERIODS, whole_ledger)
    pieces, read = _pieces_and_records(iter_incidents(sources, PERIODS, piece_ledger, 50),
                                       piece_ledger)
    assert len(pieces) > 5
    assert all(50 <= n < 100 for n in read[:-1])  # read from about 50 records each
    joined = pd.concat(pieces, ignore_index=True)
    pd.testing.assert_frame_equal(pd.DataFrame(joined), pd.DataFrame(whole))
    assert piece_ledger.read == whole_ledger.read
    assert piece_ledger.warnings == whole_ledger.warnings
    key = lambda r: (r.source, r.row)  # noqa: E731
    assert sorted(piece_ledger.rejections, key=key) == sorted(whole_ledger.rejections, key=key)
    duplicates = [r for r in whole_ledger.rejections if r.reason == Reason.DUPLICATE_ID]
    assert {r.source for r in duplicates} == {"a.csv", "b.csv"}  # within and across files
    pd.testing.assert_frame_equal(piece_ledger.rejection_table(), whole_ledger.rejection_table())
    # keeping only the rejected records' fields leaves rejected.csv as it was
    piece_ledger.keep_rejected_fields("incidents")
    assert sum(len(raw) for raw in piece_ledger.raw.values()) == len(piece_ledger.rejections)
    pd.testing.assert_frame_equal(piece_ledger.rejection_table(), whole_ledger.rejection_table())


def _messy_vector(path, n, seed):
    """Write ``n`` point meldingen with missing and non-point geometry, bad dates, repeated ids."""
    rng = np.random.default_rng(seed)
    geometry = []
    for i in range(n):
        x, y = 105_000 + rng.uniform(0, 3000), 423_000 + rng.uniform(0, 3000)
        if i % 53 == 0:
            geometry.append(None)
        elif i % 61 == 0:
            geometry.append(shapely.box(x, y, x + 10, y + 10))
        elif i % 7 == 0:
            geometry.append(shapely.MultiPoint([(x, y)]))
        else:
            geometry.append(shapely.Point(x, y))
    frame = gpd.GeoDataFrame(
        {"id": [f"M{i % (n - 40)}" for i in range(n)],  # the last 40 repeat the first ids
         "datum": [f"{2022 + i % 4}-{1 + i % 12:02d}-{1 + i % 28:02d}" if i % 19 else "nooit"
                   for i in range(n)],
         "soort": [("Jeugd", "Alcohol/drugs", "")[i % 3 if i % 17 == 0 else i % 2]
                   for i in range(n)]},
        geometry=geometry, crs="EPSG:28992")
    frame.to_file(path)
    return path


@pytest.mark.parametrize("suffix", ["gpkg", "geojson"])
def test_pieces_of_a_vector_file_are_the_file_read_at_once(tmp_path, monkeypatch, suffix):
    from hotspotkaart.io.incidents import iter_incidents

    path = _messy_vector(tmp_path / f"m.{suffix}", 700, 3)
    sources = (source(path, x=None, y=None, crs=None),)
    whole_ledger, piece_ledger = Ledger(), Ledger()
    whole = read_incidents(sources, PERIODS, whole_ledger)
    calls = []
    real_read = gpd.read_file
    monkeypatch.setattr(gpd, "read_file",
                        lambda *a, **k: calls.append(k.get("max_features")) or real_read(*a, **k))
    pieces, read = _pieces_and_records(iter_incidents(sources, PERIODS, piece_ledger, 50),
                                       piece_ledger)
    assert calls == [50] * 15  # 700 features in 14 pieces, then an empty read: never whole
    assert len(pieces) > 1
    assert read == [50] * 14  # each read from 50 features, though fewer are usable
    assert min(len(p) for p in pieces) < 50
    joined = pd.concat(pieces, ignore_index=True)
    pd.testing.assert_frame_equal(pd.DataFrame(joined), pd.DataFrame(whole))
    assert piece_ledger.read == whole_ledger.read == {("incidents", f"m.{suffix}"): 700}
    assert piece_ledger.warnings == whole_ledger.warnings
    key = lambda r: (r.source, r.row)  # noqa: E731
    assert sorted(piece_ledger.rejections, key=key) == sorted(whole_ledger.rejections, key=key)
    assert {r.reason for r in whole_ledger.rejections} >= {
        Reason.DUPLICATE_ID, Reason.COORD_MISSING, Reason.DATE_UNREADABLE}
    pd.testing.assert_frame_equal(piece_ledger.rejection_table(), whole_ledger.rejection_table())


def test_pieces_of_a_file_without_usable_meldingen(tmp_path):
    from hotspotkaart.io.incidents import iter_incidents

    path = tmp_path / "m.csv"
    path.write_text("id;datum;soort;x;y\n", encoding="utf-8")
    ledger = Ledger()
    pieces = list(iter_incidents((source(path),), PERIODS, ledger, 10))
    assert len(pieces) == 1
    assert pieces[0].empty
    assert pieces[0].crs == "EPSG:28992"
    assert any("holds no records" in w for w in ledger.warnings)


def test_pieces_after_many_blank_lines_number_rows_as_the_whole_read(tmp_path, monkeypatch):
    from hotspotkaart.io import csvtext
    from hotspotkaart.io.incidents import iter_incidents

    monkeypatch.setattr(csvtext, "_MIN_BLOCK", 1)
    path = tmp_path / "m.csv"
    rows = [f"{i};0{1 + i % 9}-03-2024;Jeugd;105200;425600" for i in range(30)]
    path.write_text("id;datum;soort;x;y\n" + "\n" * 40 + "\n".join(rows) + "\n", encoding="utf-8")
    ledger = Ledger()
    pieces = list(iter_incidents((source(path),), PERIODS, ledger, 10))
    assert sum(len(p) for p in pieces) == 30
    assert pieces[0]["row"].iloc[0] == 42  # after the header and 40 blank lines
    whole = read_incidents((source(path),), PERIODS, Ledger())
    pd.testing.assert_frame_equal(pd.concat(pieces, ignore_index=True), pd.DataFrame(whole)
                                  .pipe(gpd.GeoDataFrame, geometry="geometry", crs=whole.crs))


def test_a_us_export_is_read_month_first_and_said(tmp_path):
    rows = ["id;datum;soort;x;y"]
    for i in range(40):  # month/day/year: the second number runs to 28
        rows.append(f"U{i};{1 + i % 12:02d}/{1 + i % 28:02d}/{2023 + i % 2} 21:30;Jeugd;"
                    "105000;425000")
    path = tmp_path / "us.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.warns(HotspotkaartWarning, match="month first"):
        frame, ledger = read(path)
    assert len(frame) == 40
    assert ledger.rejections == []
    first = frame.set_index("melding_id").loc["U13", "date"]
    assert first == pd.Timestamp("2024-02-14 21:30")  # 02/14/2024: 14 February
    assert any("month first" in w for w in ledger.warnings)


def _dated(path, dates):
    rows = ["id;datum;soort;x;y", *(f"D{i};{d};Jeugd;105000;425000" for i, d in enumerate(dates))]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_file_that_cannot_tell_day_from_month_is_refused_with_the_key(tmp_path):
    # 60 dates, not one number above 12: 03-04-2024 is 3 April or 4 March
    path = _dated(tmp_path / "m.csv", [f"{1 + i % 12:02d}-{1 + i // 12 % 12:02d}-2024 10:00"
                                       for i in range(60)])
    with pytest.raises(InputError, match=r"m\.csv: cannot tell whether a date such as "
                                         r"'01-01-2024 10:00' is day first.*set date_format"):
        read(path)
    frame, _ = read(path, date_format="%m-%d-%Y %H:%M")  # told: read as written
    assert len(frame) == 60
    assert frame.set_index("melding_id").loc["D13", "date"] == pd.Timestamp("2024-02-02 10:00")
    day_first, _ = read(path, date_format="%d-%m-%Y %H:%M")
    assert day_first.set_index("melding_id").loc["D14", "date"] == pd.Timestamp(
        "2024-02-03 10:00")


def test_dates_in_both_orders_are_refused_but_a_typo_is_rejected_alone(tmp_path):
    mixed = [*(f"{13 + i % 15}-01-2024" for i in range(10)),
             *(f"01-{13 + i % 15}-2024" for i in range(10))]
    with pytest.raises(InputError, match=r"both day first .* and month first"):
        read(_dated(tmp_path / "mixed.csv", mixed))
    typo = [*(f"{13 + i % 15}-01-2024" for i in range(300)), "01-13-2024"]
    frame, ledger = read(_dated(tmp_path / "typo.csv", typo))
    assert len(frame) == 300
    assert reasons(ledger) == {302: Reason.DATE_IMPOSSIBLE}  # rows count the header


def test_a_small_file_that_cannot_tell_is_read_the_dutch_way(tmp_path):
    frame, ledger = read(_dated(tmp_path / "m.csv", ["03-04-2024", "05-06-2023"]))
    assert frame["date"].tolist() == [pd.Timestamp("2024-04-03"), pd.Timestamp("2023-06-05")]
    assert ledger.warnings == []


def test_date_format_reads_a_date_without_time_and_rejects_other_shapes(tmp_path):
    path = _dated(tmp_path / "us.csv", ["02/14/2024 21:30", "02/15/2024", "2024-02-16"])
    frame, ledger = read(path, date_format="%m/%d/%Y %H:%M")
    assert frame["date"].tolist() == [pd.Timestamp("2024-02-14 21:30"),
                                      pd.Timestamp("2024-02-15")]
    assert frame["timed"].tolist() == [True, False]
    assert reasons(ledger) == {4: Reason.DATE_UNREADABLE}


def test_a_later_piece_in_the_other_order_is_refused(tmp_path, monkeypatch):
    from hotspotkaart.io import csvtext

    monkeypatch.setattr(csvtext, "_MIN_BLOCK", 1)
    us = [f"{1 + i % 12:02d}/{13 + i % 15}/2024" for i in range(30)]
    dutch = [f"{13 + i % 15}/{1 + i % 12:02d}/2024" for i in range(30)]
    path = _dated(tmp_path / "m.csv", us + dutch)
    from hotspotkaart.io.incidents import iter_incidents

    with pytest.raises(InputError, match="both day first"):
        list(iter_incidents((source(path),), PERIODS, Ledger(), 30))
