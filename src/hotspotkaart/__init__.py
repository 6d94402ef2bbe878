"""hotspotkaart: map overlast hotspots per wijk and buurt and compare two periods.

The package follows the data's journey, one module per stage:

``config``   read and validate the TOML configuration;
``sources``  read and validate boundaries, meldingen, zones and named locations;
``joins``    assign each melding to its buurt and wijk and to the zones valid on its date;
``analysis`` aggregate per area and compare the two periods;
``maps``     render the interactive Folium maps (EPSG:4326 only here);
``export``   write every output atomically;
``pipeline`` run the stages in order; ``cli`` is the command line on top of it.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logger = logging.getLogger("hotspotkaart")
logger.addHandler(logging.NullHandler())

__all__ = ["__version__", "logger"]
