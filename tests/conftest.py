"""Shared pytest fixtures: headless Chromium for opening produced maps offline.

``chromium`` launches Debian's ``/usr/bin/chromium`` (or ``$HOTSPOTKAART_CHROMIUM``) through
Playwright once per session, through the one launcher (``tests/helpers/browser.py``).
``open_map(path)`` opens an HTML file in a fresh browser context where every network request is
aborted and recorded: basemap tile requests in
``tile_requests``, anything else in ``blocked_requests``. Tests using either fixture are marked
``browser`` automatically, so ``pytest -m "not browser"`` skips them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Route

REPO_ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"
TILE_HOSTS = frozenset({"service.pdok.nl"})
TILE_PATH_RE = re.compile(r"/\d+/\d+/\d+\.(?:png|jpe?g|webp)$", re.IGNORECASE)
BROWSER_FIXTURES = frozenset({"chromium", "open_map"})

try:  # run from a checkout without installing the package
    import hotspotkaart  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO_ROOT / "src"))


def is_tile_url(url: str) -> bool:
    """Return whether a request URL is a basemap tile (PDOK host or ``/{z}/{x}/{y}.png``)."""
    parts = urlsplit(url)
    return parts.hostname in TILE_HOSTS or bool(TILE_PATH_RE.search(parts.path))


@dataclass
class MapPage:
    """An HTML map opened in headless Chromium, with what it tried to do."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    tile_requests: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def screenshot(self, name: str, *, full_page: bool = False) -> Path:
        """Save a PNG to ``test-artifacts/screenshots/<name>.png`` and return its path."""
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def evaluate(self, expression: str, arg: Any = None) -> Any:
        """Evaluate JavaScript in the page (shortcut for ``page.evaluate``)."""
        return self.page.evaluate(expression, arg)


OpenMap = Callable[..., MapPage]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses a browser fixture with ``browser``."""
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Headless Debian Chromium driven by Playwright; fails if the executable is missing."""
    from tests.helpers.browser import ChromiumMissingError, chromium_executable, launch_chromium

    try:
        chromium_executable()
    except ChromiumMissingError as exc:
        pytest.fail(str(exc), pytrace=False)
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def open_map(chromium: Browser) -> Iterator[OpenMap]:
    """Return ``open_map(path, *, viewport=(1280, 800)) -> MapPage`` opening a file offline."""
    contexts: list[BrowserContext] = []

    def _open(path: Path, *, viewport: tuple[int, int] = (1280, 800)) -> MapPage:
        context = chromium.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, service_workers="block"
        )
        contexts.append(context)
        page = context.new_page()
        result = MapPage(page)

        def route(route: Route) -> None:
            url = route.request.url
            if url.startswith(("file:", "data:", "blob:")):
                route.continue_()
            elif is_tile_url(url):
                result.tile_requests.append(url)
                route.abort()
            else:
                result.blocked_requests.append(url)
                route.abort()

        def on_console(message: Any) -> None:
            if message.type != "error":
                return
            source = (message.location or {}).get("url", "")
            if message.text.startswith("Failed to load resource") and is_tile_url(source):
                return  # an aborted tile; recorded in tile_requests
            result.console_errors.append(message.text)

        def on_dialog(dialog: Any) -> None:
            result.dialogs.append(dialog.message)
            dialog.dismiss()

        page.route("**/*", route)
        page.on("console", on_console)
        page.on("pageerror", lambda error: result.console_errors.append(str(error)))
        page.on("dialog", on_dialog)
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        return result

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def embedded_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the embedded Dordrecht default once (``hotspotkaart build``) into a temp folder."""
    from hotspotkaart.cli.main import main

    out = tmp_path_factory.mktemp("embedded") / "maps"
    code = main(["build", "--config", str(REPO_ROOT / "hotspotkaart.toml"), "--out", str(out),
                 "--quiet"])
    assert code == 0
    return out


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every map of a small project with a planted cluster (see ``build_map_project``)."""
    from tests.helpers.project import build_map_project

    return build_map_project(tmp_path_factory.mktemp("project"))

