"""Tests of hotspotkaart._format: text from the data on a page."""

from __future__ import annotations

import html

import pytest

from hotspotkaart._format import change_text, html_text
from hotspotkaart.maps.offline import external_references


@pytest.mark.parametrize("text", ["src=https://evil.example/a.png", "url(https://e.example/b)",
                                  "@import 'https://e.example/c.css'", "fetch('//e.example')",
                                  "src=//e.example/x.js", "<img src=x onerror=alert(1)>"])
def test_data_text_is_escaped_shown_the_same_and_never_a_resource(text: str) -> None:
    escaped = html_text(text)
    assert html.unescape(escaped) == text  # the browser shows what the data said
    assert "<" not in escaped
    page = f'<html><body><div data-x="{escaped}">{escaped}</div></body></html>'
    assert external_references(page) == []


def test_the_raw_text_would_have_looked_like_a_resource() -> None:
    raw = '<html><body><div>src=https://evil.example/a.png url(https://e.example/b)</div></html>'
    assert external_references(raw) == ["https://evil.example/a.png", "https://e.example/b"]


def test_ordinary_text_stays_as_it_is() -> None:
    for text in ("significante stijging (getoetst)", "Wijk 01: Binnenstad", "t/m 31-12-2024"):
        assert html_text(text) == html.escape(text)


@pytest.mark.parametrize(("base", "compare", "text"), [
    (2_479_134, 2_455_959, "-23.175 (-0,9 %)"),
    (100, 112, "+12 (+12,0 %)"),
    (0, 1_500, "+1.500"),
    (7, 7, "+0 (+0,0 %)"),
])
def test_a_change_is_written_with_the_thousands_point_of_the_counts(base, compare, text):
    assert change_text(base, compare) == text
