"""Typed values of a TOML configuration table, each checked with a message that names them.

Every error names the configuration file, the table, the key, the value received and what is
allowed. Shared by :mod:`hotspotkaart.config.settings` and :mod:`hotspotkaart.config.camera`.
The keys a table allows and the defaults of its values are read off its dataclass
(:func:`keys_of`, :func:`default_of`), so the dataclass is the one place where they are written.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hotspotkaart._errors import ConfigError

__all__ = ["array", "as_table", "check_crs", "check_keys", "default_of", "existing", "flag",
           "keys_of", "number", "require_modules", "table", "text"]


def keys_of(cls: type, *, extra: tuple[str, ...] = (), without: tuple[str, ...] = ()) -> set[str]:
    """Return the TOML keys of a settings dataclass: its fields, plus ``extra``, less ``without``.

    The keys are read off the dataclass so that a new setting is written in one place.
    """
    return {f.name for f in dataclasses.fields(cls)} - set(without) | set(extra)


def default_of(cls: type, name: str) -> Any:
    """Return the default of field ``name`` of a settings dataclass."""
    for f in dataclasses.fields(cls):
        if f.name == name:
            if f.default is not dataclasses.MISSING:
                return f.default
            if f.default_factory is not dataclasses.MISSING:
                return f.default_factory()
    msg = f"{cls.__name__}.{name} has no default"
    raise TypeError(msg)


def check_keys(t: Mapping[str, Any], allowed: set[str], where: str, cfg: Path) -> None:
    """Refuse a key of ``t`` that is not in ``allowed``, naming the allowed ones."""
    unknown = sorted(set(t) - allowed)
    if unknown:
        msg = (f"{cfg}: unknown key {unknown[0]!r} in {where}; "
               f"allowed keys are: {', '.join(sorted(allowed))}")
        raise ConfigError(msg)


def table(raw: Mapping[str, Any], key: str, cfg: Path, *,
          required: bool = False) -> Mapping[str, Any]:
    """Return the table ``[key]`` of ``raw`` (empty when absent and not ``required``)."""
    if key not in raw:
        if required:
            msg = f"{cfg}: the table [{key}] is missing"
            raise ConfigError(msg)
        return {}
    return as_table(raw[key], f"[{key}]", cfg)


def as_table(value: Any, where: str, cfg: Path) -> Mapping[str, Any]:
    """Return ``value`` as a table of keys, or refuse it naming ``where``."""
    if not isinstance(value, dict):
        msg = f"{cfg}: {where} must be a table of keys, got {type(value).__name__}"
        raise ConfigError(msg)
    return value


def array(raw: Mapping[str, Any], key: str, cfg: Path, *, required: bool = False) -> list[Any]:
    """Return the tables ``[[key]]`` of ``raw`` (none when absent and not ``required``)."""
    value = raw.get(key)
    if value is None:
        if required:
            msg = f"{cfg}: at least one [[{key}]] table is required"
            raise ConfigError(msg)
        return []
    if not isinstance(value, list) or (required and not value):
        msg = f"{cfg}: {key} must be written as one or more [[{key}]] tables"
        raise ConfigError(msg)
    return value


def text(t: Mapping[str, Any], key: str, where: str, cfg: Path, *, required: bool = False,
         default: Any = None) -> Any:
    """Return the text of ``key`` in ``t`` (non-empty); ``default`` when absent and optional."""
    value = t.get(key)
    if value is None:
        if required:
            msg = f"{cfg}: {where} needs the key {key!r}"
            raise ConfigError(msg)
        return default
    if not isinstance(value, str) or not value.strip():
        msg = f"{cfg}: {where} {key} = {value!r} must be a non-empty text in quotes"
        raise ConfigError(msg)
    return value


def flag(t: Mapping[str, Any], key: str, where: str, cfg: Path) -> bool:
    """Return the boolean ``key`` of ``t`` (false when absent)."""
    value = t.get(key, False)
    if not isinstance(value, bool):
        msg = f"{cfg}: {where} {key} = {value!r} must be true or false"
        raise ConfigError(msg)
    return value


def number(t: Mapping[str, Any], key: str, where: str, cfg: Path, default: float, *,
           low: float, high: float, integer: bool = False) -> float:
    """Return the number ``key`` of ``t``, from ``low`` to ``high`` (whole when ``integer``)."""
    value = t.get(key, default)
    ok_type = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok_type or not low <= value <= high:
        kind = "a whole number" if integer else "a number"
        msg = f"{cfg}: {where} {key} = {value!r} must be {kind} from {low:g} to {high:g}"
        raise ConfigError(msg)
    return float(value)


def existing(base_dir: Path, value: str, what: str, cfg: Path) -> Path:
    """Resolve ``value`` against ``base_dir``: an existing file, or a FileGDB folder."""
    try:
        path = (base_dir / value).resolve(strict=False)
    except (OSError, RuntimeError):  # a symbolic link that points at itself
        msg = f"{cfg}: {what} = {value!r} is a symbolic link that never reaches a file"
        raise ConfigError(msg) from None
    if not path.exists():
        msg = f"{cfg}: {what} = {value!r} points at {path}, which does not exist"
        raise ConfigError(msg)
    if path.is_dir() and path.suffix.lower() != ".gdb":
        msg = (f"{cfg}: {what} = {value!r} points at the folder {path}; name the file itself "
               "(only a FileGDB may be a .gdb folder)")
        raise ConfigError(msg)
    if not path.is_dir() and not path.is_file():  # a FIFO would wait forever, /dev/zero never end
        msg = (f"{cfg}: {what} = {value!r} points at {path}, which is not a regular file (a "
               "pipe, a device or a socket); export the data to a file and name that")
        raise ConfigError(msg)
    return path


def check_crs(value: str, what: str, cfg: Path) -> None:
    """Refuse ``value`` unless pyproj knows it as a coordinate reference system."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        CRS.from_user_input(value)
    except CRSError:
        msg = (f"{cfg}: {what} = {value!r} is not a coordinate reference system; "
               "use e.g. 'EPSG:28992'")
        raise ConfigError(msg) from None


def require_modules(modules: tuple[str, ...], package: str, what: str) -> None:
    """Raise :class:`ConfigError` naming the extra to install unless ``modules`` all import.

    ``package`` is what the user knows them as (``dask-geopandas``), ``what`` the setting that
    needs them, for the message (the config file and key).
    """
    if any(importlib.util.find_spec(module) is None for module in modules):
        msg = (f"{what} needs {package}, which is not installed; install it with: "
               "pip install 'hotspotkaart[scale]'")
        raise ConfigError(msg)
