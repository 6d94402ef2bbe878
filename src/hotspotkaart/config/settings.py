"""Read and validate the TOML configuration.

The configuration names the area, the two periods to compare and the input files. Every path is
resolved relative to the configuration file, so a municipality can keep its config beside its own
exports. Validation happens once, at start, and every message names the key, the value received and
what is allowed, in terms a GIS officer recognises.
"""

from __future__ import annotations

import logging
import re
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotspotkaart._errors import ConfigError, HotspotkaartWarning
from hotspotkaart.config._values import (
    array,
    as_table,
    check_crs,
    check_keys,
    default_of,
    existing,
    flag,
    keys_of,
    number,
    require_modules,
    table,
    text,
)
from hotspotkaart.config.area import AreaConfig, parse_area
from hotspotkaart.config.camera import CameraSettings, parse_camera_settings
from hotspotkaart.config.periods import NO_PERIOD, Period, Periods, parse_periods

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_PARTITION_SIZE",
    "ENGINE_KINDS",
    "NO_PERIOD",
    "SCHEDULERS",
    "ZONE_KINDS",
    "AnalysisConfig",
    "AreaConfig",
    "Config",
    "EngineConfig",
    "IncidentSource",
    "LocationSource",
    "MapConfig",
    "Period",
    "Periods",
    "ZoneSource",
    "load_config",
]

#: The zone kinds the tool knows, in the order the maps list them.
ZONE_KINDS: tuple[str, ...] = ("cameratoezicht", "alcoholverbod", "veiligheidsrisicogebied")

DEFAULT_CONFIG_NAME = "hotspotkaart.toml"

@dataclass(frozen=True)
class IncidentSource:
    """One file of overlast meldingen and how to read it.

    ``time_from`` and ``time_to`` (both or neither) name the columns of a time window, which
    then decides the weekday and hour (:mod:`hotspotkaart.io.incidentdates`); ``date`` may be
    None with a window, whose start then dates the melding.
    """

    path: Path
    date: str | None
    category: str
    x: str | None = None
    y: str | None = None
    crs: str | None = None
    id: str | None = None
    layer: str | None = None
    date_format: str | None = None
    synthetic: bool = False
    time_from: str | None = None
    time_to: str | None = None


@dataclass(frozen=True)
class ZoneSource:
    """One file of policy zones of one kind."""

    kind: str
    path: Path
    name: str
    valid_from: str | None = None
    valid_to: str | None = None
    layer: str | None = None
    crs: str | None = None
    synthetic: bool = False


@dataclass(frozen=True)
class LocationSource:
    """One point file of named overlast locations per year."""

    path: Path
    name: str = "naam"
    year: str = "jaar"
    status: str | None = "status"
    layer: str | None = None
    crs: str | None = None
    synthetic: bool = False


@dataclass(frozen=True)
class AnalysisConfig:
    """Settings of the statistical analysis."""

    cell_size: float = 100.0
    alpha: float = 0.05
    fdr_q: float = 0.05
    min_count: int = 10
    buffer_m: float = 100.0
    #: Overdispersion factor of the tests: "auto" estimates it from the buurten (at least 1),
    #: a number from 1 fixes it (1 = every melding independent).
    dispersion: float | str = "auto"
    #: A zone valid fewer days than this in a year is not compared on that year ("te kort geldig").
    min_valid_days: int = 90


ENGINE_KINDS: tuple[str, ...] = ("memory", "dask")
SCHEDULERS: tuple[str, ...] = ("synchronous", "threads", "distributed")


@dataclass(frozen=True)
class EngineConfig:
    """How the join and the counting run: in memory, or partitioned on dask-geopandas.

    ``partitions`` (a number of partitions) and ``partition_size`` (meldingen per partition)
    exclude each other; with neither, the dask engine uses partitions of
    :data:`DEFAULT_PARTITION_SIZE` meldingen. ``workers`` is the number of processes that run
    the testing steps and write the outputs side by side (:mod:`hotspotkaart.runtime.parallel`):
    ``"auto"`` (one per available CPU) or a whole number, 1 for none. Both engines read the
    meldingen ``chunk_size`` records at a time and join and count each chunk (the dask engine
    in its partitions), so that the text of a large file is never in memory at once. With
    ``scheduler = "distributed"`` the partitions run on dask.distributed: on the scheduler at
    ``address`` (``tcp://host:8786``), or on a ``LocalCluster`` of ``workers`` processes
    started for the run when no address is given.
    """

    kind: str = "memory"
    partitions: int | None = None
    partition_size: int | None = None
    scheduler: str = "synchronous"
    workers: int | str = "auto"
    chunk_size: int = 1_000_000
    address: str | None = None


