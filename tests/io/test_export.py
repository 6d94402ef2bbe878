"""The writers and the staged, atomic commit of :mod:`hotspotkaart.io.export`.

Whole builds killed or failing part-way are tested in ``test_faults.py``; these tests pin the
commit's rules on small folders.
"""

from __future__ import annotations

import json
import math
import stat
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from hotspotkaart._errors import OutputError
from hotspotkaart.io import export

STAGING = ".hotspotkaart-staging-"


def _write(staging: export.Staging, name: str, text: str) -> None:
    staging.path(name).write_text(text, encoding="utf-8")


def test_commit_replaces_written_files_and_keeps_the_rest(tmp_path):
    out = tmp_path / "kaarten"
    (out / "wijken").mkdir(parents=True)
    (out / "README.md").write_text("eigen tekst", encoding="utf-8")
    (out / "wijken" / "WK1.html").write_text("oud 1", encoding="utf-8")
    (out / "wijken" / "WK2.html").write_text("oud 2", encoding="utf-8")
    with export.staged_outputs(out) as staging:
        _write(staging, "wijken/WK1.html", "nieuw 1")
    assert (out / "wijken" / "WK1.html").read_text(encoding="utf-8") == "nieuw 1"
    assert (out / "wijken" / "WK2.html").read_text(encoding="utf-8") == "oud 2"
    assert (out / "README.md").read_text(encoding="utf-8") == "eigen tekst"
    assert not list(tmp_path.glob(f"{STAGING}*"))


def test_commit_swaps_the_folder_in_one_step_on_linux(tmp_path):
    if export._renameat2() is None:
        pytest.skip("renameat2 is not available on this system")
    out = tmp_path / "kaarten"
    out.mkdir()
    (out / "a.txt").write_text("oud", encoding="utf-8")
    inode = out.stat().st_ino
    with export.staged_outputs(out) as staging:
        _write(staging, "a.txt", "nieuw")
    assert out.stat().st_ino != inode  # a new folder took the old one's place
    assert (out / "a.txt").read_text(encoding="utf-8") == "nieuw"


def test_the_output_folder_keeps_its_permissions(tmp_path):
    out = tmp_path / "kaarten"
    out.mkdir()
    out.chmod(0o755)
    with export.staged_outputs(out) as staging:
        _write(staging, "a.txt", "x")
    assert stat.S_IMODE(out.stat().st_mode) == 0o755


def test_a_symlinked_output_folder_stays_a_link(tmp_path):
    real = tmp_path / "echt"
    real.mkdir()
    link = tmp_path / "kaarten"
    link.symlink_to(real, target_is_directory=True)
    with export.staged_outputs(link) as staging:
        _write(staging, "a.txt", "x")
    assert link.is_symlink()
    assert (real / "a.txt").read_text(encoding="utf-8") == "x"


def test_a_failing_block_leaves_nothing_behind(tmp_path):
    out = tmp_path / "kaarten"
    out.mkdir()
    (out / "a.txt").write_text("oud", encoding="utf-8")

    def half_written() -> None:
        with export.staged_outputs(out) as staging:
            _write(staging, "a.txt", "half")
            raise OSError("schijf vol")

    with pytest.raises(OutputError, match=r"cannot write the outputs to .*kaarten: schijf vol"):
        half_written()
    assert (out / "a.txt").read_text(encoding="utf-8") == "oud"
    assert not list(tmp_path.glob(f"{STAGING}*"))


def test_stale_staging_is_removed_unless_its_build_still_runs(tmp_path):
    out = tmp_path / "kaarten"
    out.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                                  capture_output=True, text=True, check=True)
        dead = tmp_path / f"{STAGING}kaarten-{finished.stdout.strip()}-abc123"
        alive = tmp_path / f"{STAGING}kaarten-{sleeper.pid}-def456"
        other = tmp_path / f"{STAGING}kaarten-2024-{finished.stdout.strip()}-ghi789"
        for folder in (dead, alive, other):
            folder.mkdir()
        with export.staged_outputs(out) as staging:
            _write(staging, "a.txt", "x")
        assert not dead.exists()
        assert alive.exists()  # a concurrent build's staging is left alone
        assert other.exists()  # the staging of the output folder "kaarten-2024"
    finally:
        sleeper.kill()
        sleeper.wait()


def test_the_output_folder_must_be_creatable(tmp_path):
    blocker = tmp_path / "bestand"
    blocker.write_text("geen map", encoding="utf-8")
    with pytest.raises(OutputError, match=r"cannot create the output folder .*bestand/kaarten"):
        _enter(blocker / "kaarten")


def test_json_is_strict_and_stable(tmp_path):
    path = tmp_path / "s.json"
    export.write_json(path, {"b": math.nan, "a": [1.5, math.inf], "c": pd.Timestamp("2024-02-29")})
    text = path.read_text(encoding="utf-8")
    assert json.loads(text) == {"b": None, "a": [1.5, None], "c": "2024-02-29T00:00:00"}
    assert "NaN" not in text
    assert "Infinity" not in text


def test_csv_opens_in_dutch_excel(tmp_path):
    path = tmp_path / "t.csv"
    export.write_csv(path, pd.DataFrame({"naam": ["Crabbehof"], "aantal": [3],
                                         "geometry": [None]}))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig") == "naam;aantal\r\nCrabbehof;3\r\n"


