"""Make the README screenshots from the embedded Dordrecht data (``make screenshots``).

Builds the maps into a temporary folder and photographs each kind in headless Chromium with
the same launch options as the browser tests (network blocked: no basemap tiles, so the
pictures show the data layers on the neutral background). Writes ``maps/screenshots/*.png``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hotspotkaart.config.settings import load_config
from hotspotkaart.pipeline import build
from tests.conftest import REPO_ROOT
from tests.helpers.browser import launch_chromium

SHOTS = (
    ("overzicht.html", "overzicht", (1280, 800)),
    ("vergelijking.html", "vergelijking", (1280, 700)),
    ("wijken/WK050505.html", "wijk-het-reeland", (1280, 800)),
    ("veldkaart.html", "veldkaart-telefoon", (360, 740)),
    ("index.html", "index", (1000, 800)),
)


def main() -> int:
    """Build the embedded data and save one screenshot per kind of map."""
    target = REPO_ROOT / "maps" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, launch_chromium() as browser:
        out = Path(tmp) / "maps"
        build(load_config(REPO_ROOT / "hotspotkaart.toml"), out)
        for page_name, shot, (width, height) in SHOTS:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith(("file:", "data:")) else route.abort())
            page.goto((out / page_name).as_uri(), wait_until="load")
            page.wait_for_timeout(400)
            page.screenshot(path=str(target / f"{shot}.png"))
            page.close()
            print(f"wrote {target / f'{shot}.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
