"""What the figures claim, on meldingen shaped like real ones (tests/helpers/patterns.py).

Each test runs the whole analysis (read, join, count, every test) on generated meldingen that
vary what real data varies: the part of the city they cover, the bursts of repeat reports, how
many there are, and the seed. Random patterns must not produce hot spots or changes beyond the
error rate; repeat reports must not produce changes; planted clusters must still be found, with
the change they really have.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hotspotkaart.config.settings import load_config
from hotspotkaart.pipeline import BuildResult, analyse
from hotspotkaart.stats.change import DALING, STIJGING
from tests.helpers.patterns import (
    YEARS,
    Bursts,
    cluster,
    coverage,
    meldingen,
    uniform_points,
    write_project,
)

SIGNIFICANT = (STIJGING, DALING)
READINGS = ("change_class", "change_class_trend")


def _analyse(folder: Path, frames: list, extra: str = "") -> BuildResult:
    return analyse(load_config(write_project(folder, frames, extra=extra)))


def _hot(result: BuildResult, year: int) -> np.ndarray:
    return result.grid.cells[f"gi_class_{year}"].str.startswith("hot spot").to_numpy()


@pytest.mark.parametrize(("kind", "n", "seed"), [
    ("built", 1500, 1), ("built", 6000, 2), ("disk", 1500, 3), ("disk", 6000, 4),
    ("strip", 3000, 5),
])
def test_a_random_pattern_over_part_of_the_city_has_no_hot_spots_or_changes(
        tmp_path: Path, kind: str, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    covered = coverage(kind, seed)
    frames = [meldingen(rng, uniform_points(rng, covered, n), year) for year in YEARS]
    result = _analyse(tmp_path, frames)
    cells = result.grid.cells
    for year in YEARS:
        assert _hot(result, year).mean() <= 0.01, year
    for reading in READINGS:
        assert cells[reading].isin(SIGNIFICANT).mean() <= 0.01, reading
        tested = result.buurten[reading] != "te weinig meldingen"
        assert result.buurten.loc[tested, reading].isin(SIGNIFICANT).mean() <= 0.05
        assert result.wijken[reading].isin(SIGNIFICANT).sum() <= 1


@pytest.mark.parametrize(("bursts", "seed"), [
    (Bursts(mean=2.0), 11),
    (Bursts(mean=3.0, nightly=0.3), 12),
    (Bursts(mean=4.0, nightly=0.5), 13),
])
def test_repeat_reports_at_an_unchanged_rate_give_no_significant_changes(
        tmp_path: Path, bursts: Bursts, seed: int) -> None:
    rng = np.random.default_rng(seed)
    covered = coverage("built", seed)
    frames = [meldingen(rng, uniform_points(rng, covered, 1500), year, bursts)
              for year in YEARS]
    result = _analyse(tmp_path, frames)
    assert result.dispersion is not None
    assert result.dispersion.source == "estimated"
    assert result.dispersion.applied > 1.5  # the bursts are seen
    for reading in READINGS:
        tested = result.buurten[reading] != "te weinig meldingen"
        assert tested.sum() > 40
        assert result.buurten.loc[tested, reading].isin(SIGNIFICANT).mean() <= 0.05, reading
        assert result.wijken[reading].isin(SIGNIFICANT).sum() <= 1, reading
        assert result.grid.cells[reading].isin(SIGNIFICANT).mean() <= 0.01, reading
    for year in YEARS:
        assert _hot(result, year).mean() <= 0.01


def test_without_the_dispersion_repeat_reports_would_be_called_changes(tmp_path: Path) -> None:
    # the same bursty input as above, tested as if every melding were independent
    rng = np.random.default_rng(12)
    covered = coverage("built", 12)
    frames = [meldingen(rng, uniform_points(rng, covered, 1500), year,
                        Bursts(mean=3.0, nightly=0.3)) for year in YEARS]
    result = _analyse(tmp_path, frames, extra="dispersion = 1\n")
    tested = result.buurten["change_class"] != "te weinig meldingen"
    assert result.buurten.loc[tested, "change_class"].isin(SIGNIFICANT).mean() > 0.05


@pytest.mark.parametrize("seed", [21, 22])
def test_planted_clusters_are_found_with_the_change_they_have(tmp_path: Path,
                                                              seed: int) -> None:
    rng = np.random.default_rng(seed)
    covered = coverage("built", seed)
    persistent, new, ended = uniform_points(rng, covered, 3)
    points = {year: [uniform_points(rng, covered, 1500)] for year in YEARS}
    points[2023] += [cluster(rng, persistent, 60), cluster(rng, ended, 60)]
    points[2024] += [cluster(rng, persistent, 60), cluster(rng, new, 60)]
    frames = [meldingen(rng, np.vstack(points[year]), year) for year in YEARS]
    result = _analyse(tmp_path, frames)
    cells = result.grid.cells
    centre_x, centre_y = cells["x_min"] + 50, cells["y_min"] + 50

    def around(point: np.ndarray) -> np.ndarray:
        return (np.hypot(centre_x - point[0], centre_y - point[1]) < 120).to_numpy()

    assert _hot(result, 2023)[around(persistent)].any()
    assert _hot(result, 2024)[around(persistent)].any()
    assert "significante stijging" not in set(cells.loc[around(persistent), "change_class"])
    assert "significante daling" not in set(cells.loc[around(persistent), "change_class"])
    assert _hot(result, 2024)[around(new)].any()
    assert "significante stijging" in set(cells.loc[around(new), "change_class"])
    assert _hot(result, 2023)[around(ended)].any()
    assert "significante daling" in set(cells.loc[around(ended), "change_class"])
    for year in YEARS:  # a hot spot always holds meldingen of its own year
        assert (cells.loc[_hot(result, year), f"count_{year}"] > 0).all()


def test_the_analysis_is_reproducible(tmp_path: Path) -> None:
    rng = np.random.default_rng(31)
    covered = coverage("disk", 31)
    frames = [meldingen(rng, uniform_points(rng, covered, 2000), year, Bursts(2.0))
              for year in YEARS]
    first = _analyse(tmp_path / "a", frames)
    second = _analyse(tmp_path / "b", frames)
    assert first.grid.cells.drop(columns="geometry").equals(
        second.grid.cells.drop(columns="geometry"))
    assert first.dispersion == second.dispersion
