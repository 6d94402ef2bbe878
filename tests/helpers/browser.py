"""The one Chromium launcher of the browser tests, the screenshots and the benchmarks.

Debian's ``/usr/bin/chromium`` (or ``$HOTSPOTKAART_CHROMIUM``) is driven headless through
Playwright; a browser is never downloaded. The launch options are those that keep Chromium off
the network in a closed sandbox (no background networking, component updates or sync).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class ChromiumMissingError(RuntimeError):
    """Debian's Chromium is not installed where it is looked for."""


def chromium_executable() -> Path:
    """Return the Chromium executable to drive, or raise :class:`ChromiumMissingError`."""
    executable = Path(os.environ.get("HOTSPOTKAART_CHROMIUM", "/usr/bin/chromium"))
    if not executable.is_file():
        msg = (f"Chromium not found at {executable}: install Debian's `chromium` package "
               "(apt-get install chromium) or set HOTSPOTKAART_CHROMIUM.")
        raise ChromiumMissingError(msg)
    return executable


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    """Start headless Chromium for the duration of the ``with`` block."""
    executable = chromium_executable()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
