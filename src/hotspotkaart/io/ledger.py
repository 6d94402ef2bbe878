"""Account for every input record: it is used, or it is rejected with a reason.

A :class:`Ledger` travels through the stages. Readers register how many records each source
held and every record they reject; later stages (the spatial join, the period filter) add their
own rejections. The invariant ``read == used + rejected`` is checked before anything is written,
and ``rejected.csv`` lists every rejection with the record's original fields.
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hotspotkaart._errors import HotspotkaartError, HotspotkaartWarning

__all__ = ["Ledger", "Reason", "Rejection", "source_labels"]

logger = logging.getLogger(__name__)


class Reason:
    """The rejection reasons, in Dutch because users read them in ``rejected.csv``."""

    EMPTY_ROW = "lege regel"
    FIELD_COUNT = "aantal velden klopt niet met de kopregel"
    DATE_MISSING = "datum ontbreekt"
    DATE_UNREADABLE = "datum onleesbaar"
    DATE_IMPOSSIBLE = "datum bestaat niet"
    WINDOW_UNREADABLE = "tijdvak onleesbaar"
    WINDOW_REVERSED = "tijdvak eindigt voor het begint"
    OUT_OF_PERIOD = "datum buiten beide perioden"
    COORD_MISSING = "coördinaten ontbreken"
    COORD_UNREADABLE = "coördinaten onleesbaar"
    OUTSIDE_NL = "coördinaten buiten Nederland"
    OUTSIDE_AREA = "buiten de gemeente"
    CATEGORY_MISSING = "categorie ontbreekt"
    DUPLICATE_ID = "dubbele melding-id"
    NO_GEOMETRY = "geen geometrie"
    EMPTY_GEOMETRY = "lege geometrie"
    NOT_POLYGON = "geometrie is geen vlak"
    TOO_DETAILED = "geometrie te gedetailleerd"
    NOT_POINT = "geometrie is geen punt"
    VALIDITY_UNREADABLE = "geldigheidsdatum onleesbaar"
    VALIDITY_REVERSED = "geldig_tot ligt voor geldig_vanaf"
    YEAR_UNREADABLE = "jaar onleesbaar"


@dataclass(frozen=True)
class Rejection:
    """One rejected input record."""

    kind: str
    source: str
    row: int
    reason: str
    detail: str = ""


@dataclass
class Ledger:
    """Running account of the records of every source.

    Attributes
    ----------
    read : Counter
        Records read per ``(kind, source)``.
    rejections : list of Rejection
        Every rejected record, in the order they were rejected.
    warnings : list of str
        Repairs and other recoverable problems, for ``summary.json``.
    raw : dict
        The original fields of each ``(kind, source)`` as read, indexed by row number, so
        that ``rejected.csv`` can show them.

    """

    read: Counter[tuple[str, str]] = field(default_factory=Counter)
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    raw: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)

    def register(self, kind: str, source: str, raw: pd.DataFrame) -> None:
        """Record that ``source`` of ``kind`` held the records in ``raw`` (indexed by row).

        Raises
        ------
        ValueError
            If the same ``(kind, source)`` is registered twice: the readers give every source
            a unique label (see :func:`source_labels`), so this is a bug.

        """
        if (kind, source) in self.raw:
            msg = f"{kind} source {source!r} registered twice; labels must be unique"
            raise ValueError(msg)
        self.read[(kind, source)] += len(raw)
        # a reference, not a copy: the readers never change a frame after registering it
        self.raw[(kind, source)] = _first_of_each_column(raw)

    def register_more(self, kind: str, source: str, raw: pd.DataFrame) -> None:
        """Record more records of a source registered before: a file read piece by piece."""
        if (kind, source) not in self.raw:
            self.register(kind, source, raw)
            return
        self.read[(kind, source)] += len(raw)
        if len(raw):  # an empty last piece would turn typed columns into object columns
            self.raw[(kind, source)] = pd.concat([self.raw[(kind, source)],
                                                  _first_of_each_column(raw)])

    def keep_rejected_fields(self, kind: str, *, waiting: Sequence[pd.DataFrame] = ()) -> None:
        """Let go of the original fields of every record of ``kind`` that is not rejected.

        ``rejected.csv`` shows the fields of rejected records only; a build that reads its
        meldingen piece by piece calls this after each piece, so that the ledger holds the
        rejected records rather than all of them. The records in ``waiting`` (frames with
        ``source`` and ``row``: pieces read whose later checks are still to come) keep their
        fields too.
        """
        rejected: dict[str, list[int]] = {}
        for r in self.rejections:
            if r.kind == kind:
                rejected.setdefault(r.source, []).append(r.row)
        keep = {source: [np.asarray(rows, dtype=np.int64)] for source, rows in rejected.items()}
        for frame in waiting:
            for source, rows in frame.groupby("source", sort=False, observed=True)["row"]:
                keep.setdefault(str(source), []).append(rows.to_numpy(dtype=np.int64))
        for key, raw in self.raw.items():
            if key[0] == kind:
                rows = keep.get(key[1], [np.empty(0, dtype=np.int64)])
                self.raw[key] = raw[raw.index.isin(np.concatenate(rows))]

    def take(self, other: Ledger) -> None:
        """Add the rejections and warnings of ``other``, a ledger of a later check.

        A check that runs elsewhere (a worker process) rejects into a ledger of its own; the
        build's ledger takes them in. ``other`` may not have read records itself.

        Raises
        ------
        ValueError
            If ``other`` registered records: their fields would be lost (a bug).

        """
        if other.read:
            msg = f"take: the other ledger read {dict(other.read)}; only its rejections are taken"
            raise ValueError(msg)
        self.rejections.extend(other.rejections)
        self.warnings.extend(other.warnings)

    def reject(self, kind: str, source: str, rows: pd.Series | list[int], reason: str,
               details: pd.Series | list[str] | str = "") -> None:
        """Reject records of one source for one reason.

        Parameters
        ----------
        kind : str
            ``"incidents"``, ``"zones"`` or ``"locations"``.
        source : str
            The source file as the user named it.
        rows : sequence of int
            Row numbers as shown in ``rejected.csv``.
        reason : str
            One of the :class:`Reason` texts.
        details : str or sequence of str
            Extra explanation per row (or one text for all).

        """
        row_list = [int(r) for r in rows]
        if isinstance(details, str):
            detail_list = [details] * len(row_list)
        else:
            detail_list = [str(d) for d in details]
        self.rejections.extend(
            Rejection(kind, source, row, reason, detail)
            for row, detail in zip(row_list, detail_list, strict=True)
        )

    def warn(self, message: str) -> None:
        """Record a recoverable problem and emit it as a :class:`HotspotkaartWarning`."""
        self.warnings.append(message)
        logger.warning(message)
        warnings.warn(message, HotspotkaartWarning, stacklevel=3)

    def counts(self, kind: str, used: int) -> dict[str, object]:
        """Summarise ``kind``: read, used, rejected and rejected per reason.

        Raises
        ------
        HotspotkaartError
            If the records do not add up, which is a bug, never an input problem.

        """
        read = sum(n for (k, _), n in self.read.items() if k == kind)
        rejected = [r for r in self.rejections if r.kind == kind]
        if read != used + len(rejected):
            msg = (f"accounting error for {kind}: read {read}, used {used}, rejected "
                   f"{len(rejected)}; please report this as a bug")
            raise HotspotkaartError(msg)
        by_reason = Counter(r.reason for r in rejected)
        return {
            "read": read,
            "used": used,
            "rejected": len(rejected),
            "rejected_by_reason": dict(sorted(by_reason.items())),
        }

    def rejection_table(self) -> pd.DataFrame:
        """All rejections with the original fields of each record, one row per rejection.

        Returns
        -------
        pandas.DataFrame
            Columns ``kind``, ``source``, ``row``, ``reason``, ``detail`` followed by the union
            of the original field names of the sources (empty where a source lacks a field).

        """
        fixed = ["kind", "source", "row", "reason", "detail"]
        if not self.rejections:
            return pd.DataFrame(columns=fixed)
        base = pd.DataFrame([r.__dict__ for r in self.rejections], columns=fixed)
        parts = []
        for (kind, source), group in base.groupby(["kind", "source"], sort=False):
            raw = self.raw.get((str(kind), str(source)))
            if raw is None:
                parts.append(group)
                continue
            fields = raw.reindex(group["row"].to_numpy())
            fields.index = group.index
            fields = fields.rename(columns=lambda c: c if c not in fixed else f"{c}_origineel")
            parts.append(pd.concat([group, fields], axis=1))
        table = pd.concat(parts).sort_values(["kind", "source", "row"], kind="stable")
        return table.reset_index(drop=True)


def _first_of_each_column(raw: pd.DataFrame) -> pd.DataFrame:
    """Keep the first of columns with the same name (a header may repeat a name)."""
    duplicated = raw.columns.duplicated()
    return raw.loc[:, ~duplicated] if duplicated.any() else raw


def source_labels(sources: Sequence[tuple[Path, str | None]]) -> list[str]:
    """Give each input file a short label that is unique among ``sources``.

    The label is the file name (with ``:layer`` when a layer is named). Only when two sources
    would get the same label are parent folders added (``2023/meldingen.csv`` and
    ``2024/meldingen.csv``), and as a last resort the position in the config (``#2``). The
    label names the source in ``summary.json``, ``rejected.csv`` and the GeoPackage.

    Parameters
    ----------
    sources : sequence of (Path, str or None)
        Path and layer of each source, in config order.

    Returns
    -------
    list of str
        One label per source, in the same order.

    Examples
    --------
    >>> source_labels([(Path("a/m.csv"), None), (Path("b/m.csv"), None), (Path("z.gpkg"), "x")])
    ['a/m.csv', 'b/m.csv', 'z.gpkg:x']

    """
    def label(path: Path, layer: str | None, depth: int) -> str:
        text = "/".join(path.parts[-depth:]).lstrip("/") or path.name
        return f"{text}:{layer}" if layer else text

    keys = list(dict.fromkeys(sources))  # distinct (path, layer), config order
    depth = dict.fromkeys(keys, 1)
    while True:
        labels = {key: label(*key, depth[key]) for key in keys}
        counts = Counter(labels.values())
        clashing = [k for k in keys if counts[labels[k]] > 1 and depth[k] < len(k[0].parts)]
        if not clashing:
            break
        for key in clashing:
            depth[key] += 1
    final = [labels[key] for key in sources]
    repeated = Counter(final)
    return [f"{text} #{i}" if repeated[text] > 1 else text
            for i, text in enumerate(final, start=1)]
