from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from hotspotkaart.cli.main import main
from tests.helpers.project import incident_section, interior_points, write_config


@pytest.fixture
def config(tmp_path):
    points = interior_points(30, seed=11)
    rows = ["id;datum;soort;x;y"] + [
        f"{i};0{1 + i % 9}-03-{2023 + i % 2};Jeugd;{p.x:.1f};{p.y:.1f}"
        for i, p in enumerate(points)
    ]
    (tmp_path / "m.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return write_config(tmp_path, incidents=incident_section("m.csv"))


def test_build_exits_zero_and_reports(config, tmp_path, caplog):
    out = tmp_path / "kaarten"
    assert main(["build", "--config", str(config), "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["incidents"]["used"] == 30


def test_check_writes_nothing(config, tmp_path, capsys):
    assert main(["check", "-c", str(config)]) == 0
    assert not (tmp_path / "maps").exists()
    assert "30 used" in capsys.readouterr().err


def test_user_error_is_one_sentence_with_exit_two(tmp_path, capsys):
    code = main(["build", "-c", str(tmp_path / "missing.toml")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("hotspotkaart: error: ")
    assert "does not exist" in err
    assert "Traceback" not in err
    assert err.count("\n") == 1


def test_bad_input_file_is_exit_two_naming_the_file(config, tmp_path, capsys):
    (tmp_path / "m.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["build", "-c", str(config), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "m.csv: column(s) 'datum', 'soort', 'x', 'y', 'id'" in err


def _preloaded() -> tuple[int, bool]:
    from hotspotkaart.stats.testing import PRELOAD

    return os.getpid(), all(name in sys.modules for name in PRELOAD)


_EMPTY_SUMMARY = {"incidents": {"read": 0, "used": 0, "rejected": 0, "rejected_by_reason": {}},
                  "per_period": {}}


@pytest.mark.parametrize(("command", "stage"), [("build", "build"), ("check", "analyse")])
@pytest.mark.parametrize("workers", [1, 2])
def test_the_testing_stage_runs_in_a_process_of_its_own_when_there_are_workers(
        config, monkeypatch, command, stage, workers):
    from hotspotkaart.runtime import parallel

    config.write_text(config.read_text(encoding="utf-8") + f"\n[engine]\nworkers = {workers}\n",
                      encoding="utf-8")
    ran: list[tuple[int, bool]] = []

    def stand_in(*args, statistics, **kwargs):
        ran.append(statistics.run(_preloaded))
        return SimpleNamespace(summary=_EMPTY_SUMMARY, outputs=[])

    monkeypatch.setattr(f"hotspotkaart.pipeline.{stage}", stand_in)
    assert main([command, "-c", str(config)]) == 0
    ((pid, loaded),) = ran
    if workers > 1 and parallel._can_fork():
        assert pid != os.getpid()  # a process of its own, which imported the stage's modules
        assert loaded
    else:
        assert pid == os.getpid()  # [engine] workers = 1: everything in this process


def test_internal_error_is_exit_one_without_traceback(config, monkeypatch, capsys):
    def boom(*args, **kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr("hotspotkaart.pipeline.build", boom)
    assert main(["build", "-c", str(config)]) == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: unexpected" in err
    assert "--debug" in err


def test_console_script_help_and_usage_errors():
    done = subprocess.run([sys.executable, "-m", "hotspotkaart.cli", "--help"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert "build" in done.stdout
    assert "check" in done.stdout
    done = subprocess.run([sys.executable, "-m", "hotspotkaart.cli", "frobnicate"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "invalid choice: 'frobnicate'" in done.stderr


def test_clashing_categories_are_exit_two_naming_the_file(config, tmp_path, capsys):
    text = (tmp_path / "m.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    lines[1] = lines[1].replace(";Jeugd;", ";Drugs overlast;")
    lines[2] = lines[2].replace(";Jeugd;", ";drugs-overlast;")
    (tmp_path / "m.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["build", "-c", str(config), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("hotspotkaart: error: ")]
    assert len(errors) == 1
    error = errors[0]
    assert "m.csv: the categories 'Drugs overlast' (row 2) and 'drugs-overlast' (row 3)" in error
    assert "in column 'soort'" in errors[0]
    assert "rename one of them" in errors[0]
    assert err.endswith(errors[0] + "\n")
    assert not (tmp_path / "o").exists()


def test_run_exits_with_the_status_of_main_and_freezes_the_heap(tmp_path, monkeypatch):
    import gc

    from hotspotkaart.cli import main as cli

    monkeypatch.setattr(sys, "argv", ["hotspotkaart", "build", "-c", str(tmp_path / "no.toml")])
    unused = [name for name in ("numba", "matplotlib") if name not in sys.modules]
    try:
        with pytest.raises(SystemExit) as stopped:
            cli.run()
        assert stopped.value.code == 2  # the missing config: a user error
        assert gc.get_freeze_count() > 0  # left out of the interpreter's last collection
    finally:
        gc.unfreeze()  # this test process goes on
        for name in unused:  # run() keeps these away from esda and mapclassify (tested below)
            sys.modules.pop(name, None)


def test_the_script_and_python_m_end_the_same_way(tmp_path):
    missing = str(tmp_path / "no.toml")
    for command in ([sys.executable, "-m", "hotspotkaart"],
                    [str(Path(sys.executable).with_name("hotspotkaart"))]):
        done = subprocess.run([*command, "check", "-c", missing], capture_output=True,
                              text=True, check=False)
        assert done.returncode == 2, command
        assert done.stderr.startswith("hotspotkaart: error:"), command


_NOTE_IMPORT = """
import os
with open(os.environ["IMPORT_MARKER"], "a", encoding="utf-8") as marker:
    marker.write(f"{__name__}\\n")
"""
_STUB_NUMBA = _NOTE_IMPORT + """

def jit(*args, **kwargs):  # compiles nothing: the decorated function as it is
    return args[0] if args and callable(args[0]) else (lambda function: function)


njit, prange, boolean = jit, range, bool
"""


@pytest.mark.parametrize("allowed", [False, True])
def test_the_program_keeps_numba_and_matplotlib_away_from_esda_and_mapclassify(
        config, tmp_path, allowed):
    # numba compiles esda's permutations again in every build (13 s) and mapclassify imports
    # matplotlib.pyplot for nothing (0.15-0.3 s); stand-ins that note each import show whether
    # esda and mapclassify were allowed to import them
    stub = tmp_path / "stub"
    (stub / "matplotlib").mkdir(parents=True)
    (stub / "numba.py").write_text(_STUB_NUMBA, encoding="utf-8")
    (stub / "matplotlib" / "__init__.py").write_text(_NOTE_IMPORT, encoding="utf-8")
    marker = tmp_path / "imported"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(stub), *sys.path]),
           "IMPORT_MARKER": str(marker)}
    env.pop("HOTSPOTKAART_NUMBA", None)
    if allowed:
        env["HOTSPOTKAART_NUMBA"] = "1"
    done = subprocess.run([sys.executable, "-m", "hotspotkaart", "check", "-c", str(config)],
                          env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "30 used" in done.stderr  # the Gi* and the class breaks ran
    imported = set(marker.read_text(encoding="utf-8").split()) if marker.exists() else set()
    assert imported == ({"numba"} if allowed else set())


def test_dates_that_cannot_tell_their_order_are_exit_two_naming_the_key(config, tmp_path,
                                                                         capsys):
    rows = ["id;datum;soort;x;y", *(f"A{i};{1 + i % 12:02d}/{1 + i // 12:02d}/2024;Jeugd;"
                                    "105000;425000" for i in range(60))]
    (tmp_path / "m.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["build", "-c", str(config), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "m.csv: cannot tell whether a date such as '01/01/2024'" in err
    assert "date_format" in err
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists()
