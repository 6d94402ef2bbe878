"""When overlast happens, per city, wijk and buurt: time and month tables, hot times, trends.

The count tables of either engine hold the meldingen per buurt by weekday and hour and by month
(:mod:`hotspotkaart.engine.timecounts`) and per grid cell by quarter. From them this module makes

* ``tijden.csv`` (:func:`time_table`) and ``maanden.csv`` (:func:`month_table`) for the city,
  every wijk and every buurt;
* the **hot times** of the city, each wijk and each buurt per period (:func:`hot_time_table`,
  the test of :func:`hotspotkaart.stats.hottimes.hot_times` with the weekdays the covered days
  hold; those of the hot-spot clusters are :mod:`hotspotkaart.stats.clustertimes`) and whether
  an area's time profile changed (:func:`profile_table`,
  :func:`hotspotkaart.stats.hottimes.profile_change`);
* the **trend over the quarters** of the periods per area (:func:`area_trends`) and per grid
  cell's 3 × 3 window (:func:`cell_trends`): 4 per period of a year, counted from each period's
  first month (8 for two calendar years, 12 with a ``trend`` of three), the Mann–Kendall test of
  :mod:`hotspotkaart.stats.trend` on counts per covered day: a quarter the export does not
  cover is left out, a cut one counts by its covered days, so a cut-off export is no decline.

All tests use the build's dispersion factor (repeat reports) and its FDR level.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspotkaart.config.settings import AnalysisConfig, Periods
from hotspotkaart.engine.aoristic import WindowCounts
from hotspotkaart.engine.counting import compact
from hotspotkaart.engine.grid import cell_rows
from hotspotkaart.stats.coverage import Coverage
from hotspotkaart.stats.hottimes import hot_times, profile_change
from hotspotkaart.stats.trend import EXACT_MAX_STEPS, MIN_STEPS, TE_WEINIG, trend_columns

__all__ = [
    "COUNT_DECIMALS",
    "METHOD",
    "Timing",
    "area_trends",
    "cell_quarters",
    "cell_trends",
    "count_values",
    "hot_time_table",
    "make_timing",
    "month_table",
    "positions_in",
    "profile_table",
    "quarter_days",
    "time_table",
    "timing_jobs",
    "weekday_occurrences",
]

logger = logging.getLogger(__name__)

_CITY, _GEMEENTE, _WIJK, _BUURT = "stad", "gemeente", "wijk", "buurt"

#: The choices of this module, as ``summary.json`` states them (``method.when``).
METHOD: dict[str, str] = {
    "times": ("weekday and hour on the local clock (Europe/Amsterdam); a melding whose source "
              "gave a date only has an empty weekday and hour (never 00:00); a datetime field "
              "at exactly 00:00:00 counts as a date only; a melding with a time window "
              "(time_from, time_to) is spread over the clock hours the window covers, in "
              "proportion to its time in each (aoristic counting, Ratcliffe 2002), so the "
              "counts of tijden.csv can be fractions (3 decimals) that add up to the meldingen; "
              "its period, month and place follow date if given, else time_from; a window "
              "whose start equals its end is a moment; one of 7 days or more (it covers every "
              "hour of the week), open at one end or with an end without a time of day counts "
              "as a date only"),
    "hot_times": ("weekday x 3-hour blocks of the city, each wijk and each buurt; one-sided "
                  "exact binomial test of a block's effective count (count / dispersion) "
                  "against its share of the hours of the week, weighted by how often each "
                  "weekday occurs in the covered days; Benjamini-Hochberg over all blocks "
                  "of a period (Benjamini & Hochberg 1995); hot when q <= fdr_q and count > "
                  "expected; the test counts whole meldingen: those with a moment and those "
                  "whose time window lies within one weekday x 3-hour block, known at the "
                  "resolution tested and counted in it; a window over more blocks is left out "
                  "of the tests (and of the profile change), as a date only is: its aoristic "
                  "parts are expected shares, not observed counts (Ratcliffe 2002)"),
    "hot_spot_clusters": ("a hot-spot cluster is a group of grid cells of one period with a "
                          "hot spot class (any confidence) that share an edge, numbered by "
                          "meldingen (hotspot_<year> in grid.csv); its meldingen per weekday "
                          "and hour are rows of tijden.csv with area_type hotspot, and its "
                          "blocks are tested as the areas' are, the clusters of a period "
                          "one Benjamini-Hochberg family of their own"),
    "profile_change": ("chi-square test of homogeneity, X^2 / dispersion, of the two periods' "
                       "meldingen over weekday groups x day parts, pooled until the expected "
                       "counts are adequate (Cochran 1954), expected counts by iterative "
                       "proportional fitting (Deming & Stephan 1940); quasi-likelihood scaling "
                       "(McCullagh & Nelder 1989); Benjamini-Hochberg over the areas"),
    "trend": ("Mann-Kendall S (Mann 1945; Kendall 1975) of the effective counts per covered "
              "day over the {steps} quarters, {p_value}; "
              "Benjamini-Hochberg over the buurten, the wijken and the cells (3 x 3 window) "
              "each; a quarter without data is left out, fewer than 3 covered quarters: not "
              "tested; {steps} steps give little power{power}"),
    "not_yet": ("the time profile of a hot-spot cluster is not compared between periods (a "
                "cluster belongs to one period)"),
}


def quarter_days(coverage: Coverage, periods: Periods) -> npt.NDArray[np.float64]:
    """Return the days of each trend quarter that the data cover (0 where none).

    The quarters are :meth:`~hotspotkaart.config.settings.Periods.step_bounds`: 4 per period of
    a year, counted from each period's first day, so ``periods.steps`` numbers.
    """
    bounds = periods.step_bounds()
    out = np.zeros(len(bounds))
    for i, (key, first, last) in enumerate(bounds):
        if not coverage.days(key):
            continue
        start, end = coverage.window(key)
        out[i] = max((min(last, end) - max(first, start)).days + 1, 0)
    return out


def weekday_occurrences(coverage: Coverage, year: int) -> npt.NDArray[np.float64]:
    """How many Mondays … Sundays the covered days of ``year`` hold."""
    if not coverage.days(year):
        return np.ones(7)
    start, end = coverage.window(year)
    days = pd.date_range(start, end, freq="D")
    return np.bincount(days.day_of_week, minlength=7).astype(float)


def with_area_codes(weeks_or_months: pd.DataFrame, buurten: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with the wijk- and gemeentecode of each row's buurt (empty if unknown)."""
    frame = weeks_or_months.copy()
    position = positions_in(frame["buurtcode"], buurten["buurtcode"])
    for column in ("wijkcode", "gemeentecode"):
        codes = np.append(buurten[column].to_numpy(dtype=object), "")  # -1: the empty code
        frame[column] = pd.Series(codes[position], index=frame.index, dtype=buurten[column].dtype)
    return frame


