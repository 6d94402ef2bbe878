"""Tests of the testing stage: every test of a build, side by side, in any process."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import warnings
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hotspotkaart import pipeline
from hotspotkaart._errors import HotspotkaartWarning
from hotspotkaart.config.settings import Config
from hotspotkaart.engine.grid import make_grid
from hotspotkaart.pipeline import analyse
from hotspotkaart.runtime import parallel
from hotspotkaart.runtime.parallel import WarmProcess
from hotspotkaart.stats.areas import area_table_from_counts
from hotspotkaart.stats.classbreaks import count_breaks
from hotspotkaart.stats.testing import PRELOAD, Assessment, _count_breaks, run_statistics
from tests.helpers.project import map_project_config

forking = pytest.mark.skipif(not parallel._can_fork(), reason="needs the fork start method")


@pytest.fixture(scope="module")
def stage_inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, ...]:
    """The count tables, boundaries, zones and config a build hands to :func:`run_statistics`."""
    config = map_project_config(tmp_path_factory.mktemp("significance"))
    seen: list[tuple[Any, ...]] = []

    def capture(*args: Any, **kwargs: Any) -> Assessment:
        seen.append(args)
        return run_statistics(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "run_statistics", capture)
        analyse(config)
    (args,) = seen  # without the grid the build made: run_statistics makes its own
    return args


def _with_workers(config: Config, workers: int) -> Config:
    return dataclasses.replace(config, engine=dataclasses.replace(config.engine, workers=workers))


def _assert_same(a: Assessment, b: Assessment) -> None:
    for name in ("buurten", "wijken", "zone_stats"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    pd.testing.assert_frame_equal(a.grid.cells, b.grid.cells, obj="grid")
    np.testing.assert_array_equal(a.breaks.shared, b.breaks.shared)
    np.testing.assert_array_equal(a.breaks.field, b.breaks.field)


def test_assess_tests_areas_cells_and_zones_and_classes_the_counts(stage_inputs):
    tables, boundaries, zone_frame, config = stage_inputs
    tested = run_statistics(*stage_inputs)
    assert list(tested.buurten["buurtcode"]) == list(boundaries.buurten["buurtcode"])
    assert list(tested.wijken["wijkcode"]) == list(boundaries.wijken["wijkcode"])
    assert tested.buurten[["count_2023", "count_2024"]].to_numpy().sum() == tables.used
    years = config.periods.years
    assert {f"gi_class_{y}" for y in years} <= set(tested.grid.cells.columns)
    assert (tested.grid.cells[[f"gi_z_{y}" for y in years]].notna().to_numpy().any())
    assert list(tested.zone_stats["zone_id"]) == list(zone_frame["zone_id"])
    made = count_breaks(tested.buurten, years, config.maps.privacy_threshold)
    np.testing.assert_array_equal(tested.breaks.shared, made.shared)
    np.testing.assert_array_equal(tested.breaks.field, made.field)
    assert tested.breaks.years == years


@forking
def test_assess_gives_the_same_on_workers_in_a_warm_process_and_on_a_given_grid(stage_inputs):
    tables, boundaries, zone_frame, config = stage_inputs
    serial = run_statistics(tables, boundaries, zone_frame, _with_workers(config, 1))
    forked = run_statistics(tables, boundaries, zone_frame, _with_workers(config, 2))
    _assert_same(serial, forked)
    grid = make_grid(boundaries.buurten, config.analysis.cell_size)
    _assert_same(serial, run_statistics(*stage_inputs, grid=grid))
    with WarmProcess(PRELOAD, workers=2) as warm:
        warmed = warm.run(partial(run_statistics, tables, boundaries, zone_frame,
                                  _with_workers(config, 2)))
    _assert_same(serial, warmed)


def _preloaded() -> tuple[int, list[str]]:
    return os.getpid(), [name for name in PRELOAD if name in sys.modules]


@forking
def test_a_warm_process_imports_every_preload_module():
    with WarmProcess(PRELOAD, workers=2) as warm:
        pid, loaded = warm.run(_preloaded)
    assert pid != os.getpid()
    assert loaded == list(PRELOAD)


_FRESH_STAGE = """
import importlib, sys
from hotspotkaart import pipeline
from hotspotkaart.config.settings import load_config
from hotspotkaart.stats.testing import PRELOAD, run_statistics

for name in PRELOAD:
    importlib.import_module(name)
seen = []
pipeline.run_statistics = lambda *args, **kwargs: seen.append((args, kwargs))
try:
    pipeline.analyse(load_config(sys.argv[1]))
except AttributeError:  # the stand-in returns nothing to build a result from
    pass
before = set(sys.modules)
run_statistics(*seen[0][0], **seen[0][1])
print(" ".join(sorted(set(sys.modules) - before)))
"""


def test_preload_names_every_module_the_stage_imports(tmp_path):
    # in a fresh interpreter that imported PRELOAD, running the stage imports no more of the
    # statistics libraries (or of this tool): a warm process leaves no slow import to the stage
    config = map_project_config(tmp_path)
    script = tmp_path / "stage.py"
    script.write_text(_FRESH_STAGE, encoding="utf-8")
    workers_1 = config.path.read_text(encoding="utf-8") + "\n[engine]\nworkers = 1\n"
    config.path.write_text(workers_1, encoding="utf-8")
    out = subprocess.run([sys.executable, str(script), str(config.path)], capture_output=True,
                         text=True, check=True)
    imported = out.stdout.split()
    libraries = {"scipy", "esda", "libpysal", "mapclassify", "sklearn", "matplotlib",
                 "hotspotkaart"}
    assert [name for name in imported if name.split(".")[0] in libraries] == []


def test_the_breaks_from_the_counts_are_those_of_the_buurt_table(stage_inputs):
    tables, boundaries, _, config = stage_inputs
    years, threshold = config.periods.years, config.maps.privacy_threshold
    stray = pd.DataFrame({"buurtcode": ["BU99999999"], "period": [years[1]],
                          "category": ["Jeugd"], "n": [500]})  # not a buurt: in no table
    for counts in (tables.buurten, pd.concat([tables.buurten, stray], ignore_index=True),
                   tables.buurten.iloc[:0]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", HotspotkaartWarning)  # the stray code, once
            table = area_table_from_counts(counts, boundaries.buurten, "buurtcode",
                                           config.periods, config.analysis)
        expected = count_breaks(table, years, threshold)
        made = _count_breaks(counts, boundaries.buurten, config.periods, threshold)
        np.testing.assert_array_equal(made.shared, expected.shared)
        np.testing.assert_array_equal(made.field, expected.field)
    assert list(made.shared) == [0.0]  # no meldingen: one class
