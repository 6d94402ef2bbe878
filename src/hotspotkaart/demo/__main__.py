"""Write the demonstration layers: ``python -m hotspotkaart.demo --out layers --geo geo``."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from hotspotkaart.demo.layers import DEFAULT_SEED, write_demo_layers

if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        prog="python -m hotspotkaart.demo",
        description="Write the synthetic demonstration layers (Demonstratiedata) for Dordrecht.",
    )
    parser.add_argument("--out", type=Path, default=Path("layers"), help="output folder")
    parser.add_argument("--geo", type=Path, default=Path("geo"), help="folder with CBS boundaries")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    write_demo_layers(arguments.out, geo_dir=arguments.geo, seed=arguments.seed)