def test_a_parent_that_refuses_the_staging_folder_is_a_clear_error(tmp_path, monkeypatch):
    def refuse(**kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(export.tempfile, "mkdtemp", refuse)
    with pytest.raises(OutputError,
                       match=r"cannot write beside the output folder .*kaarten: Permission denied"):
        _enter(tmp_path / "kaarten")


def _enter(out):
    with export.staged_outputs(out):
        pass


def test_csv_values_are_written_as_pandas_formats_them(tmp_path):
    # write_csv formats floats and text itself (pandas does it value by value); the bytes must
    # be those of pandas' own float_format and na_rep
    floats = [0.1, 1 / 3, -0.0, 1e-12, 123456789.0, math.inf, -math.inf, math.nan, 2.5, 7.0]
    frame = pd.DataFrame({
        "f": floats,
        "f32": np.array(floats, dtype=np.float32),
        "naam": pd.array(["a;b", None, "Crabbehof", "é", "x", "", "y", "z", "q", '"'],
                         dtype="string"),
        "text": ["a", None, "b", "c", "d", "e", "f", "g", "h", "i"],  # pandas' default str
        "n": range(10),
        "obj": ["a", None, 1.5, "b", "c", "d", "e", "f", "g", "h"],
    })
    path = tmp_path / "f.csv"
    export.write_csv(path, frame)
    expected = frame.to_csv(**{**export.CSV_OPTIONS, "encoding": None})
    assert path.read_bytes().decode("utf-8-sig") == expected
    assert frame["f"].dtype == np.float64  # the caller's frame is left as it was


def test_csv_text_that_starts_like_a_formula_is_neutralised(tmp_path):
    payloads = ["=HYPERLINK(\"http://x\",\"klik\")", "=cmd|' /C calc'!A0", "@SUM(1+1)",
                "+31612345678", "-1+2", "\tTAB", "@x"]
    frame = pd.DataFrame({
        "id": pd.array(payloads, dtype="string"),
        "reason": payloads,  # plain object column
        "safe": ["Jeugd", "a=b", "x@y", "1-2", "5", "", None],
        "pct_change": [-12.5, 3.0, -0.0, 1.0, -3.0, 2.0, math.nan],  # numbers stay numbers
        "n": [-1, 2, 3, 4, 5, 6, 7],
    })
    path = tmp_path / "t.csv"
    export.write_csv(path, frame)
    back = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    for column in ("id", "reason"):
        assert back[column].tolist() == ["'" + p for p in payloads]
        assert not any(v.startswith(export.FORMULA_STARTS) for v in back[column])
    assert back["safe"].tolist() == ["Jeugd", "a=b", "x@y", "1-2", "5", "", ""]
    assert back["pct_change"].tolist()[:3] == ["-12.5", "3", "-0"]
    assert back["n"].tolist()[0] == "-1"
    assert frame["id"].iloc[0] == payloads[0]  # the caller's frame is not changed
    assert export.neutralise(np.array(["\rCR", 5, None], dtype=object)).tolist() == [
        "'\rCR", 5, None]


def _build_outputs(out, names, *, prune):
    with export.staged_outputs(out, prune=prune) as staging:
        for name in names:
            staging.path(name).write_text(name, encoding="utf-8")


@pytest.mark.parametrize("atomic", [True, False])
def test_outputs_a_complete_build_no_longer_makes_are_removed(tmp_path, monkeypatch, atomic):
    if not atomic:
        monkeypatch.setattr(export, "_exchange", lambda folder, out_dir: False)
    out = tmp_path / "maps"
    _build_outputs(out, ["index.html", "wijken/WK01.html", "wijken/WK02.html"], prune=True)
    (out / "notities.txt").write_text("mine", encoding="utf-8")  # not the tool's
    (out / "wijken" / "eigen.html").write_text("mine", encoding="utf-8")
    # a partial build (one wijk) keeps the other pages
    _build_outputs(out, ["wijken/WK01.html"], prune=False)
    assert (out / "wijken" / "WK02.html").exists()
    # a complete build without WK02 removes its page, and only the tool's own files
    _build_outputs(out, ["index.html", "wijken/WK01.html"], prune=True)
    assert not (out / "wijken" / "WK02.html").exists()
    assert (out / "wijken" / "WK01.html").exists()
    assert (out / "notities.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "wijken" / "eigen.html").exists()
    assert json.loads((out / export.MANIFEST).read_text(encoding="utf-8")) == [
        "index.html", "wijken/WK01.html"]


def test_a_tampered_list_of_outputs_removes_nothing_outside(tmp_path):
    out = tmp_path / "maps"
    outside = tmp_path / "keep.txt"
    outside.write_text("x", encoding="utf-8")
    out.mkdir()
    (out / export.MANIFEST).write_text(json.dumps(["../keep.txt", str(outside), 5]),
                                       encoding="utf-8")
    _build_outputs(out, ["index.html"], prune=True)
    assert outside.exists()


def test_a_carriage_return_inside_a_text_is_quoted_and_read_back_whole(tmp_path):
    import csv

    frame = pd.DataFrame({"naam": ["Plein\rWest", "Kade\nOost", "Markt\r\nNoord", "gewoon"],
                          "n": [1, 2, 3, 4]})
    export.write_csv(tmp_path / "t.csv", frame)
    with (tmp_path / "t.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows == [["naam", "n"], ["Plein\rWest", "1"], ["Kade\nOost", "2"],
                    ["Markt\r\nNoord", "3"], ["gewoon", "4"]]
    back = pd.read_csv(tmp_path / "t.csv", sep=";")
    assert back["naam"].tolist() == frame["naam"].tolist()
