"""The ``[area]`` table: the gemeente, or the gemeenten of a region, and their boundary files."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotspotkaart._errors import ConfigError
from hotspotkaart.config._values import check_keys, default_of, existing, keys_of, text

__all__ = ["DEFAULT_CREDIT", "AreaConfig", "parse_area"]

#: The credit the CBS Wijk- en Buurtkaart conditions require wherever the boundaries are shown.
DEFAULT_CREDIT = "Kadaster / Centraal Bureau voor de Statistiek, 2024"

_MUNICIPALITY_CODE = re.compile(r"^GM\d{4}$")


@dataclass(frozen=True)
class AreaConfig:
    """The municipality, or the gemeenten of a region, and their boundary files.

    ``municipality_code`` is one CBS gemeentecode, or a tuple of them for a region built in one
    run (``name`` then names the region); :attr:`municipality_codes` is always the tuple.
    """

    name: str
    municipality_code: str | tuple[str, ...]
    buurten: Path
    buurten_layer: str | None = None
    wijken: Path | None = None
    wijken_layer: str | None = None
    edition: str = ""
    credit: str = DEFAULT_CREDIT

    @property
    def municipality_codes(self) -> tuple[str, ...]:
        """The gemeentecodes of the run, in the order configured."""
        code = self.municipality_code
        return (code,) if isinstance(code, str) else tuple(code)

    @property
    def region(self) -> bool:
        """Whether the run covers more than one gemeente."""
        return len(self.municipality_codes) > 1


_AREA_KEYS = keys_of(AreaConfig)


def parse_area(t: Mapping[str, Any], base_dir: Path, cfg: Path) -> AreaConfig:
    """Parse ``[area]``: the name, the gemeentecode(s) and the boundary files."""
    where = "[area]"
    check_keys(t, _AREA_KEYS, where, cfg)
    code = _municipality_codes(t, where, cfg)
    wijken = text(t, "wijken", where, cfg)
    return AreaConfig(
        name=text(t, "name", where, cfg, required=True),
        municipality_code=code,
        buurten=existing(base_dir, text(t, "buurten", where, cfg, required=True),
                         f"{where} buurten", cfg),
        buurten_layer=text(t, "buurten_layer", where, cfg),
        wijken=existing(base_dir, wijken, f"{where} wijken", cfg) if wijken else None,
        wijken_layer=text(t, "wijken_layer", where, cfg),
        edition=text(t, "edition", where, cfg, default=default_of(AreaConfig, "edition")),
        credit=text(t, "credit", where, cfg, default=default_of(AreaConfig, "credit")),
    )


def _municipality_codes(t: Mapping[str, Any], where: str, cfg: Path) -> str | tuple[str, ...]:
    """``municipality_code``: one CBS gemeentecode, or a non-empty list of distinct ones."""
    raw = t.get("municipality_code")
    if isinstance(raw, list):
        if not raw:
            msg = (f"{cfg}: {where} municipality_code = [] names no gemeente; give one code, "
                   "e.g. 'GM0505', or a list of them")
            raise ConfigError(msg)
        codes = tuple(_municipality_code(value, where, cfg) for value in raw)
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            msg = (f"{cfg}: {where} municipality_code lists {repeated[0]} more than once; "
                   "name each gemeente once")
            raise ConfigError(msg)
        return codes[0] if len(codes) == 1 else codes
    if raw is None:
        text(t, "municipality_code", where, cfg, required=True)  # raises: the key is missing
    return _municipality_code(raw, where, cfg)


def _municipality_code(value: Any, where: str, cfg: Path) -> str:
    if not isinstance(value, str) or not _MUNICIPALITY_CODE.match(value):
        msg = (f"{cfg}: {where} municipality_code = {value!r} is not a CBS gemeentecode; "
               "expected 'GM' followed by four digits, e.g. 'GM0505', or a list of them "
               "for a region")
        raise ConfigError(msg)
    return value
