"""The counting step: meldingen counted per area, period and category, in tables that add up.

Every statistic of a build needs only counts. :func:`area_counts` counts meldingen per buurt or
wijk, period and category; :func:`incident_totals` per period and category for the whole area;
:func:`group_sizes` is the shared counter. Tables of parts of the meldingen (the partitions and
chunks of the dask engine) add up with :func:`sum_counts` and :func:`sum_incident_totals` to the
tables of all of them, which :mod:`hotspotkaart.stats.areas` then tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.extensions import ExtensionDtype

from hotspotkaart._errors import InputError
from hotspotkaart._naming import category_label
from hotspotkaart._validate import period_array, require_columns
from hotspotkaart.config.settings import Periods

__all__ = [
    "AREA_COUNT_COLUMNS",
    "AREA_KEYS",
    "HALF_COLUMNS",
    "WEEK_BLOCK_DAYS",
    "IncidentTotals",
    "area_counts",
    "category_labels",
    "compact",
    "group_sizes",
    "group_sums",
    "half_counts",
    "half_days",
    "incident_totals",
    "key_column",
    "key_groups",
    "plain",
    "stack",
    "sum_counts",
    "sum_incident_totals",
]

#: The area code columns counted per area.
AREA_KEYS = ("buurtcode", "wijkcode", "gemeentecode")

#: Columns of the count table of :func:`area_counts` (``key`` is the area code column).
AREA_COUNT_COLUMNS: tuple[str, ...] = ("period", "category", "n")

#: The days of one block of the split of :func:`half_counts`: the blocks of a period, counted
#: from its first day, belong in turn to half 0 and half 1.
WEEK_BLOCK_DAYS = 7

#: Columns of the table of :func:`half_counts`.
HALF_COLUMNS: tuple[str, ...] = ("buurtcode", "period", "category", "half", "n")

#: The combined key codes of :func:`key_groups` stay below this (int64 without overflow).
_MAX_CODES = 2**62

#: Columns by name: a DataFrame, or a mapping of names to arrays of equal length.
Columns: TypeAlias = pd.DataFrame | Mapping[str, Any]


def area_counts(incidents: pd.DataFrame, key: str, periods: Periods) -> pd.DataFrame:
    """Count meldingen per area code, period and category (the counting step of the area table).

    Parameters
    ----------
    incidents : pandas.DataFrame
        Meldingen with the columns ``key``, ``period`` and ``category``. Not modified.
    key : {"buurtcode", "wijkcode"}
        The area code column.
    periods : Periods
        The periods of the build; every ``period`` must be one of them.

    Returns
    -------
    pandas.DataFrame
        Columns ``key``, ``period``, ``category`` (the label, missing values as
        ``"onbekend"``) and ``n`` (int64), one row per combination that occurs, sorted. Tables of
        parts of the meldingen add up with :func:`sum_counts`.

    Raises
    ------
    InputError
        If ``key`` is not an area code column, a column is missing or a period is not one of
        the two years.

    """
    if key not in AREA_KEYS:
        msg = f"key = {key!r} is not an area code column; use one of {', '.join(AREA_KEYS)}"
        raise InputError(msg)
    require_columns(incidents, (key, "period", "category"), "incidents")
    period = period_array(incidents, periods)
    frame = {
        key: key_column(incidents[key]),
        "period": period,
        "category": category_labels(incidents["category"]),
    }
    return group_sizes(frame, [key, "period", "category"])


def half_counts(incidents: pd.DataFrame, periods: Periods) -> pd.DataFrame:
    """Count meldingen per buurt, period, category and half of the alternating week split.

    Each period is cut into blocks of :data:`WEEK_BLOCK_DAYS` days from its first day (1 January
    of a calendar year); the blocks belong in turn to half 0 and half 1 (``half = (days since
    the first day) // 7 mod 2``). Repeat reports
    of one incident fall in one block, while a change during the year (a new hot spot from July)
    falls in both halves alike; so how unevenly a buurt's meldingen split between the halves
    measures the bursts of repeat reports, not change (:mod:`hotspotkaart.stats.dispersion`).

    Parameters
    ----------
    incidents : pandas.DataFrame
        Meldingen with ``buurtcode``, ``period``, ``category`` and ``date``. Not modified.
    periods : Periods
        The periods of the build (base, compare and any trend-only ones).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`HALF_COLUMNS`, one row per combination that occurs.
    """
    require_columns(incidents, ("buurtcode", "period", "category", "date"), "incidents")
    period = period_array(incidents, periods)
    day = periods.day_in_period(incidents["date"], period)
    frame = {
        "buurtcode": key_column(incidents["buurtcode"]),
        "period": period,
        "category": category_labels(incidents["category"]),
        "half": (day // WEEK_BLOCK_DAYS % 2).astype(np.int64),
    }
    return group_sizes(frame, list(HALF_COLUMNS[:-1]))


def half_days(days: int) -> int:
    """Return how many of a period's first ``days`` days lie in half 1 of :func:`half_counts`."""
    index = np.arange(int(days))
    return int(((index // WEEK_BLOCK_DAYS) % 2).sum())


def sum_counts(tables: Sequence[pd.DataFrame], keys: Sequence[str]) -> pd.DataFrame:
    """Add up count tables of parts of the meldingen (same ``keys``, count columns such as ``n``).

    Parameters
    ----------
    tables : sequence of pandas.DataFrame
        Count tables such as those of :func:`area_counts`; at least one. Every column that is
        not a key is a count.
    keys : sequence of str
        The key columns.

    Returns
    -------
    pandas.DataFrame
        The summed table, one row per key combination, sorted by the keys. A count is int64,
        or float64 where a table holds it as a fraction (the aoristic counts of
        :mod:`hotspotkaart.engine.aoristic`, whose sums are exact in any order).

    """
    if not tables:
        msg = "sum_counts needs at least one count table"
        raise InputError(msg)
    both = stack(list(tables))  # categorical keys (pieces that travelled) stay codes
    groups = None if both.empty else key_groups(both, list(keys))
    if groups is None:
        return both.reset_index(drop=True)
    counts = [c for c in both.columns if c not in keys]
    fractional = {c for t in tables for c in counts if c in t and t[c].dtype.kind == "f"}
    ids, summed = groups
    for column in counts:  # a count missing from a part adds nothing
        values = both[column].to_numpy(dtype=np.float64, na_value=0.0)
        sums = np.bincount(ids, weights=values, minlength=len(summed))  # exact below 2**53
        summed[column] = sums if column in fractional else sums.astype(np.int64)
    return summed


@dataclass(frozen=True)
class IncidentTotals:
    """City-wide totals of the used meldingen, for the summary and the map legends.

    Attributes
    ----------
    counts : pandas.DataFrame
        Columns ``period``, ``category`` (as in the meldingen, not relabelled) and ``n``.
    first, last : pandas.Timestamp or None
        The earliest and the latest ``date``; None without meldingen.
    spans : pandas.DataFrame
        Per period that has meldingen, its earliest (``first``) and latest (``last``) date, so
        that the tests know which days each period's data really cover.

    """

    counts: pd.DataFrame
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    spans: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"period": pd.Series(dtype=np.int64), "first": pd.Series(dtype="datetime64[ns]"),
         "last": pd.Series(dtype="datetime64[ns]")}))


def incident_totals(incidents: pd.DataFrame) -> IncidentTotals:
    """Count the meldingen per period and category and find their first and last date.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Meldingen with ``period``, ``category`` and ``date``. Not modified.

    Returns
    -------
    IncidentTotals
        Totals that add up over parts of the meldingen (:func:`sum_incident_totals`).

    """
    require_columns(incidents, ("period", "category", "date"), "incidents")
    frame = pd.DataFrame({"period": incidents["period"].to_numpy(),
                          "category": incidents["category"].to_numpy()})
    dates = incidents["date"]
    empty = dates.empty or dates.isna().all()
    return IncidentTotals(counts=group_sizes(frame, ["period", "category"]),
                          first=None if empty else pd.Timestamp(dates.min()),
                          last=None if empty else pd.Timestamp(dates.max()),
                          spans=_spans(frame["period"], dates))


def _spans(period: pd.Series, dates: pd.Series) -> pd.DataFrame:
    """Return the first and the last date per period (periods without a date left out)."""
    frame = pd.DataFrame({"period": period.to_numpy(),
                          "date": pd.to_datetime(dates).to_numpy()}).dropna()
    grouped = frame.groupby("period", sort=True)["date"]
    return pd.DataFrame({"first": grouped.min(), "last": grouped.max()}).reset_index()


def sum_incident_totals(parts: Sequence[IncidentTotals]) -> IncidentTotals:
    """Add up the :class:`IncidentTotals` of parts of the meldingen."""
    firsts = [p.first for p in parts if p.first is not None]
    lasts = [p.last for p in parts if p.last is not None]
    spans = pd.concat([p.spans for p in parts], ignore_index=True)
    grouped = spans.groupby("period", sort=True)
    summed = pd.DataFrame({"first": grouped["first"].min(),
                           "last": grouped["last"].max()}).reset_index()
    return IncidentTotals(counts=sum_counts([p.counts for p in parts], ["period", "category"]),
                          first=min(firsts) if firsts else None,
                          last=max(lasts) if lasts else None,
                          spans=summed if len(spans) else parts[0].spans)


def category_labels(categories: pd.Series) -> pd.Categorical:
    """Return the category label of every melding (missing values become ``"onbekend"``).

    Parameters
    ----------
    categories : pandas.Series
        The ``category`` column.

    Returns
    -------
    pandas.Categorical
        ``str(category)`` per melding, ``"onbekend"`` where missing; its categories are the
        distinct labels, sorted (so that :func:`key_groups` groups on numbers).

    """
    codes, uniques = pd.factorize(categories, use_na_sentinel=True)
    labels = np.array([*(category_label(u) for u in uniques), "onbekend"], dtype=object)
    distinct, label_code = np.unique(labels, return_inverse=True)
    return pd.Categorical.from_codes(label_code[codes], categories=distinct)  # -1: the last


def key_column(values: pd.Series) -> pd.Categorical:
    """Return a key column of codes (a buurtcode per melding) as a categorical.

    A categorical column (the join gives its area codes so) is taken as it is; another is
    factorised once here, and :func:`key_groups` then groups on its numbers.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.array
    codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
    return pd.Categorical.from_codes(codes, categories=uniques)


def compact(table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` with each text column as a categorical of its distinct texts, sorted.

    Count tables and the when-tables made of them repeat a few thousand area codes, a few area
    types and categories over millions of rows (7.9 M rows of tijden for 14 000 buurten): as
    text they held 0.45 GB in the build's process, as codes a tenth of that, and they travel
    between processes as such (:mod:`hotspotkaart.engine.run`, :mod:`hotspotkaart.stats.
    temporal`). Sorted categories order, compare and group as the texts did; :func:`plain`
    turns them back. The other columns are shared with ``table``.
    """
    out = table.copy(deep=False)
    for name in table.columns:
        if isinstance(table[name].dtype, pd.StringDtype):
            out[name] = key_column(table[name])
    return out


def stack(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Return ``pd.concat(parts, ignore_index=True)``; a categorical column stays one.

    pandas joins categoricals of different categories into objects: the categories of a
    column that is categorical in any part are united (sorted) first, and the column of every
    part is coded with them. A later part without rows (the clusters' rows of a build without
    clusters) adds nothing.
    """
    parts = [parts[0], *(p for p in parts[1:] if len(p))]  # no rows: nothing to add
    coded = [c for c in parts[0].columns
             if any(isinstance(p[c].dtype, pd.CategoricalDtype) for p in parts if c in p)]
    united = {c: sorted({str(v) for p in parts for v in _distinct(p[c])}) for c in coded}
    return pd.concat([p.assign(**{c: pd.Categorical(p[c], categories=united[c])
                                  for c in coded if c in p}) for p in parts], ignore_index=True)


def _distinct(values: pd.Series) -> Any:
    """Return the distinct values of a column (a categorical's categories)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.categories
    return values.dropna().unique()


def plain(table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` with each categorical column as text again (what :func:`compact` coded)."""
    out = table.copy(deep=False)
    for name in table.columns:
        values = table[name]
        if isinstance(values.dtype, pd.CategoricalDtype):
            texts = pd.array(np.asarray(values.cat.categories, dtype=object), dtype=str)
            out[name] = pd.Series(texts.take(values.cat.codes.to_numpy(), allow_fill=True),
                                  index=table.index)
    return out


def group_sums(frame: Columns, keys: list[str],
               counts: dict[str, npt.NDArray[np.int64] | npt.NDArray[np.float64]]
               ) -> pd.DataFrame:
    """Add up count columns per combination of ``keys`` (sorted; missing keys kept).

    Parameters
    ----------
    frame : pandas.DataFrame or mapping of str to array
        One row per melding and hour (or per melding): columns of equal length.
    keys : list of str
        Columns of ``frame`` to group by.
    counts : dict of str to numpy.ndarray
        Per count column, one value per row of ``frame``; the sums keep its dtype.

    Returns
    -------
    pandas.DataFrame
        ``keys`` and the count columns, one row per combination that occurs, as pandas'
        ``groupby(keys, sort=True, dropna=False).sum()`` gives them (float sums alike to the
        last bit: the same additions in the same order).
    """
    groups = key_groups(frame, keys)
    if groups is None:
        work = pd.DataFrame({k: frame[k] for k in keys}).assign(**counts)
        return work.reset_index(drop=True)
    ids, table = groups
    summed = pd.DataFrame(counts).groupby(ids, sort=True).sum()
    for name in counts:
        table[name] = summed[name].to_numpy()
    return table


def group_sizes(frame: Columns, keys: list[str]) -> pd.DataFrame:
    """Count the rows per combination of ``keys`` (sorted; missing keys kept).

    The count tables of areas, cells and zones are made with it and added up with
    :func:`sum_counts`.

    Parameters
    ----------
    frame : pandas.DataFrame or mapping of str to array
        One row per melding (or per melding and day): columns of equal length.
    keys : list of str
        Columns of ``frame`` to group by.

    Returns
    -------
    pandas.DataFrame
        ``keys`` and ``n`` (int64), one row per combination that occurs, as pandas'
        ``groupby(keys, sort=True, dropna=False).size()`` gives them.
    """
    groups = key_groups(frame, keys)
    if groups is None:
        out = pd.DataFrame({k: frame[k] for k in keys})
        out["n"] = np.zeros(0, dtype=np.int64)
        return out.reset_index(drop=True)
    ids, table = groups
    table["n"] = np.bincount(ids, minlength=len(table)).astype(np.int64)
    return table


def key_groups(frame: Columns, keys: Sequence[str]
               ) -> tuple[npt.NDArray[np.intp], pd.DataFrame] | None:
    """Return the group of every row and the keys of every group, grouped on integer codes.

    Each key column is factorised once (sorted, a missing value last, as pandas' ``groupby``
    with ``sort=True, dropna=False`` orders them; a column of small integers by counting); the
    codes are combined into one integer per row (renumbered whenever their product would leave
    int64), so the grouping never compares text, and a text key of the groups is taken from
    its few distinct values.

    Parameters
    ----------
    frame : pandas.DataFrame or mapping of str to array
        Columns of equal length.
    keys : sequence of str
        The key columns; at least one.

    Returns
    -------
    tuple of numpy.ndarray and pandas.DataFrame, or None
        Per row its group number (0 … groups - 1, in the sorted order of the keys), and the
        ``keys`` columns of the groups in that order, with the dtypes a DataFrame of the
        columns would have; None when ``frame`` has no rows.
    """
    rows = len(_values(frame[keys[0]]))
    if rows == 0:
        return None
    combined = np.zeros(rows, dtype=np.int64)
    size, levels, whole = 1, [], True
    for key in keys:
        codes, uniques = _codes(_values(frame[key]))
        if size * (len(uniques) + 1) >= _MAX_CODES:  # renumber what is combined so far
            ranks, distinct = _ranks(combined, size)
            combined, size = ranks.astype(np.int64), len(distinct)
            whole = False  # the groups' keys are then taken from their rows
        combined = combined * (len(uniques) + 1) + codes
        size *= len(uniques) + 1
        levels.append(uniques)
    ids, group_codes = _ranks(combined, size)
    if not whole:
        first = np.empty(len(group_codes), dtype=np.intp)
        first[ids] = np.arange(rows, dtype=np.intp)  # any row of a group: all hold its keys
        return ids, pd.DataFrame({key: _plain(_values(frame[key]).take(first)) for key in keys})
    table = {}
    for key, uniques in zip(reversed(keys), reversed(levels), strict=True):
        code = group_codes % (len(uniques) + 1)
        group_codes = group_codes // (len(uniques) + 1)
        values = pd.Series(uniques).array  # the dtype a column of these values would get
        table[key] = values.take(np.where(code == len(uniques), -1, code), allow_fill=True)
    return ids, pd.DataFrame({key: table[key] for key in keys})


def _codes(values: Any) -> tuple[npt.NDArray[np.int64], Any]:
    """Return sorted codes (a missing value: the last code) and the sorted distinct values.

    A categorical's codes are sorted by value, whatever the order of its categories, and its
    distinct values given as plain values: the groups' key columns are then what a column of
    its values would give.
    """
    if isinstance(values, pd.Categorical):
        if not values.categories.is_monotonic_increasing:  # factorize sorts by their order
            values = values.set_categories(values.categories.sort_values())
        codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
        plain = np.asarray(uniques, dtype=object)
        return np.where(codes < 0, len(plain), codes).astype(np.int64), plain
    if isinstance(values, np.ndarray) and values.dtype.kind == "i" and len(values):
        low, high = int(values.min()), int(values.max())
        if high - low < 4 * len(values) + 65536:  # small integers: counted, not hashed
            codes, count = _ranks(values.astype(np.int64) - low, high - low + 1)
            return codes, (count + low).astype(values.dtype)
    codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
    return np.where(codes < 0, len(uniques), codes).astype(np.int64), uniques


def _ranks(codes: npt.NDArray[np.int64], size: int
           ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64]]:
    """Return each code's rank among the distinct codes (0 … size - 1), and those codes sorted."""
    if size < 4 * len(codes) + 65536:
        present = np.bincount(codes, minlength=size) > 0
        rank = np.cumsum(present, dtype=np.intp) - 1
        return rank[codes], np.flatnonzero(present).astype(np.int64)
    order = np.argsort(codes, kind="stable")  # sorted runs (parts added up) merge in one pass
    ordered = codes[order]
    first = np.empty(len(codes), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    ranks = np.empty(len(codes), dtype=np.intp)
    ranks[order] = np.cumsum(first, dtype=np.intp) - 1
    return ranks, ordered[first].astype(np.int64, copy=False)


def _values(column: Any) -> Any:
    """Return a column as an array for ``pd.factorize`` and ``take`` (a Series' own array)."""
    if isinstance(column, pd.Series):
        return column.array if isinstance(column.dtype, ExtensionDtype) else column.to_numpy()
    if isinstance(column, pd.Categorical):
        return column
    return np.asarray(column)


def _plain(values: Any) -> Any:
    """Return the values of a categorical as a plain array (other arrays as they are)."""
    return np.asarray(values, dtype=object) if isinstance(values, pd.Categorical) else values
