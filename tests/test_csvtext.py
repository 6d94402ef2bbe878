"""Tests of hotspotkaart.csvtext: encodings, delimiters, header rows and splitting records."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

from hotspotkaart._errors import InputError
from hotspotkaart.accounting import Reason

from ._incidents import read, reasons


def test_cp1252_and_mixed_encodings_are_read_with_a_warning(tmp_path):
    path = tmp_path / "m.csv"
    header = b"id;datum;soort;x;y\n"
    utf8_row = "1;01-01-2023;Jeugd café;105000;425000\n".encode()
    cp_row = "2;01-01-2023;Jeugd café;105000;425000\n".encode("cp1252")
    path.write_bytes(header + utf8_row + cp_row)
    with pytest.warns(UserWarning, match="1 line"):
        frame, ledger = read(path)
    assert frame["category"].tolist() == ["Jeugd café", "Jeugd café"]
    assert any("cp1252" in w for w in ledger.warnings)


def test_comma_separated_file_is_detected(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("id,datum,soort,x,y\n1,01-01-2023,Jeugd,105000.5,425000\n", encoding="utf-8")
    frame, _ = read(path)
    assert len(frame) == 1
    assert_allclose(frame.geometry.x, [105000.5])


def test_empty_file_header_only_and_missing_columns(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.csv: the file is empty"):
        read(empty)
    header = tmp_path / "header.csv"
    header.write_text("id;datum;soort;x;y\n", encoding="utf-8")
    frame, ledger = read(header)
    assert len(frame) == 0
    assert ledger.counts("incidents", used=0)["read"] == 0
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("id;date;soort;x;y\n1;01-01-2023;Jeugd;1;2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"column\(s\) 'datum' named in the config are not in"):
        read(wrong)


# -- hardening (issue 6) --------------------------------------------------------------------------


def test_utf16_without_byte_order_mark_and_excel_sep_line(tmp_path):
    path = tmp_path / "m.txt"
    text = ("sep=\t\r\nid\tdatum\tsoort\tx\ty\r\n"
            "1\t01-05-2024\tOverlast café\t105233,4\t425683,9\r\n")
    path.write_bytes(text.encode("utf-16-le"))
    frame, ledger = read(path)
    assert frame["row"].tolist() == [3]
    assert frame["category"].tolist() == ["Overlast café"]
    assert ledger.warnings == []


def test_a_stray_quote_costs_one_record(tmp_path):
    rows = ["id;datum;soort;x;y", "1;01-05-2024;Jeugd;105233;425683",
            '2;02-05-2024;"Jeugd, hangplek;105233;425683',
            *[f"{i};0{i}-05-2024;Jeugd;105233;425683" for i in range(3, 8)]]
    path = tmp_path / "m.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    frame, ledger = read(path)
    assert frame["row"].tolist() == [2, 4, 5, 6, 7, 8]
    assert reasons(ledger) == {3: Reason.FIELD_COUNT}


def test_blank_lines_are_skipped_and_empty_rows_rejected(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("id;datum;soort;x;y\n\n1;01-05-2024;Jeugd;105233;425683\n;;;;\n \n",
                    encoding="utf-8")
    frame, ledger = read(path)
    assert frame["row"].tolist() == [3]
    assert reasons(ledger) == {4: Reason.EMPTY_ROW, 5: Reason.EMPTY_ROW}
    assert ledger.counts("incidents", used=len(frame))["read"] == 3


def test_configured_column_twice_in_the_header_is_an_error(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("id;datum;soort;x;y;datum\n1;01-05-2024;Jeugd;1;2;3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"m\.csv: the column 'datum' named in the config occurs"
                                         r" 2 times in the header row"):
        read(path)


def test_other_repeated_or_blank_header_names_are_numbered(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("id;datum;soort;x;y;opm;opm;\n1;31-02-2024;Jeugd;105233;425683;a;b;c\n",
                    encoding="utf-8")
    _, ledger = read(path)
    table = ledger.rejection_table()
    assert list(table.columns[-3:]) == ["opm", "opm_2", "kolom_8"]
    assert table.loc[0, ["opm", "opm_2", "kolom_8"]].tolist() == ["a", "b", "c"]


def test_a_workbook_is_refused_with_advice(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(InputError, match=r"m\.csv: is a spreadsheet workbook or other binary"):
        read(path)
