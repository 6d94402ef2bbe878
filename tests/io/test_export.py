"""The writers and the staged, atomic commit of :mod:`hotspotkaart.io.export`.

Whole builds killed or failing part-way are tested in ``test_faults.py``; these tests pin the
commit's rules on small folders.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

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


def test_csv_of_a_long_text_table_is_the_bytes_pandas_writes(tmp_path):
    # the text columns are neutralised per distinct value and the file is written through a
    # handle of its own (the byte order mark once): the bytes of to_csv on the neutralised
    # frame, with the mark once at the start and CRLF endings
    values = ["BU01", "=1+1", None, "-5", "Crabbehof", "BU01", "é;x", '"q"']
    frame = pd.DataFrame({
        "code": pd.array(values * 50, dtype="str"),
        "naam": pd.array(values[::-1] * 50, dtype="string"),
        "n": range(400),
    })
    path = tmp_path / "lang.csv"
    export.write_csv(path, frame)
    expected = frame.assign(**{
        c: pd.Series(export.neutralise(frame[c].to_numpy(dtype=object, na_value="")),
                     dtype=object) for c in ("code", "naam")})
    reference = tmp_path / "ref.csv"
    expected.to_csv(reference, **export.CSV_OPTIONS)
    data = path.read_bytes()
    assert data == reference.read_bytes()
    assert data.startswith(b'\xef\xbb\xbfcode;naam;n\r\nBU01;"""q""";0\r\n'
                           b"'=1+1;\"\xc3\xa9;x\";1\r\n;BU01;2\r\n")
    assert data.count(b"\xef\xbb\xbf") == 1


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


# -- the output folder stays the user's (#21 item 5) -----------------------------------------


def test_folders_keep_their_mode_and_a_setgid_folder_its_group(tmp_path):
    out = tmp_path / "kaarten"
    (out / "wijken").mkdir(parents=True)
    (out / "wijken").chmod(0o700)  # a private subfolder
    out.chmod(0o2750)  # a team folder: files and folders in it take its group
    group = out.stat().st_gid
    if os.geteuid() == 0:  # root can give the folder to a group of its own
        os.chown(out, -1, 4242)
        group = 4242
    with export.staged_outputs(out) as staging:
        _write(staging, "wijken/WK1.html", "nieuw")
        _write(staging, "camera/rapport.html", "nieuw")  # a folder the build makes
        _write(staging, "camera/kaarten/k1.html", "nieuw")  # and one in it
        _write(staging, "a.txt", "nieuw")
    assert stat.S_IMODE(out.stat().st_mode) == 0o2750
    assert out.stat().st_gid == group
    assert stat.S_IMODE((out / "wijken").stat().st_mode) == 0o700
    assert (out / "camera").stat().st_gid == group
    assert (out / "camera").stat().st_mode & stat.S_ISGID
    assert (out / "camera" / "kaarten").stat().st_gid == group
    assert (out / "camera" / "kaarten" / "k1.html").stat().st_gid == group  # in a new folder
    assert (out / "a.txt").stat().st_gid == group
    assert (out / "wijken" / "WK1.html").read_text(encoding="utf-8") == "nieuw"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a folder to another user")
def test_a_folder_owned_by_another_user_keeps_its_owner(tmp_path):
    out = tmp_path / "kaarten"
    (out / "wijken").mkdir(parents=True)
    os.chown(out, 4343, 4343)
    os.chown(out / "wijken", 4344, 4344)
    with export.staged_outputs(out) as staging:
        _write(staging, "wijken/WK1.html", "nieuw")
    assert (out.stat().st_uid, out.stat().st_gid) == (4343, 4343)
    assert ((out / "wijken").stat().st_uid, (out / "wijken").stat().st_gid) == (4344, 4344)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a folder to another user")
def test_a_folder_whose_owner_cannot_be_kept_gets_the_files_one_by_one(tmp_path, monkeypatch):
    out = tmp_path / "kaarten"
    out.mkdir()
    (out / "a.txt").write_text("oud", encoding="utf-8")
    os.chown(out, 4343, 4343)  # a colleague's folder, writable for this user
    inode = out.stat().st_ino

    def refuse(path, uid, gid):  # what a user who is not root gets
        raise PermissionError(1, "Operation not permitted", str(path))

    monkeypatch.setattr(os, "lchown", refuse)
    with export.staged_outputs(out) as staging:
        _write(staging, "a.txt", "nieuw")
    assert out.stat().st_ino == inode  # the folder itself stays the colleague's
    assert (out.stat().st_uid, out.stat().st_gid) == (4343, 4343)
    assert (out / "a.txt").read_text(encoding="utf-8") == "nieuw"
    assert not list(tmp_path.glob(f"{STAGING}*"))


def test_a_process_working_in_the_folder_stays_in_it(tmp_path):
    if not Path("/proc/self/cwd").exists():
        pytest.skip("no /proc: the working folders of processes are not known")
    out = tmp_path / "kaarten"
    out.mkdir()
    (out / "a.txt").write_text("oud", encoding="utf-8")
    server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], cwd=out)
    try:
        with export.staged_outputs(out) as staging:
            _write(staging, "a.txt", "nieuw")
        cwd = os.readlink(f"/proc/{server.pid}/cwd")
        assert cwd == str(out.resolve())  # not "… (deleted)"
        assert (out / "a.txt").read_text(encoding="utf-8") == "nieuw"
    finally:
        server.kill()
        server.wait()


def test_a_move_across_file_systems_copies_the_file_whole(tmp_path, monkeypatch):
    source, target = tmp_path / "staging" / "a.html", tmp_path / "mount" / "a.html"
    source.parent.mkdir()
    target.parent.mkdir()
    source.write_text("nieuw", encoding="utf-8")
    target.write_text("oud", encoding="utf-8")
    real = os.replace

    def replace(src, dst):  # as the kernel does between two file systems
        if Path(src).parent.name != Path(dst).parent.name:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    export._move_into(source, target)
    assert target.read_text(encoding="utf-8") == "nieuw"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.html"]  # no temporary left


@pytest.fixture
def tmpfs(tmp_path):
    """``mount(path, size)``: a small RAM file system at ``path``; skipped where not allowed."""
    mounted = []

    def mount(path, size):
        path.mkdir(parents=True, exist_ok=True)
        if shutil.which("mount") is None or os.geteuid() != 0:
            pytest.skip("mounting a file system needs root and mount(8)")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                              capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr!r}")
        mounted.append(path)
        return path

    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_an_output_folder_that_is_a_mount_point_is_written_file_by_file(tmp_path, tmpfs):
    out = tmpfs(tmp_path / "usb", "8m")
    (out / "wijken").mkdir()
    (out / "eigen.txt").write_text("van de gebruiker", encoding="utf-8")
    (out / "a.txt").write_text("oud", encoding="utf-8")
    with export.staged_outputs(out) as staging:
        _write(staging, "a.txt", "nieuw")
        _write(staging, "wijken/WK1.html", "nieuw")
    assert os.path.ismount(out)  # still the mount, not a folder put over it
    assert (out / "a.txt").read_text(encoding="utf-8") == "nieuw"
    assert (out / "wijken" / "WK1.html").read_text(encoding="utf-8") == "nieuw"
    assert (out / "eigen.txt").read_text(encoding="utf-8") == "van de gebruiker"
    assert not [p for p in out.rglob("*") if "hotspotkaart-tmp" in p.name]
    assert not list(tmp_path.glob(f"{STAGING}*"))


def test_a_disk_that_fills_up_during_the_build_is_one_sentence(tmp_path, tmpfs, capsys):
    from hotspotkaart.cli.main import main
    from tests.helpers.project import REPO_ROOT

    disk = tmpfs(tmp_path / "disk", "6m")  # room for the pages, not for the GeoPackage
    out = disk / "kaarten"
    out.mkdir()
    (out / "vorige.txt").write_text("de vorige kaarten", encoding="utf-8")
    code = main(["build", "-q", "-c", str(REPO_ROOT / "hotspotkaart.toml"), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert re.search(r"cannot write \S+ to .*kaarten: the disk is full \(\d+\.\d MB free "
                     r"there\); make room or choose another --out", err), err
    assert "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == ["vorige.txt"]  # as it was
    assert not list(disk.glob(f"{STAGING}*"))


def _pandas_bytes(frame: pd.DataFrame, tmp_path) -> bytes:
    """The bytes of pandas' own to_csv on write_csv's text of ``frame`` (the reference)."""
    reference = tmp_path / "reference.csv"
    export._csv_text(frame.copy()).to_csv(reference, **export.CSV_OPTIONS)
    return reference.read_bytes()


def _when_like(rows: int) -> pd.DataFrame:
    """A table shaped like tijden.csv: text codes, whole numbers, empty weekday and hour."""
    rng = np.random.default_rng(7)
    hour = pd.array(rng.integers(0, 24, rows), dtype="Int64")
    hour[rng.random(rows) < 0.1] = pd.NA
    return pd.DataFrame({
        "area_type": pd.array(rng.choice(["stad", "wijk", "buurt"], rows), dtype="str"),
        "area_code": pd.array(rng.choice(["", "WK050501", "BU05050101", "=1+1"], rows),
                              dtype="string"),
        "period": np.full(rows, 2024), "hour": hour,
        "count": rng.integers(0, 1000, rows), "share": rng.random(rows)})


def test_csv_of_plain_text_and_numbers_is_written_by_arrow_as_pandas_would(tmp_path,
                                                                           monkeypatch):
    frame = _when_like(5000)
    written: list[object] = []
    real = export.pa_csv.write_csv
    monkeypatch.setattr(export.pa_csv, "write_csv", lambda *a, **k: (written.append(a),
                                                                    real(*a, **k)))
    path = tmp_path / "tijden.csv"
    export.write_csv(path, frame)
    assert len(written) == 1  # the fast way
    assert path.read_bytes() == _pandas_bytes(frame, tmp_path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfarea_type;area_code;period;hour;count;")


@pytest.mark.parametrize("odd", ["a;b", 'say "x"', "two\nlines", True])
def test_csv_with_a_cell_arrow_cannot_write_plainly_is_written_by_pandas(tmp_path, odd):
    frame = _when_like(5000)
    column = pd.Series(["BU01"] * len(frame), dtype=object)
    column[4000] = odd  # after Arrow wrote its first batches
    frame["naam"] = column if not isinstance(odd, bool) else [odd] * len(frame)
    path = tmp_path / "odd.csv"
    export.write_csv(path, frame)
    assert path.read_bytes() == _pandas_bytes(frame, tmp_path)


@pytest.mark.parametrize("extra", ["'=1+1", "a;b"])
def test_csv_of_a_table_with_coded_texts_is_the_csv_of_its_texts(tmp_path, monkeypatch, extra):
    # the when-tables hold their texts as categories (engine.counting.compact); "'=1+1" meets
    # the neutralised "=1+1", "a;b" needs quotes and so pandas
    texts = _when_like(3000)
    texts.loc[5, "area_code"] = extra
    texts.loc[6, "area_code"] = pd.NA
    coded = texts.astype({"area_type": "category", "area_code": "category"})
    written: list[object] = []
    real = export.pa_csv.write_csv
    monkeypatch.setattr(export.pa_csv, "write_csv", lambda *a, **k: (written.append(a),
                                                                    real(*a, **k)))
    export.write_csv(tmp_path / "texts.csv", texts)
    export.write_csv(tmp_path / "coded.csv", coded)
    assert (tmp_path / "coded.csv").read_bytes() == (tmp_path / "texts.csv").read_bytes()
    assert len(written) == 2  # both given to Arrow (which gives "a;b" back to pandas)
    back = pd.read_csv(tmp_path / "coded.csv", sep=";", encoding="utf-8-sig", dtype=str,
                       keep_default_na=False)["area_code"]
    assert back[5] == extra
    assert back[6] == ""
    assert set(back[texts["area_code"] == "=1+1"]) == {"'=1+1"}


@pytest.mark.parametrize("dtype", ["str", "category"])
def test_csv_of_a_text_column_without_any_text_is_empty_cells(tmp_path, dtype):
    frame = pd.DataFrame({"name": pd.Series([None, None], dtype=dtype), "n": [1, 2]})
    export.write_csv(tmp_path / "leeg.csv", frame)
    assert (tmp_path / "leeg.csv").read_bytes() == _pandas_bytes(
        frame.astype({"name": object}), tmp_path)