#: Meldingen per partition of the dask engine when neither partitions nor partition_size is set.
DEFAULT_PARTITION_SIZE = 500_000


@dataclass(frozen=True)
class MapConfig:
    """Settings of the rendered maps."""

    basemap: str = "grijs"
    privacy_threshold: int = 5


@dataclass(frozen=True)
class Config:
    """The whole, validated configuration."""

    path: Path
    area: AreaConfig
    periods: Periods
    incidents: tuple[IncidentSource, ...]
    zones: tuple[ZoneSource, ...] = ()
    locations: tuple[LocationSource, ...] = ()
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    maps: MapConfig = field(default_factory=MapConfig)
    output_dir: Path = Path("maps")
    engine: EngineConfig = field(default_factory=EngineConfig)
    camera: CameraSettings = field(default_factory=CameraSettings)

    @property
    def synthetic(self) -> bool:
        """Whether any input is demonstration (synthetic) data."""
        sources: tuple[IncidentSource | ZoneSource | LocationSource, ...] = (
            *self.incidents,
            *self.zones,
            *self.locations,
        )
        return any(source.synthetic for source in sources)


BASEMAPS: tuple[str, ...] = ("grijs", "standaard", "pastel", "luchtfoto", "geen")

# The keys of each table are the fields of its dataclass (``[output] dir`` is Config.output_dir).
_TOP_KEYS = keys_of(Config, extra=("output",), without=("path", "output_dir"))
_INCIDENT_KEYS = keys_of(IncidentSource, extra=("lon", "lat"))
_ZONE_KEYS = keys_of(ZoneSource)
_LOCATION_KEYS = keys_of(LocationSource)
_ANALYSIS_KEYS = keys_of(AnalysisConfig)
#: Keys of earlier versions that are accepted with a warning, and why they are not needed.
_OBSOLETE_ANALYSIS_KEYS = {
    "permutations": "the hot spots are decided by an exact test, which draws no permutations",
    "seed": "no step of the analysis is random any more; every build gives the same figures",
}
_MAP_KEYS = keys_of(MapConfig)
_OUTPUT_KEYS = {"dir"}
_ENGINE_KEYS = keys_of(EngineConfig)


def load_config(path: str | Path | None = None) -> Config:
    """Read and validate a hotspotkaart TOML configuration.

    Parameters
    ----------
    path : str or Path, optional
        The configuration file. Defaults to ``hotspotkaart.toml`` in the working directory.

    Returns
    -------
    Config
        The validated configuration, with every path made absolute.

    Raises
    ------
    ConfigError
        If the file is missing, is not valid TOML, has unknown keys, lacks required keys, has
        values of the wrong type or range, or points at files that do not exist.

    """
    cfg_path = Path(path) if path is not None else Path.cwd() / DEFAULT_CONFIG_NAME
    raw = _read_toml(cfg_path)
    return _parse(raw, cfg_path.resolve())


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        msg = f"configuration file {path} does not exist; pass --config FILE or create {path.name}"
        raise ConfigError(msg)
    try:
        data = path.read_bytes()
        # Windows Notepad saves UTF-8 with a byte-order mark, which TOML does not allow
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"configuration file {path} is not valid TOML: {exc}"
        raise ConfigError(msg) from None
    except UnicodeDecodeError:
        msg = f"configuration file {path} is not UTF-8 text"
        raise ConfigError(msg) from None


