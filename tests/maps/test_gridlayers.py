"""The grid on the maps: cell sizes named, hot spots named by cluster, with their own chart."""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspotkaart.engine.grid import make_grid
from hotspotkaart.maps.data import MapContext
from hotspotkaart.maps.gridlayers import add_grid_layers, cell_size_text
from hotspotkaart.stats.hotspots import HOT_95, NIET_SIGNIFICANT
from tests.helpers.project import PHONE


def _square_cells(size):
    area = gpd.GeoDataFrame(geometry=[shapely.box(105000, 425000, 105000 + 3 * size,
                                                  425000 + 2 * size)], crs="EPSG:28992")
    cells = make_grid(area, size)
    hot = np.arange(len(cells)) < 2
    return cells.assign(gi_class_2023=np.where(hot, HOT_95, NIET_SIGNIFICANT),
                        gi_class_2024=np.where(hot, HOT_95, NIET_SIGNIFICANT),
                        transition=np.where(hot, "blijvend", "geen"),
                        change_class=np.where(hot, "significante stijging",
                                              "geen significante verandering"),
                        count_2023=3, count_2024=4)


@pytest.mark.parametrize(("size", "text"), [(100, "100 m"), (250, "250 m"),
                                             (1000, "1.000 m"), (62.5, "62,5 m")])
def test_grid_layers_name_the_configured_cell_size(size, text):
    cells = _square_cells(size)
    assert cell_size_text(cells) == text
    context = MapContext(area_name="Dordrecht", years=(2023, 2024), credit="CBS", method=(),
                         synthetic=True)
    fmap = folium.Map(tiles=None)
    add_grid_layers(fmap, cells, context)
    page = fmap.get_root().render()
    assert f"Cellen van {text}" in page
    assert "significante stijging (getoetst)" in page
    assert "cold spot" not in page  # no cell is cold: the legend does not offer it
    if size != 100:
        assert "Cellen van 100 m" not in page


#: Switch on the hot-spot layer holding cluster ``code`` and click one of its polygons.
_OPEN = """(code) => {
  const map = Object.values(window).filter(v => v instanceof L.Map)[0];
  let found = null;
  Object.values(window).filter(v => v instanceof L.GeoJSON).forEach(g => g.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (!found && p.hotspot === code) { found = [g, l]; }
  }));
  if (!found) { return false; }
  map.addLayer(found[0]);
  found[1].fire('click', {latlng: found[1].getCenter()}, true);
  return true;
}"""

_CHART = """() => { const p = document.querySelector('.leaflet-popup');
  const svg = p && p.querySelector('svg.hk-chart-popup');
  return svg && {text: p.innerText, label: svg.getAttribute('aria-label'),
                 filled: [...svg.querySelectorAll('rect')]
                   .filter(r => r.getAttribute('fill') !== '#ffffff').length,
                 rects: svg.querySelectorAll('rect').length}; }"""


@pytest.mark.parametrize("viewport", [(1280, 800), PHONE])
def test_a_hot_spot_popup_shows_its_whole_clusters_hours(embedded_build, open_map, viewport):
    times = pd.read_csv(embedded_build / "tijden.csv", sep=";", dtype={"area_code": str},
                        keep_default_na=False, na_values={"weekday": [""], "hour": [""]})
    clusters = times[(times["area_type"] == "hotspot") & times["hour"].notna()]
    code = str(clusters.groupby("area_code")["count"].sum().idxmax())
    year = int(code.split("-")[0])
    mine = clusters[clusters["area_code"] == code]
    shown = open_map(embedded_build / "overzicht.html", viewport=viewport)
    assert shown.evaluate(_OPEN, code)
    shown.page.wait_for_timeout(400)
    chart = shown.evaluate(_CHART)
    assert chart is not None
    assert chart["rects"] == 168  # the one year the cluster belongs to
    assert chart["filled"] == len(mine)  # a coloured hour for each hour with meldingen
    total = int(mine["count"].sum())
    assert f"{year}: {total} meldingen met een tijdstip" in chart["text"]
    assert f"{year}: {total} meldingen" in chart["label"]
    assert code in chart["text"]  # the popup names the cluster of hottijden.csv
    assert shown.console_errors == []


def test_grid_layers_without_cluster_codes_draw_as_before():
    cells = _square_cells(100)
    context = MapContext(area_name="Dordrecht", years=(2023, 2024), credit="CBS", method=(),
                         synthetic=True)
    fmap = folium.Map(tiles=None)
    add_grid_layers(fmap, cells, context)
    page = fmap.get_root().render()
    assert "Cluster (hottijden.csv)" not in page
    assert "hk-popup-heat" not in page
