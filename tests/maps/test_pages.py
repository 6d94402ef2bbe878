"""The comparison page and the index, built by the pipeline and opened in Chromium."""

from __future__ import annotations

from tests.helpers.project import MAPS, PHONE, assert_scale_bars_in_metres_and_clear


def test_comparison_is_synced_and_stacks_on_a_phone(built, open_map):
    page = open_map(built / "vergelijking.html")
    assert page.evaluate(f"() => {MAPS}.length") == 2
    page.evaluate(f"() => {{ const [a, b] = {MAPS}; a.setView([51.81, 4.67], 15,"
                  " {animate: false}); }")
    page.page.wait_for_timeout(200)
    centres = page.evaluate(f"() => {MAPS}.map(m => [m.getZoom(),"
                            " m.getCenter().lat.toFixed(4)])")
    assert centres[0] == centres[1]
    assert centres[0][0] == 15
    boxes = page.evaluate(f"() => {MAPS}.map(m => m.getContainer()"
                          ".getBoundingClientRect().left)")
    assert boxes[0] < boxes[1]  # side by side
    assert_scale_bars_in_metres_and_clear(page.page, "vergelijking")
    page.screenshot("vergelijking-desktop")
    phone = open_map(built / "vergelijking.html", viewport=PHONE)
    rects = phone.evaluate(f"() => {MAPS}.map(m => {{ const r = m.getContainer()"
                           ".getBoundingClientRect(); return [r.left, r.top, r.width]; })")
    assert rects[0][1] < rects[1][1]  # stacked
    assert rects[0][2] == rects[1][2] == PHONE[0]
    assert phone.console_errors == []
    assert_scale_bars_in_metres_and_clear(phone.page, "vergelijking (phone)")
    phone.screenshot("vergelijking-phone")


def test_index_links_every_map(built, open_map):
    page = open_map(built / "index.html")
    hrefs = page.page.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert {"overzicht.html", "vergelijking.html", "veldkaart.html"} <= set(hrefs)
    wijk_links = [h for h in hrefs if h.startswith("wijken/")]
    assert len(wijk_links) == 13
    for href in hrefs:
        assert (built / href).is_file()
    assert page.console_errors == []


def test_the_index_fits_a_phone_and_its_wijk_table_scrolls_on_its_own(built, open_map):
    phone = open_map(built / "index.html", viewport=PHONE)
    widths = phone.evaluate("() => [document.documentElement.scrollWidth, "
                            "document.documentElement.clientWidth]")
    assert widths[0] <= widths[1]  # the page itself never scrolls sideways
    wrap = phone.evaluate("() => { const w = document.querySelector('.hk-table-wrap'); return"
                          " [w.scrollWidth, w.clientWidth, getComputedStyle(w).overflowX]; }")
    assert wrap[2] == "auto"
    assert wrap[1] <= PHONE[0]
    assert phone.console_errors == []
