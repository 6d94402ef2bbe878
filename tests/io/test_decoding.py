"""Tests of hotspotkaart.io.decoding: the bytes of a file into text, whole or block by block."""

from __future__ import annotations

import pytest

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
