"""Tests of hotspotkaart.io.csvtext: encodings, delimiters, header rows and splitting records."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from numpy.testing import assert_allclose

from hotspotkaart._errors import InputError
from hotspotkaart.io import csvtext
from hotspotkaart.io.csvtext import iter_csv_text, read_csv_text
from hotspotkaart.io.ledger import Ledger, Reason
from tests.helpers.incidents import read, reasons

CORPUS = Path(__file__).resolve().parents[1] / "data" / "incidents"


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


# -- reading piece by piece -------------------------------------------------------------------


def _pieces_and_whole(path, required, rows):
    whole_ledger, piece_ledger = Ledger(), Ledger()
    whole = read_csv_text(path, required, "m.csv", whole_ledger)
    pieces = list(iter_csv_text(path, required, "m.csv", piece_ledger, rows))
    assert piece_ledger.warnings == whole_ledger.warnings
    return pieces, whole


def _assert_pieces_are_the_whole(pieces, whole):
    joined = pd.concat(pieces)
    pd.testing.assert_frame_equal(joined, whole)
    assert sorted(r for p in pieces for r in p.attrs["empty_rows"]) == whole.attrs["empty_rows"]
    assert {k: v for p in pieces for k, v in p.attrs["bad_rows"].items()} == \
        whole.attrs["bad_rows"]


_BODY_LINES = [
    'A{i};{d:02d}-03-2024 22:00;Jeugd;105200,5;425600,5',
    'B{i};{d:02d}-04-2023;"Alcohol; drugs";"105300,0";425700',
    '',
    ';;;;',
    'C{i};01-05-2024;Jeugd;105400',
    'D{i};02-05-2024;"Persoon ""verward""";105500;425800;extra',
    'E{i};03-05-2024;Café overlast;105600;425900',
]


def _write_lines(path, lines, *, encoding="utf-8", newline="\n", head=""):
    header = "id;datum;soort;x;y"
    text = head + newline.join([header, *lines]) + newline
    path.write_bytes(text.encode(encoding, errors="replace"))
    return path


@pytest.mark.parametrize("variant", ["plain", "bom", "crlf", "sep_hint", "cp1252", "mixed"])
@pytest.mark.parametrize("rows", [1, 3, 50])
def test_pieces_are_the_file_read_whole(tmp_path, monkeypatch, variant, rows):
    monkeypatch.setattr(csvtext, "_MIN_BLOCK", 1)  # small blocks: many pieces of a small file
    lines = [_BODY_LINES[i % len(_BODY_LINES)].format(i=i, d=1 + i % 28) for i in range(400)]
    kwargs: dict = {}
    if variant == "bom":
        kwargs["head"] = "\ufeff"
    elif variant == "crlf":
        kwargs["newline"] = "\r\n"
    elif variant == "sep_hint":
        kwargs["head"] = "\n\nsep=;\n"
    elif variant == "cp1252":
        kwargs["encoding"] = "cp1252"
    path = _write_lines(tmp_path / "m.csv", lines, **kwargs)
    if variant == "mixed":  # one cp1252 line in a UTF-8 file
        data = path.read_bytes().replace(b"\nC4;", "\nC4é;".encode("cp1252"), 1)
        assert data != path.read_bytes()
        path.write_bytes(data)
    pieces, whole = _pieces_and_whole(path, ["id", "datum", "soort", "x", "y"], rows)
    assert len(whole) >= 400 - 400 // 7  # every line but the ones without any cell
    assert len(pieces) > (1 if rows == 50 else 10)
    _assert_pieces_are_the_whole(pieces, whole)


def test_a_piece_holds_about_the_rows_asked_for(tmp_path):
    lines = [f"M{i};{1 + i % 28:02d}-03-2024 22:00;Jeugd;105200,5;425600,5"
             for i in range(20_000)]
    path = _write_lines(tmp_path / "m.csv", lines)
    pieces, whole = _pieces_and_whole(path, ["id", "datum", "soort", "x", "y"], 2000)
    sizes = [len(p) for p in pieces]
    assert sum(sizes) == len(whole) == 20_000
    assert all(2000 <= n <= 2000 * 9 / 8 + 50 for n in sizes[:-1]), sizes  # not twice as many
    _assert_pieces_are_the_whole(pieces, whole)


@pytest.mark.parametrize("trouble", [
    '"an open quote;01-05-2024;Jeugd;105400;425800',  # stray quote: resynchronises
    'Q1;01-05-2024;"two\nlines";105400;425800',  # a quoted cell spanning lines
    'R1;01-05-2024;lone\rreturn;105400;425800',
    'N1;01-05-2024;nul\x00;105400;425800',
])
def test_from_a_line_that_may_span_the_rest_is_read_in_one_piece(tmp_path, monkeypatch,
                                                                   trouble):
    monkeypatch.setattr(csvtext, "_MIN_BLOCK", 1)
    lines = [_BODY_LINES[i % len(_BODY_LINES)].format(i=i, d=1 + i % 28) for i in range(300)]
    lines.insert(150, trouble)
    path = _write_lines(tmp_path / "m.csv", lines)
    pieces, whole = _pieces_and_whole(path, ["id", "datum", "soort", "x", "y"], 20)
    _assert_pieces_are_the_whole(pieces, whole)
    assert len(pieces) > 3  # pieces before the trouble, then the rest in one
    assert len(pieces[-1]) > 100


def test_every_corpus_file_reads_the_same_in_pieces(monkeypatch):
    monkeypatch.setattr(csvtext, "_MIN_BLOCK", 1)
    for path in sorted(CORPUS.glob("*.csv")) + sorted(CORPUS.glob("*.txt")):
        header = path.read_bytes()[:200]
        required = ["datum"] if b"datum" in header else []
        try:
            whole_ledger = Ledger()
            whole = read_csv_text(path, required, path.name, whole_ledger)
        except InputError as exc:
            with pytest.raises(InputError, match=re.escape(str(exc))):
                list(iter_csv_text(path, required, path.name, Ledger(), 2))
            continue
        ledger = Ledger()
        pieces = list(iter_csv_text(path, required, path.name, ledger, 2))
        assert ledger.warnings == whole_ledger.warnings, path.name
        _assert_pieces_are_the_whole(pieces, whole)