def _parse(raw: dict[str, Any], cfg_path: Path) -> Config:
    base_dir = cfg_path.parent
    check_keys(raw, _TOP_KEYS, "the top level", cfg_path)
    area_raw = table(raw, "area", cfg_path, required=True)
    area = parse_area(area_raw, base_dir, cfg_path)
    periods = parse_periods(table(raw, "periods", cfg_path, required=True), cfg_path)
    incidents = tuple(
        _parse_incident(item, i, base_dir, cfg_path)
        for i, item in enumerate(array(raw, "incidents", cfg_path, required=True), start=1)
    )
    zones = tuple(
        _parse_zone(item, i, base_dir, cfg_path)
        for i, item in enumerate(array(raw, "zones", cfg_path), start=1)
    )
    locations = tuple(
        _parse_location(item, i, base_dir, cfg_path)
        for i, item in enumerate(array(raw, "locations", cfg_path), start=1)
    )
    _check_unique(incidents, "incidents", cfg_path)
    _check_unique(zones, "zones", cfg_path)
    _check_unique(locations, "locations", cfg_path)
    analysis = _parse_analysis(table(raw, "analysis", cfg_path), cfg_path)
    maps = _parse_maps(table(raw, "maps", cfg_path), cfg_path)
    output = table(raw, "output", cfg_path)
    check_keys(output, _OUTPUT_KEYS, "[output]", cfg_path)
    out_dir = base_dir / text(output, "dir", "[output]", cfg_path,
                              default=str(default_of(Config, "output_dir")))
    engine = _parse_engine(table(raw, "engine", cfg_path), cfg_path)
    camera = parse_camera_settings(raw.get("camera", {}), cfg_path)
    return Config(
        path=cfg_path,
        area=area,
        periods=periods,
        incidents=incidents,
        zones=zones,
        locations=locations,
        analysis=analysis,
        maps=maps,
        output_dir=out_dir,
        engine=engine,
        camera=camera,
    )


def _parse_incident(t: Any, i: int, base_dir: Path, cfg: Path) -> IncidentSource:
    where = f"[[incidents]] #{i}"
    t = as_table(t, where, cfg)
    check_keys(t, _INCIDENT_KEYS, where, cfg)
    x, y = text(t, "x", where, cfg), text(t, "y", where, cfg)
    lon, lat = text(t, "lon", where, cfg), text(t, "lat", where, cfg)
    crs = text(t, "crs", where, cfg)
    if (x or y) and (lon or lat):
        msg = (f"{cfg}: {where} gives both x/y and lon/lat; "
               "use x/y (RD) or lon/lat (WGS84), not both")
        raise ConfigError(msg)
    if bool(x) != bool(y) or bool(lon) != bool(lat):
        msg = f"{cfg}: {where} needs both coordinate columns (x and y, or lon and lat)"
        raise ConfigError(msg)
    if lon:
        x, y = lon, lat
        crs = crs or "EPSG:4326"
    if crs is not None:
        check_crs(crs, f"{where} crs", cfg)
    time_from, time_to = _window_columns(t, where, cfg)
    return IncidentSource(
        path=existing(base_dir, text(t, "path", where, cfg, required=True), f"{where} path", cfg),
        date=text(t, "date", where, cfg, required=time_from is None),
        category=text(t, "category", where, cfg, required=True),
        x=x,
        y=y,
        crs=crs,
        id=text(t, "id", where, cfg),
        layer=text(t, "layer", where, cfg),
        date_format=_date_format(text(t, "date_format", where, cfg), where, cfg),
        synthetic=flag(t, "synthetic", where, cfg),
        time_from=time_from, time_to=time_to,
    )


def _window_columns(t: Any, where: str, cfg: Path) -> tuple[str | None, str | None]:
    """Read ``time_from`` and ``time_to``: the columns of a time window, both or neither."""
    time_from, time_to = text(t, "time_from", where, cfg), text(t, "time_to", where, cfg)
    if (time_from is None) != (time_to is None) or (time_from and time_from == time_to):
        given, other = ("time_from", "time_to") if time_from else ("time_to", "time_from")
        msg = (f"{cfg}: {where} gives {given} = {t[given]!r} without a column {other} of its "
               "own; a time window needs two columns, its earliest moment (time_from) and "
               "its latest (time_to), or neither")
        raise ConfigError(msg)
    return time_from, time_to


def _date_format(value: str | None, where: str, cfg: Path) -> str | None:
    """Check a ``date_format``: a ``strftime`` format with day, month and year."""
    if value is None:
        return None
    if not all(d in value for d in ("%d", "%m")) or not ("%Y" in value or "%y" in value):
        msg = (f"{cfg}: {where} date_format = {value!r} must name the day, month and year "
               "with %d, %m and %Y, e.g. \"%d-%m-%Y %H:%M\" (day first) or \"%m/%d/%Y\" "
               "(month first)")
        raise ConfigError(msg)
    return value


