"""hotspotkaart: map overlast hotspots per wijk and buurt and compare two periods.

The package follows the data's journey, one subpackage per stage, imports only going down:

``config``    the TOML configuration, parsed once into dataclasses;
``io``        every reader (boundaries, meldingen, zones, locations) and the atomic writer;
``engine``    meldingen joined to buurt, wijk and zones and counted, in memory or with dask;
``stats``     change tests, the grid and Gi* hot spots, zone figures, class breaks;
``maps``      the interactive, offline Folium maps (EPSG:4326 only here);
``pipeline``  the stages in order; ``camera`` the camera-area assessment on top of a build;
``cli``       the command line. ``runtime`` runs jobs on worker processes; ``demo`` makes the
              synthetic demonstration layers. See ARCHITECTURE.md.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logger = logging.getLogger("hotspotkaart")
logger.addHandler(logging.NullHandler())

__all__ = ["__version__", "logger"]
