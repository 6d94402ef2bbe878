"""What the ``hotspotkaart`` program does to its own process, and only the program.

A library user's process is theirs: :mod:`hotspotkaart.pipeline` never calls these. The
measured effect of each is in ``benchmarks/README.md``.
"""

from __future__ import annotations

import os
import sys

__all__ = ["NUMBA_VARIABLE", "without_unused_libraries"]

#: Set to 1 to let esda and mapclassify use numba when it is installed.
NUMBA_VARIABLE = "HOTSPOTKAART_NUMBA"


def without_unused_libraries() -> None:
    """Keep numba (unless ``HOTSPOTKAART_NUMBA=1``) and matplotlib out of the process.

    With numba installed, esda compiles its permutation functions again in every process of
    every build (they are not cached), which costs far more than the compiled permutations save
    on a municipality's grid. With matplotlib installed, importing mapclassify imports
    ``matplotlib.pyplot`` for a plotting function the program never calls. A ``None`` entry in
    ``sys.modules`` makes the import fail, and esda and mapclassify take the fallback they have
    for a machine without the library.
    """
    unused = ["matplotlib"]
    if os.environ.get(NUMBA_VARIABLE) != "1":
        unused.append("numba")
    for name in unused:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