def _parse_zone(t: Any, i: int, base_dir: Path, cfg: Path) -> ZoneSource:
    where = f"[[zones]] #{i}"
    t = as_table(t, where, cfg)
    check_keys(t, _ZONE_KEYS, where, cfg)
    kind = text(t, "kind", where, cfg, required=True)
    if kind not in ZONE_KINDS:
        msg = f"{cfg}: {where} kind = {kind!r} is not known; allowed: {', '.join(ZONE_KINDS)}"
        raise ConfigError(msg)
    crs = text(t, "crs", where, cfg)
    if crs is not None:
        check_crs(crs, f"{where} crs", cfg)
    return ZoneSource(
        kind=kind,
        path=existing(base_dir, text(t, "path", where, cfg, required=True), f"{where} path", cfg),
        name=text(t, "name", where, cfg, required=True),
        valid_from=text(t, "valid_from", where, cfg),
        valid_to=text(t, "valid_to", where, cfg),
        layer=text(t, "layer", where, cfg),
        crs=crs,
        synthetic=flag(t, "synthetic", where, cfg),
    )


def _parse_location(t: Any, i: int, base_dir: Path, cfg: Path) -> LocationSource:
    where = f"[[locations]] #{i}"
    t = as_table(t, where, cfg)
    check_keys(t, _LOCATION_KEYS, where, cfg)
    crs = text(t, "crs", where, cfg)
    if crs is not None:
        check_crs(crs, f"{where} crs", cfg)
    return LocationSource(
        path=existing(base_dir, text(t, "path", where, cfg, required=True), f"{where} path", cfg),
        name=text(t, "name", where, cfg, default=default_of(LocationSource, "name")),
        year=text(t, "year", where, cfg, default=default_of(LocationSource, "year")),
        status=text(t, "status", where, cfg, default=default_of(LocationSource, "status")),
        layer=text(t, "layer", where, cfg),
        crs=crs,
        synthetic=flag(t, "synthetic", where, cfg),
    )


def _parse_analysis(t: Mapping[str, Any], cfg: Path) -> AnalysisConfig:
    where = "[analysis]"
    check_keys(t, _ANALYSIS_KEYS | set(_OBSOLETE_ANALYSIS_KEYS), where, cfg)
    for key in sorted(set(t) & set(_OBSOLETE_ANALYSIS_KEYS)):
        msg = f"{cfg}: {where} {key} is no longer used: {_OBSOLETE_ANALYSIS_KEYS[key]}"
        logger.warning(msg)
        warnings.warn(msg, HotspotkaartWarning, stacklevel=2)
    d = AnalysisConfig()
    cell = number(t, "cell_size", where, cfg, d.cell_size, low=10, high=5000)
    alpha = number(t, "alpha", where, cfg, d.alpha, low=1e-6, high=0.5)
    q = number(t, "fdr_q", where, cfg, d.fdr_q, low=1e-6, high=0.5)
    min_count = int(number(t, "min_count", where, cfg, d.min_count, low=0, high=10**6,
                           integer=True))
    buffer_m = number(t, "buffer_m", where, cfg, d.buffer_m, low=0, high=10000)
    min_valid = int(number(t, "min_valid_days", where, cfg, d.min_valid_days, low=1, high=366,
                           integer=True))
    return AnalysisConfig(cell_size=cell, alpha=alpha, fdr_q=q, min_count=min_count,
                          buffer_m=buffer_m, dispersion=_dispersion(t, where, cfg, d.dispersion),
                          min_valid_days=min_valid)


def _dispersion(t: Mapping[str, Any], where: str, cfg: Path, default: float | str) -> float | str:
    """Return ``dispersion``: ``"auto"`` or a number from 1 to 1000."""
    value = t.get("dispersion", default)
    if value == "auto":
        return "auto"
    if isinstance(value, str):
        msg = f'{cfg}: {where} dispersion = {value!r} must be "auto" or a number from 1 to 1000'
        raise ConfigError(msg)
    return number(t, "dispersion", where, cfg, 1.0, low=1, high=1000)


def _parse_maps(t: Mapping[str, Any], cfg: Path) -> MapConfig:
    where = "[maps]"
    check_keys(t, _MAP_KEYS, where, cfg)
    d = MapConfig()
    basemap = text(t, "basemap", where, cfg, default=d.basemap)
    if basemap not in BASEMAPS:
        msg = f"{cfg}: {where} basemap = {basemap!r} is not known; allowed: {', '.join(BASEMAPS)}"
        raise ConfigError(msg)
    threshold = int(number(t, "privacy_threshold", where, cfg, d.privacy_threshold, low=1,
                           high=1000, integer=True))
    return MapConfig(basemap=basemap, privacy_threshold=threshold)


