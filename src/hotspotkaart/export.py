"""Write every output, atomically.

All files of a build are first written into a staging folder beside the output folder, then moved
into place one by one with :func:`os.replace`, which is atomic on one file system. A build that
fails or is killed part-way therefore leaves each previous output intact and readable, and never
a temporary file inside the output folder. Stale staging folders of killed builds are removed at
the next build.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from hotspotkaart._errors import OutputError
from hotspotkaart.offline import external_references, inline_assets

__all__ = [
    "Staging",
    "staged_outputs",
    "write_csv",
    "write_geopackage",
    "write_html",
    "write_json",
]

logger = logging.getLogger(__name__)

_STAGING_PREFIX = ".hotspotkaart-staging-"

#: CSV dialect of every table: Dutch Excel opens it directly, scripts read it with sep=";".
CSV_OPTIONS: dict[str, Any] = {"sep": ";", "encoding": "utf-8-sig", "index": False,
                               "lineterminator": "\n", "float_format": "%.6g"}


class Staging:
    """A staging folder whose files replace those in the output folder on commit."""

    def __init__(self, folder: Path, out_dir: Path) -> None:
        self.folder = folder
        self.out_dir = out_dir
        self.written: list[str] = []

    def path(self, name: str) -> Path:
        """Return the staging path for output ``name`` (may contain sub-folders)."""
        target = self.folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        self.written.append(name)
        return target

    def commit(self) -> list[Path]:
        """Move every staged file into the output folder; return the final paths."""
        final = []
        for name in self.written:
            source, target = self.folder / name, self.out_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
            final.append(target)
        return final


@contextmanager
def staged_outputs(out_dir: Path) -> Iterator[Staging]:
    """Stage outputs beside ``out_dir`` and move them in when the block succeeds.

    Parameters
    ----------
    out_dir : Path
        The output folder; created when missing.

    Yields
    ------
    Staging
        Call :meth:`Staging.path` for each output file to write.

    Raises
    ------
    OutputError
        If the output folder cannot be created or written.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"cannot create the output folder {out_dir}: {exc.strerror}"
        raise OutputError(msg) from None
    _remove_stale_staging(out_dir)
    folder = Path(tempfile.mkdtemp(prefix=f"{_STAGING_PREFIX}{out_dir.name}-",
                                   dir=out_dir.parent))
    try:
        staging = Staging(folder, out_dir)
        yield staging
        staging.commit()
    except OSError as exc:
        msg = f"cannot write the outputs to {out_dir}: {exc.strerror or exc}"
        raise OutputError(msg) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _remove_stale_staging(out_dir: Path) -> None:
    for stale in out_dir.parent.glob(f"{_STAGING_PREFIX}{out_dir.name}-*"):
        if stale.is_dir():
            logger.info("removing %s left by an interrupted build", stale)
            shutil.rmtree(stale, ignore_errors=True)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as stable, readable, strict UTF-8 JSON (NaN and infinity become null)."""
    text = json.dumps(_strict(data), ensure_ascii=False, indent=2, default=_json_default,
                      allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def _strict(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        return _strict(value.item())
    return value


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    msg = f"cannot write {type(value).__name__} to JSON"
    raise TypeError(msg)


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """Write a table with :data:`CSV_OPTIONS`; a geometry column is left out."""
    table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    table.to_csv(path, **CSV_OPTIONS)


def write_geopackage(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Write several layers into one GeoPackage (EPSG:28992 expected).

    With pyarrow installed the features go to GDAL through pyogrio's Arrow stream, which is
    several times faster for large layers; the file's content is the same either way.
    """
    arrow = _has_pyarrow()
    for name, layer in layers.items():
        frame = layer.copy()
        for column in frame.columns:
            if column != frame.geometry.name and frame[column].dtype == object:
                frame[column] = frame[column].astype("string")
        frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio", use_arrow=arrow)


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401  # optional: only its presence matters
    except ImportError:
        return False
    return True


def write_html(path: Path, page: str) -> None:
    """Inline the vendored assets into ``page``, check it is self-contained, and write it.

    Raises
    ------
    OutputError
        If the page still references an external script, stylesheet or image.
    """
    html = inline_assets(page)
    remaining = external_references(html)
    if remaining:
        msg = f"{path.name} would load {remaining[0]} from the network; it must be self-contained"
        raise OutputError(msg)
    path.write_text(html, encoding="utf-8")
