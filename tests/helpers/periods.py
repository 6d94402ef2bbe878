"""Generators of meldingen over any period (a range of months, several years), for the periods.

:func:`spread` scatters meldingen evenly over the moments of a span of days; :func:`growing`
plants a cluster whose meldingen grow month by month, the trend the quarters should find. Both
return the frames :func:`tests.helpers.patterns.write_project` writes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.helpers.patterns import CATEGORIES


def spread(rng: np.random.Generator, points: np.ndarray, first: str, last: str) -> pd.DataFrame:
    """Meldingen at ``points``, each at a random minute from 00:00 of ``first`` to 23:59 of
    ``last`` (ISO dates), with a random category."""
    start = pd.Timestamp(first)
    minutes = int((pd.Timestamp(last) - start).days + 1) * 1440
    moment = start + pd.to_timedelta(rng.integers(0, minutes, len(points)), unit="min")
    category = np.asarray(CATEGORIES, dtype=object)[rng.integers(0, 3, len(points))]
    return pd.DataFrame({"x": points[:, 0], "y": points[:, 1], "moment": moment,
                         "soort": category})


def growing(rng: np.random.Generator, centre: tuple[float, float], first_month: str,
            months: int, *, start: int, step: int, sd: float = 30.0) -> pd.DataFrame:
    """A cluster around ``centre`` with ``start + step * m`` meldingen in month ``m``.

    ``first_month`` is an ISO date of the first month's first day; ``sd`` the spread in metres.
    """
    frames = []
    for m in range(months):
        first = pd.Timestamp(first_month) + pd.DateOffset(months=m)
        last = first + pd.DateOffset(months=1) - pd.Timedelta(days=1)
        points = np.asarray(centre) + rng.normal(0, sd, (start + step * m, 2))
        frames.append(spread(rng, points, str(first.date()), str(last.date())))
    return pd.concat(frames, ignore_index=True)