def positions_in(values: pd.Series, codes: Sequence[str] | pd.Series) -> npt.NDArray[np.intp]:
    """Return the position of each of ``values`` in ``codes``, -1 where it is not there.

    Each distinct value is looked up once: the when-tables repeat a few thousand area codes
    over millions of rows.
    """
    where, distinct = pd.factorize(values)
    found = pd.Index(list(codes)).get_indexer(distinct)
    return np.where(where >= 0, found[where], -1)


def is_region(buurten: pd.DataFrame) -> bool:
    """Whether the buurten are of more than one gemeente (a region: gemeenten are a level)."""
    return bool(buurten["gemeentecode"].nunique() > 1)


def _levels(frame: pd.DataFrame, keys: list[str], region: bool) -> pd.DataFrame:
    """Sum ``frame`` for the city (the region), per gemeente of a region, per wijk and buurt."""
    parts = []
    levels = ((_CITY, None), *(((_GEMEENTE, "gemeentecode"),) if region else ()),
              (_WIJK, "wijkcode"), (_BUURT, "buurtcode"))
    for area_type, code in levels:
        for per_category in (False, True):
            by = [*([code] if code else []), *(["category"] if per_category else []), *keys]
            part = frame.groupby(by, sort=True)["n"].sum().reset_index()
            part.insert(0, "area_type", area_type)
            part["area_code"] = part.pop(code) if code else ""
            if not per_category:
                part["category"] = ""
            parts.append(part)
    return pd.concat(parts, ignore_index=True)


