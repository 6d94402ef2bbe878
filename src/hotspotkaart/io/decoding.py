"""Turn the bytes of a text file into text, as a Dutch office's exports need.

UTF-8 with or without a byte-order mark, UTF-16 with or without one, cp1252 (Windows), or UTF-8
with a few cp1252 lines (the last two with a warning in the ledger). :func:`decode_text` decodes
a whole file; :func:`scan_encoding` makes the same choice reading a large file in blocks, and
:func:`text_blocks` then gives its text block by block, in whole lines.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

from hotspotkaart._errors import InputError
from hotspotkaart.io.ledger import Ledger

__all__ = ["decode_text", "scan_encoding", "text_blocks", "utf16_without_bom"]

_BOM = b"\xef\xbb\xbf"  # UTF-8's byte-order mark


def decode_text(data: bytes, label: str, ledger: Ledger) -> str:
    """Decode the bytes of a whole file: UTF-16, UTF-8, cp1252 or UTF-8 with cp1252 lines.

    Parameters
    ----------
    data : bytes
        The file's content.
    label : str
        The source label, for warnings.
    ledger : Ledger
        Receives a warning when cp1252 is used for the file or for some of its lines.

    Returns
    -------
    str
        The text, without a UTF-8 byte-order mark.

    Raises
    ------
    InputError
        If the file has a UTF-16 byte-order mark but is not UTF-16 (a file cut off in its
        last character is read without it, with a warning).
    """
    marked = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    encoding = "utf-16" if marked else utf16_without_bom(data)
    if encoding is not None:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start >= len(data) - 3:  # cut off in its last character
                ledger.warn(f"{label}: the UTF-16 text ends in the middle of a character (the "
                            "file seems cut off); its last, incomplete character is left out")
                return data[:exc.start].decode(encoding)
            if marked:  # the byte-order mark says UTF-16: no other reading is right
                msg = (f"{label}: starts as UTF-16 text but is not valid UTF-16 at byte "
                       f"{exc.start} ({exc.reason}); save the file again as UTF-8")
                raise InputError(msg) from None
    data = data.removeprefix(_BOM)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    decoded = []
    cp1252 = utf8 = 0  # lines that need cp1252; lines with non-ASCII that are valid UTF-8
    for line in lines:
        try:
            decoded.append(line.decode("utf-8"))
            utf8 += not line.isascii()
        except UnicodeDecodeError:
            decoded.append(line.decode("cp1252", errors="replace"))
            cp1252 += 1
    if utf8:
        ledger.warn(f"{label}: {cp1252} line(s) read as cp1252 (Windows) text in an otherwise "
                    "UTF-8 file; save the file as UTF-8 to avoid this")
        return "\n".join(decoded)
    ledger.warn(f"{label}: not UTF-8; read as cp1252 (Windows) text")
    return data.decode("cp1252", errors="replace")


def utf16_without_bom(data: bytes) -> str | None:
    """Recognise UTF-16 without byte-order mark: ASCII text with every other byte zero."""
    sample = data[:2000]
    half = len(sample) // 2
    if half < 4:
        return None
    even, odd = sample[0:2 * half:2].count(0), sample[1:2 * half:2].count(0)
    if odd >= 0.9 * half and even <= 0.1 * half:
        return "utf-16-le"
    if even >= 0.9 * half and odd <= 0.1 * half:
        return "utf-16-be"
    return None


def scan_encoding(path: Path, label: str, ledger: Ledger) -> str:
    """Choose the encoding of a (not UTF-16) file as :func:`decode_text` does, reading it in blocks.

    Returns ``"utf-8"``, ``"cp1252"`` or ``"mixed"`` (UTF-8 with some cp1252 lines, decoded
    line by line) and gives :func:`decode_text`'s warnings.
    """
    failed = 0  # lines that are not UTF-8
    utf8 = False  # a line with non-ASCII that is valid UTF-8
    for block in _byte_blocks(path, _SCAN_BYTES):
        try:
            block.decode("utf-8")
        except UnicodeDecodeError:
            for line in block.split(b"\n"):
                try:
                    line.decode("utf-8")
                    utf8 = utf8 or not line.isascii()
                except UnicodeDecodeError:
                    failed += 1
        else:
            utf8 = utf8 or not block.isascii()
    if not failed:
        return "utf-8"
    if utf8:
        ledger.warn(f"{label}: {failed} line(s) read as cp1252 (Windows) text in an otherwise "
                    "UTF-8 file; save the file as UTF-8 to avoid this")
        return "mixed"
    ledger.warn(f"{label}: not UTF-8; read as cp1252 (Windows) text")
    return "cp1252"


#: Bytes per block when a file is scanned for its encoding.
_SCAN_BYTES = 1 << 24


def _byte_blocks(path: Path, size: int) -> Iterator[bytes]:
    r"""Yield the bytes of ``path`` in blocks of whole lines (``\n``), a byte-order mark removed."""
    with path.open("rb") as handle:
        head = handle.read(max(size, len(_BOM)))  # the whole mark, however small the blocks
        carry = b""
        for chunk in itertools.chain([head.removeprefix(_BOM)], iter(lambda: handle.read(size),
                                                                      b"")):
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                carry = data
                continue
            carry = data[cut:]
            yield data[:cut]
        if carry:
            yield carry


def text_blocks(path: Path, encoding: str, size: int) -> Iterator[str]:
    """Yield the text of ``path`` in blocks of whole lines, decoded as :func:`decode_text` does."""
    for block in _byte_blocks(path, size):
        if encoding == "mixed":
            yield "\n".join(_mixed_line(line) for line in block.split(b"\n"))
        else:
            yield block.decode(encoding, errors="replace" if encoding == "cp1252" else "strict")


def _mixed_line(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("cp1252", errors="replace")
