"""Tests of hotspotkaart.io.decoding: the bytes of a file into text, whole or block by block."""

from __future__ import annotations

import pytest

from hotspotkaart._errors import InputError
from hotspotkaart.io.decoding import decode_text, scan_encoding, text_blocks, utf16_without_bom
from hotspotkaart.io.ledger import Ledger

_TEXT = "id;datum;soort\n1;01-02-2024;Café\n2;02-02-2024;Jeugd\n"


@pytest.mark.parametrize(("data", "text", "warning"), [
    (_TEXT.encode("utf-8"), _TEXT, None),
    (b"\xef\xbb\xbf" + _TEXT.encode("utf-8"), _TEXT, None),
    (_TEXT.encode("cp1252"), _TEXT, "not UTF-8; read as cp1252"),
    (_TEXT.encode("utf-8") + "3;03-02-2024;Caf\u00e9\n".encode("cp1252"),
     _TEXT + "3;03-02-2024;Café\n", "1 line(s) read as cp1252"),
])
def test_a_whole_file_and_its_blocks_give_the_same_text(tmp_path, data, text, warning):
    path = tmp_path / "m.csv"
    path.write_bytes(data)
    whole, scanned = Ledger(), Ledger()
    assert decode_text(data, "m.csv", whole) == text
    encoding = scan_encoding(path, "m.csv", scanned)
    assert scanned.warnings == whole.warnings
    if warning is None:
        assert whole.warnings == []
    else:
        assert len(whole.warnings) == 1
        assert warning in whole.warnings[0]
    for size in (1, 7, 1 << 20):
        blocks = list(text_blocks(path, encoding, size))
        assert "".join(blocks) == text
        assert all(block.endswith("\n") for block in blocks)  # whole lines


def test_utf16_is_recognised_with_and_without_byte_order_mark():
    assert decode_text(_TEXT.encode("utf-16"), "m.csv", Ledger()) == _TEXT
    assert utf16_without_bom(_TEXT.encode("utf-16-le")) == "utf-16-le"
    assert utf16_without_bom(_TEXT.encode("utf-16-be")) == "utf-16-be"
    assert utf16_without_bom(_TEXT.encode("utf-8")) is None
    assert decode_text(_TEXT.encode("utf-16-le"), "m.csv", Ledger()) == _TEXT


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("cut", [1, 3])  # half a code unit; half of a surrogate pair
def test_utf16_cut_off_in_its_last_character_is_read_with_a_warning(encoding, cut):
    text = _TEXT + "3;04-02-2024;\U0001f37a"  # a last row that ends in a surrogate pair
    data = text.encode(encoding)[:-cut]
    ledger = Ledger()
    decoded = decode_text(data, "m.csv", ledger)
    assert decoded.startswith(_TEXT)  # never read as cp1252 with NULs in the header
    assert decoded == text[:-1]  # the rows before it whole; the cut row as far as it goes
    assert len(ledger.warnings) == 1
    assert "ends in the middle of a character (the file seems cut off)" in ledger.warnings[0]


def test_a_file_marked_utf16_that_is_not_is_refused():
    data = "id;datum\n".encode("utf-16-le")
    data = b"\xff\xfe" + data[:6] + b"\x00\xdc" + data[6:]  # a lone low surrogate inside
    with pytest.raises(InputError, match=r"m\.csv: starts as UTF-16 text but is not valid "
                                         r"UTF-16 at byte 8 .*save the file again as UTF-8"):
        decode_text(data, "m.csv", Ledger())
