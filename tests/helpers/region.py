"""A synthetic region of five gemeenten: Dordrecht's real CBS buurten split by wijk.

The region is made from the real boundaries so that it keeps real shapes, shared edges and
buurt sizes: the 13 wijken of Dordrecht are dealt to five gemeenten, whose CBS-style codes
replace Dordrecht's in every buurtcode and wijkcode (``BU05050100`` of a buurt dealt to
GM0590 becomes ``BU05900100``). The gemeente names are those of the Drechtsteden, but the
split is invented: only the shapes are real. A sixth gemeente (GM0999) is added as a copy of
one wijk shifted 30 km east, so that a list of codes must filter the file as it filters the
CBS national file.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from tests.helpers.project import BUURTEN, WIJKEN

#: gemeentecode → (name, the Dordrecht wijk numbers dealt to it).
REGION: dict[str, tuple[str, tuple[str, ...]]] = {
    "GM0505": ("Dordrecht", ("01", "02", "03", "04")),
    "GM0590": ("Papendrecht", ("05", "06")),
    "GM0642": ("Zwijndrecht", ("07", "08", "09")),
    "GM0531": ("Hendrik-Ido-Ambacht", ("10", "11")),
    "GM0482": ("Alblasserdam", ("19", "98")),
}
OUTSIDE = "GM0999"


def region_codes() -> list[str]:
    """The five gemeentecodes of the region, in the order of :data:`REGION`."""
    return list(REGION)


def _gemeente_of_wijk() -> dict[str, str]:
    return {number: code for code, (_, numbers) in REGION.items() for number in numbers}


def _recode(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.copy()
    numbers = out["wijkcode"].str[6:8]
    gemeente = numbers.map(_gemeente_of_wijk())
    out["gemeentecode"] = gemeente
    out["gemeentenaam"] = gemeente.map({c: name for c, (name, _) in REGION.items()})
    out["wijkcode"] = "WK" + gemeente.str[2:6] + numbers
    if "buurtcode" in out:
        out["buurtcode"] = "BU" + gemeente.str[2:6] + out["buurtcode"].str[6:10]
    return out


def _outside(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One wijk of Dordrecht copied 30 km east as gemeente GM0999 (not of the region)."""
    part = frame[frame["wijkcode"] == "WK050505"].copy()
    part["gemeentecode"], part["gemeentenaam"] = OUTSIDE, "Elders"
    part["wijkcode"] = "WK099905"
    if "buurtcode" in part:
        part["buurtcode"] = "BU0999" + part["buurtcode"].str[6:10]
    part = part.set_geometry(shapely.transform(part.geometry.to_numpy(),
                                               lambda xy: xy + np.array([30_000.0, 0.0])))
    return part


def write_region(folder: Path) -> tuple[Path, Path]:
    """Write the region's buurten and wijken (six gemeenten, as a national file) as GeoJSON."""
    paths = []
    for source, name in ((BUURTEN, "regio_buurten.geojson"), (WIJKEN, "regio_wijken.geojson")):
        frame = gpd.read_file(source)
        both = pd.concat([_recode(frame), _outside(frame)], ignore_index=True)
        path = folder / name
        gpd.GeoDataFrame(both, geometry="geometry", crs=frame.crs).to_file(path,
                                                                         driver="GeoJSON")
        paths.append(path)
    return paths[0], paths[1]


def region_area(folder: Path, codes: list[str] | None = None, name: str = "Drechtsteden"
                ) -> str:
    """The ``[area]`` table of a config for the region (all five gemeenten by default)."""
    buurten, wijken = write_region(folder)
    listed = ", ".join(f'"{c}"' for c in (codes or region_codes()))
    return (f'[area]\nname = "{name}"\nmunicipality_code = [{listed}]\n'
            f'buurten = "{buurten.as_posix()}"\nwijken = "{wijken.as_posix()}"\n')


def region_config(folder: Path, codes: list[str] | None = None, *, engine: str = "") -> Path:
    """The embedded demo's configuration with the region as its ``[area]``.

    The demo's meldingen, zones and locations are used as they are (they lie in Dordrecht's
    area, which the region covers); ``engine`` is the body of an ``[engine]`` table.
    """
    from tests.helpers.project import REPO_ROOT

    demo = (REPO_ROOT / "hotspotkaart.toml").read_text(encoding="utf-8")
    start, end = demo.index("[area]"), demo.index("[periods]")
    text = demo[:start] + region_area(folder, codes) + "\n" + demo[end:]
    text = text.replace('path = "layers/', f'path = "{(REPO_ROOT / "layers").as_posix()}/')
    if engine:
        text += f"\n[engine]\n{engine}\n"
    path = folder / "hotspotkaart.toml"
    path.write_text(text, encoding="utf-8")
    return path