#: The decimals of a fractional count (a time window spread over its hours) in the outputs.
COUNT_DECIMALS = 3


def count_values(counts: pd.Series) -> pd.Series:
    """Return counts for ``tijden.csv``: int64, or fractions rounded to :data:`COUNT_DECIMALS`."""
    if counts.dtype.kind == "f":
        return counts.round(COUNT_DECIMALS)
    return counts.astype(np.int64)


def time_table(weeks: pd.DataFrame, buurten: pd.DataFrame) -> pd.DataFrame:
    """Return ``tijden.csv``: meldingen per area, period, category, weekday and hour.

    Parameters
    ----------
    weeks : pandas.DataFrame
        ``CountTables.weeks`` (:func:`~hotspotkaart.engine.timecounts.week_counts`).
    buurten : pandas.DataFrame
        The buurten with ``buurtcode`` and ``wijkcode``.

    Returns
    -------
    pandas.DataFrame
        Columns ``area_type`` (``stad``, ``gemeente`` in a region, ``wijk``, ``buurt``),
        ``area_code`` (empty for the city), ``period``, ``category`` (empty = all),
        ``weekday`` (1 = maandag … 7 = zondag), ``hour`` (0–23) and ``count``
        (:func:`count_values`: fractions where a time window was spread over its hours);
        meldingen without a time have an empty ``weekday`` and ``hour``. Only combinations
        with meldingen are listed.
    """
    frame = _levels(with_area_codes(weeks, buurten), ["period", "weekday", "hour"],
                    is_region(buurten))
    timed = frame["hour"] >= 0
    out = pd.DataFrame({
        "area_type": frame["area_type"], "area_code": frame["area_code"],
        "period": frame["period"].astype(np.int64), "category": frame["category"],
        "weekday": frame["weekday"].where(timed).astype("Int64"),
        "hour": frame["hour"].where(timed).astype("Int64"),
        "count": count_values(frame["n"]),
    })
    return out.reset_index(drop=True)


