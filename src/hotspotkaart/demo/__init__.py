"""The synthetic demonstration layers, calibrated to Dordrecht's evaluation figures."""

from hotspotkaart.demo.layers import (
    DEFAULT_SEED,
    DemoLayers,
    generate_demo_layers,
    write_demo_layers,
)

__all__ = ["DEFAULT_SEED", "DemoLayers", "generate_demo_layers", "write_demo_layers"]
