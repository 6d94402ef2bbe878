"""The map elements in the browser: legends that follow their layers, text contrast.

Every test opens a page of the small project (``built``) in headless Chromium.
"""

from __future__ import annotations

import pytest


def test_legends_are_open_on_a_desktop_and_follow_their_layers(built, open_map):
    shown = open_map(built / "overzicht.html", viewport=(1920, 1080))
    p = shown.page
    legend = p.locator(".hk-legend details", has_text="Hotspots (getoetst, FDR)")
    change = p.locator(".hk-legend details", has_text="Verandering per buurt")
    assert change.get_attribute("open") is not None  # its layer is on at the start
    assert legend.get_attribute("open") is None  # the hot-spot layers start off
    p.locator(".leaflet-control-layers").hover()
    p.get_by_text("Hot spots 2024", exact=True).click()
    assert legend.get_attribute("open") is not None
    p.get_by_text("Hot spots 2024", exact=True).click()
    assert legend.get_attribute("open") is None
    assert shown.console_errors == []


def test_legends_start_closed_on_a_phone(built, open_map):
    shown = open_map(built / "overzicht.html", viewport=(360, 740))
    assert shown.evaluate("() => [...document.querySelectorAll('.hk-legend details')]"
                          ".every(d => !d.open)")


#: Every visible text node's colour against the first opaque background behind it, and whether
#: it is large text in WCAG's sense (24 px, or 18.66 px bold).
_CONTRASTS = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => { const f = v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const back = el => { for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] >= 0.85)) { return c; } }
    return [255, 255, 255]; };
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement, text = n.textContent.trim();
    if (!text || !el || !el.closest('.leaflet-control, .hk-page, body > main, table')) {
      continue; }
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    // sr-only text is 1 px; inactive controls are exempt (WCAG 1.4.3)
    if (r.width < 2 || r.height < 2 || s.visibility === 'hidden'
        || el.closest('.leaflet-disabled')
        || el.closest('details:not([open])') && !el.closest('summary')) { continue; }
    const a = lum(rgb(s.color)), b = lum(back(el));
    const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight, 10) >= 700;
    out.push({text: text.slice(0, 40), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
              large: size >= 24 || (bold && size >= 18.66)});
  }
  return out;
}"""


@pytest.mark.parametrize("page", ["overzicht.html", "vergelijking.html", "veldkaart.html",
                                  "wijken/WK050503.html", "index.html"])
def test_every_text_has_wcag_aa_contrast(built, open_map, page):
    shown = open_map(built / page, viewport=(1920, 1080))
    texts = shown.evaluate(_CONTRASTS)
    assert len(texts) > 20, page
    low = [t for t in texts if t["ratio"] < (3.0 if t["large"] else 4.5)]
    assert not low, low[:5]


