"""Tests of hotspotkaart._naming: the one rule for output names taken from data."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from hotspotkaart._naming import MAX_STEM, file_stems

SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def test_file_stems_of_hostile_names() -> None:
    names = ["WK050501", "../../../../tmp/x", "WK05/05", "/etc/passwd", "C:\\Windows\\x", "",
             None, "..", "NUL", "index", "Wijk 01 Binnenstad", "Dördrecht", "WK05-05"]
    stems = file_stems(names, fallback="wijk", reserved={"index"})
    assert stems == ["WK050501", "tmp-x", "WK05-05", "etc-passwd", "C-Windows-x", "wijk",
                     "onbekend", "wijk-2", "NUL-wijk", "index-wijk", "Wijk-01-Binnenstad",
                     "Dordrecht", "WK05-05-2"]
    assert file_stems(["Cluster P", "cluster p"], fallback="kandidaat", lower=True) == [
        "cluster-p", "cluster-p-2"]


@given(st.lists(st.text(min_size=0, max_size=120), min_size=1, max_size=12))
def test_every_stem_is_one_safe_unique_file_name(names: list[str]) -> None:
    stems = file_stems(names, fallback="wijk", reserved={"index", "rapport"})
    assert len(stems) == len(names)
    assert len({s.lower() for s in stems}) == len(stems)
    for stem in stems:
        assert SAFE.fullmatch(stem), stem
        assert len(stem) <= MAX_STEM + 12
        assert stem.lower() not in {"index", "rapport", "con", "nul"}