def _parse_engine(t: Mapping[str, Any], cfg: Path) -> EngineConfig:
    where = "[engine]"
    check_keys(t, _ENGINE_KEYS, where, cfg)
    d = EngineConfig()
    kind = text(t, "kind", where, cfg, default=d.kind)
    if kind not in ENGINE_KINDS:
        msg = f"{cfg}: {where} kind = {kind!r} is not known; allowed: {', '.join(ENGINE_KINDS)}"
        raise ConfigError(msg)
    scheduler = text(t, "scheduler", where, cfg, default=d.scheduler)
    if scheduler not in SCHEDULERS:
        msg = (f"{cfg}: {where} scheduler = {scheduler!r} is not known; allowed: "
               f"{', '.join(SCHEDULERS)}")
        raise ConfigError(msg)
    if "partitions" in t and "partition_size" in t:
        msg = f"{cfg}: {where} set either partitions or partition_size, not both"
        raise ConfigError(msg)
    partitions = partition_size = None
    if "partitions" in t:
        partitions = int(number(t, "partitions", where, cfg, 1, low=1, high=100_000,
                                integer=True))
    if "partition_size" in t:
        partition_size = int(number(t, "partition_size", where, cfg, 1, low=1_000,
                                    high=10**9, integer=True))
    chunk_size = int(number(t, "chunk_size", where, cfg, d.chunk_size, low=1_000, high=10**9,
                            integer=True))
    if kind == "memory" and any(k in t for k in ("partitions", "partition_size")):
        msg = (f"{cfg}: {where} partitions and partition_size only apply to "
               "kind = \"dask\"; remove them or set kind = \"dask\"")
        raise ConfigError(msg)
    address = _address(t, where, cfg, kind, scheduler)
    if kind == "dask":
        require_modules(("dask", "dask_geopandas"), "dask-geopandas",
                        f"{cfg}: {where} kind = \"dask\"")
    if kind == "dask" and scheduler == "distributed":
        require_modules(("distributed",), "dask.distributed",
                        f"{cfg}: {where} scheduler = \"distributed\"")
    return EngineConfig(kind=kind, partitions=partitions, partition_size=partition_size,
                        scheduler=scheduler, workers=_workers(t, where, cfg, d.workers),
                        chunk_size=chunk_size, address=address)


def _address(t: Mapping[str, Any], where: str, cfg: Path, kind: str, scheduler: str
             ) -> str | None:
    """Return ``[engine] address``: a dask scheduler's address, only with the distributed one."""
    address = text(t, "address", where, cfg, default=None)
    if address is None:
        return None
    if kind != "dask" or scheduler != "distributed":
        msg = (f"{cfg}: {where} address = {address!r} only applies to kind = \"dask\" with "
               "scheduler = \"distributed\"; remove it or set both")
        raise ConfigError(msg)
    if not re.fullmatch(r"(tcp|tls|ucx|inproc)://[^\s/]+(:\d+)?/?", address):
        msg = (f"{cfg}: {where} address = {address!r} is not a dask scheduler address; "
               "write it as tcp://host:8786")
        raise ConfigError(msg)
    return address


def _workers(t: Mapping[str, Any], where: str, cfg: Path, default: int | str) -> int | str:
    value = t.get("workers", default)
    if value == "auto":
        return "auto"
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 256:
        msg = (f"{cfg}: {where} workers = {value!r} is not allowed; use \"auto\" (one per "
               "CPU) or a whole number from 1 to 256 (1 builds in one process)")
        raise ConfigError(msg)
    return value


def _check_unique(sources: tuple[IncidentSource | ZoneSource | LocationSource, ...], key: str,
                  cfg: Path) -> None:
    """Refuse a file (and layer) listed twice in one section: it would be counted twice.

    An entry without ``layer`` reads the file's only layer (a file of several layers must name
    one), so it repeats any entry of the same file, with or without a layer.
    """
    seen: dict[tuple[str, Path], list[tuple[str | None, int]]] = {}
    for i, source in enumerate(sources, start=1):
        entries = seen.setdefault((getattr(source, "kind", ""), source.path), [])
        for layer, first in entries:
            if layer == source.layer or layer is None or source.layer is None:
                named = f" layer {source.layer!r}" if source.layer else ""
                msg = (f"{cfg}: [[{key}]] #{i} repeats the file {source.path.name}{named} of "
                       f"[[{key}]] #{first}; list every file once (an entry without layer "
                       "reads its only layer), or its records are counted twice")
                raise ConfigError(msg)
        entries.append((source.layer, i))