def month_table(months: pd.DataFrame, buurten: pd.DataFrame) -> pd.DataFrame:
    """Return ``maanden.csv``: meldingen per area, category and month (``YYYY-MM``).

    Parameters
    ----------
    months : pandas.DataFrame
        ``CountTables.months`` (:func:`~hotspotkaart.engine.timecounts.month_counts`).
    buurten : pandas.DataFrame
        The buurten with ``buurtcode`` and ``wijkcode``.
    """
    frame = _levels(with_area_codes(months, buurten), ["month"], is_region(buurten))
    month = frame["month"].astype(np.int64)
    text = (month // 100).astype(str) + "-" + (month % 100).astype(str).str.zfill(2)
    return pd.DataFrame({"area_type": frame["area_type"], "area_code": frame["area_code"],
                         "category": frame["category"], "month": text,
                         "count": frame["n"].astype(np.int64)}).reset_index(drop=True)


def _week_arrays(weeks: pd.DataFrame, codes: Sequence[str], key: str | None,
                 year: int) -> npt.NDArray[np.int64]:
    """Meldingen with a time of ``year`` as an array (areas, 7, 24); ``key`` None: the city.

    The whole counts ``n_block``: a time window over more than one 3-hour block is left out.
    """
    out = np.zeros((len(codes), 7, 24), dtype=np.int64)
    rows = weeks[(weeks["period"] == year) & (weeks["hour"] >= 0)]
    position = (positions_in(rows[key], codes) if key
                else np.zeros(len(rows), dtype=np.intp))
    ok = position >= 0
    np.add.at(out, (position[ok], rows["weekday"].to_numpy()[ok] - 1,
                    rows["hour"].to_numpy()[ok]), rows["n_block"].to_numpy()[ok])
    return out


def _areas(weeks: pd.DataFrame, buurten: pd.DataFrame, *, with_buurten: bool = False,
           ) -> tuple[pd.DataFrame, list[tuple[str, str | None, list[str]]]]:
    """Give the meldingen their wijk and gemeente; list the levels to test.

    The levels are the city, a region's gemeenten, the wijken (and the buurten).
    """
    frame = with_area_codes(weeks, buurten)
    levels: list[tuple[str, str | None, list[str]]] = [(_CITY, None, [""])]
    if is_region(buurten):
        levels.append((_GEMEENTE, "gemeentecode",
                       sorted(str(c) for c in buurten["gemeentecode"].unique())))
    levels.append((_WIJK, "wijkcode", sorted(str(c) for c in buurten["wijkcode"].unique())))
    if with_buurten:
        levels.append((_BUURT, "buurtcode", [str(c) for c in buurten["buurtcode"]]))
    return frame, levels


def _stacked(frame: pd.DataFrame, levels: list[tuple[str, str | None, list[str]]],
             year: int) -> tuple[npt.NDArray[np.int64], list[str], list[str]]:
    """Stack the week arrays of every area of ``levels``; return them with types and codes."""
    arrays = [_week_arrays(frame, codes, key, year) for _type, key, codes in levels]
    types = [t for t, _key, codes in levels for _ in codes]
    codes = [c for _t, _key, level_codes in levels for c in level_codes]
    return np.concatenate(arrays), types, codes


def hot_time_table(weeks: pd.DataFrame, buurten: pd.DataFrame, periods: Periods,
                   coverage: Coverage, config: AnalysisConfig,
                   dispersion: float) -> pd.DataFrame:
    """Return the weekday × 3-hour blocks of the city, each wijk and buurt, tested per period.

    One family per period over the blocks of the city, all wijken and all buurten
    (Benjamini–Hochberg); areas with fewer than ``min_count`` meldingen with a time are not
    tested; the expected share of a block follows the weekdays the covered days of the period
    hold. The counts are the whole ones (``n_block``): a time window over more than one block
    is left out (see ``METHOD["hot_times"]``).

    Returns
    -------
    pandas.DataFrame
        ``area_type``, ``area_code``, ``period`` and the columns of
        :func:`~hotspotkaart.stats.hottimes.hot_times` (``weekday``, ``hour_from``,
        ``hour_to``, ``count``, ``expected``, ``p``, ``q``, ``hot``).
    """
    frame, levels = _areas(weeks, buurten, with_buurten=True)
    parts = []
    for year in periods.years:
        arrays, types, codes = _stacked(frame, levels, year)
        parts.append(tested_blocks(arrays, types, codes, year, coverage, config, dispersion))
    return pd.concat(parts, ignore_index=True)


def tested_blocks(arrays: npt.NDArray[np.int64], types: Sequence[str], codes: Sequence[str],
                  year: int, coverage: Coverage, config: AnalysisConfig,
                  dispersion: float) -> pd.DataFrame:
    """Test the blocks of one period's areas as one family; name each row's area and period.

    ``arrays`` holds the meldingen with a time per area (areas, 7, 24), ``types`` and
    ``codes`` the ``area_type`` and ``area_code`` of each area. Returns the rows of
    :func:`hot_time_table`.
    """
    table = hot_times(arrays, weekday_occurrences=weekday_occurrences(coverage, year),
                      min_count=int(config.min_count), fdr_q=config.fdr_q,
                      dispersion=dispersion)
    area = table.pop("area").to_numpy()
    table.insert(0, "period", year)
    table.insert(0, "area_code", np.asarray(codes, dtype=object)[area])
    table.insert(0, "area_type", np.asarray(types, dtype=object)[area])
    return table


def profile_table(weeks: pd.DataFrame, buurten: pd.DataFrame, periods: Periods,
                  coverage: Coverage, config: AnalysisConfig,
                  dispersion: float) -> pd.DataFrame:
    """Return per city and wijk whether the time profile changed between the periods.

    Returns
    -------
    pandas.DataFrame
        ``area_type``, ``area_code`` and the columns of
        :func:`~hotspotkaart.stats.hottimes.profile_change` (``pooling``, ``statistic``,
        ``df``, ``p``, ``q``, ``changed``).
    """
    frame, levels = _areas(weeks, buurten)
    stacks = {year: _stacked(frame, levels, year) for year in periods.years}
    _arrays, types, codes = stacks[periods.base]
    table = profile_change(stacks[periods.base][0], stacks[periods.compare][0],
                           min_count=int(config.min_count), fdr_q=config.fdr_q,
                           dispersion=dispersion,
                           base_occurrences=weekday_occurrences(coverage, periods.base),
                           compare_occurrences=weekday_occurrences(coverage, periods.compare))
    table = table.drop(columns="area")
    table.insert(0, "area_code", codes)
    table.insert(0, "area_type", types)
    return table


def area_trends(months: pd.DataFrame, codes: Sequence[str], key: str, periods: Periods,
                days: npt.ArrayLike, config: AnalysisConfig,
                dispersion: float) -> pd.DataFrame:
    """Return the trend block (``trend_s``, ``trend_p``, ``trend_q``, ``trend_class``) per area.

    Parameters
    ----------
    months : pandas.DataFrame
        ``CountTables.months``; with a ``wijkcode`` column for ``key = "wijkcode"``.
    codes : sequence of str
        The areas, in table order.
    key : {"buurtcode", "wijkcode"}
        The area code column of ``months``.
    periods : Periods
        The periods of the build (base, compare and any trend-only ones).
    days : array_like of float
        :func:`quarter_days`.
    config : AnalysisConfig
        ``min_count`` and ``fdr_q``.
    dispersion : float
        The build's dispersion factor.
    """
    quarter = periods.step_of_month(months["month"].to_numpy(dtype=np.int64))
    position = pd.Index(list(codes)).get_indexer(months[key])
    ok = (position >= 0) & (quarter >= 0)
    counts = np.zeros((len(codes), periods.steps), dtype=np.int64)
    np.add.at(counts, (position[ok], quarter[ok]), months["n"].to_numpy()[ok])
    return _trends(counts, days, config, dispersion)


def _trends(counts: npt.NDArray[np.int64], days: npt.ArrayLike | None, config: AnalysisConfig,
            dispersion: float) -> pd.DataFrame:
    """Run :func:`~hotspotkaart.stats.trend.trend_columns`; untested with < 3 covered quarters.

    A trend is never judged on fewer than :data:`~hotspotkaart.stats.trend.MIN_STEPS` steps:
    when the data cover fewer quarters every unit is ``te weinig meldingen``.
    """
    covered = counts.shape[1] if days is None else int((np.asarray(days, dtype=float) > 0).sum())
    if covered < MIN_STEPS:
        logger.info("no trend is tested: the data cover %d quarters, a trend needs %d",
                    covered, MIN_STEPS)
        n = len(counts)
        return pd.DataFrame({"trend_s": np.zeros(n, dtype=np.int64), "trend_p": np.nan,
                             "trend_q": np.nan, "trend_class": np.full(n, TE_WEINIG, object)})
    return trend_columns(counts, days, min_count=int(config.min_count), fdr_q=config.fdr_q,
                         dispersion=dispersion)


def cell_quarters(quarters: pd.DataFrame, grid: pd.DataFrame, cell_size: float,
                  steps: int) -> npt.NDArray[np.float64]:
    """Return the meldingen per grid cell (rows in ``grid`` order) and quarter (``steps``)."""
    position = cell_rows(grid, quarters["ix"], quarters["iy"], cell_size)
    step = quarters["quarter"].to_numpy(np.int64)
    ok = (position >= 0) & (step >= 0) & (step < steps)
    out = np.zeros((len(grid), steps))
    np.add.at(out, (position[ok], step[ok]), quarters["n"].to_numpy(float)[ok])
    return out


def cell_trends(windows: npt.ArrayLike, days: npt.ArrayLike | None, config: AnalysisConfig,
                dispersion: float) -> pd.DataFrame:
    """Return the trend block of each cell from its 3 × 3 window's counts per quarter."""
    counts = np.rint(np.asarray(windows, dtype=float)).astype(np.int64)
    return _trends(counts, days, config, dispersion)


@dataclass(frozen=True)
class Timing:
    """The *when* of a build: its time and month tables and the tests of hot times.

    Attributes
    ----------
    times, months : pandas.DataFrame
        ``tijden.csv`` (:func:`time_table`) and ``maanden.csv`` (:func:`month_table`).
    hot_times : pandas.DataFrame
        :func:`hot_time_table`: every weekday × 3-hour block of the city and each wijk, tested.
    profiles : pandas.DataFrame
        :func:`profile_table`: whether the time profile of the city and each wijk changed.
    quarter_days : numpy.ndarray
        :func:`quarter_days`, the exposure of the trends.
    windows : WindowCounts
        The meldingen spread over the hours of their time window, and those within one block.
    """

    times: pd.DataFrame
    months: pd.DataFrame
    hot_times: pd.DataFrame
    profiles: pd.DataFrame
    quarter_days: npt.NDArray[np.float64]
    windows: WindowCounts = field(default_factory=WindowCounts)

    def as_dict(self) -> dict[str, object]:
        """Return the ``method.when`` block of ``summary.json``."""
        steps = len(self.quarter_days)
        p_value = ("exact p-value from all orderings given the ties" if steps <= EXACT_MAX_STEPS
                   else "p-value from the normal approximation with the tie-corrected variance")
        power = (" (a doubling at 20 meldingen a quarter is found in about 1 in 5 units)"
                 if steps == 8 else "")
        trend = METHOD["trend"].format(steps=steps, p_value=p_value, power=power)
        return {**METHOD, "trend": trend, "time_windows": self.windows.as_dict(),
                "quarter_days": [int(d) for d in self.quarter_days]}


def timing_jobs(weeks: pd.DataFrame, months: pd.DataFrame, buurten: pd.DataFrame,
                periods: Periods, coverage: Coverage, config: AnalysisConfig,
                dispersion: float) -> dict[str, Callable[[], pd.DataFrame]]:
    """Return the four tables of a build's :class:`Timing` as jobs that can run side by side.

    Keyed by the field of :class:`Timing` each one makes, longest first: the time table
    (millions of rows at national scale) takes longer than the three others together.
    :func:`make_timing` puts their tables together. Each job gives its table :func:`compact`.
    """
    jobs: dict[str, Callable[[], pd.DataFrame]] = {
        "times": partial(time_table, weeks, buurten),
        "hot_times": partial(hot_time_table, weeks, buurten, periods, coverage, config,
                             dispersion),
        "profiles": partial(profile_table, weeks, buurten, periods, coverage, config,
                            dispersion),
        "months": partial(month_table, months, buurten),
    }
    return {name: partial(_compacted, job) for name, job in jobs.items()}


def _compacted(job: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Return :func:`compact` of ``job()``: the worker hands back the codes, not the texts."""
    return compact(job())


def make_timing(tables: Mapping[str, pd.DataFrame], coverage: Coverage, periods: Periods,
                windows: WindowCounts | None = None) -> Timing:
    """Put the :class:`Timing` of a build together from the tables of :func:`timing_jobs`.

    ``windows`` is ``CountTables.windows``, for the method block.
    """
    return Timing(times=tables["times"], months=tables["months"],
                  hot_times=tables["hot_times"], profiles=tables["profiles"],
                  quarter_days=quarter_days(coverage, periods),
                  windows=windows or WindowCounts())
