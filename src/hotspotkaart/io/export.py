"""Write every output, atomically.

All files of a build are first written into a staging folder beside the output folder. On commit,
the files of the output folder that this build does not replace (a ``README``, the maps that
``--only`` leaves alone, a ``camera/`` folder) are hard-linked into the staging folder, which then
trades places with the output folder in one atomic ``renameat2(RENAME_EXCHANGE)`` call (Linux). A
build that fails or is killed at any moment therefore leaves the previous outputs as one intact,
readable set, or the new outputs as one complete set, never a mix; and never a temporary file
inside the output folder. The new folders take the mode, owner and group of those they replace.

Where the exchange is not available (another system, a file system that refuses it, an output
folder that is a mount point, a process working in the folder, a folder owned by another user
that this process may not give away) each file is moved in on its own (:func:`os.replace`, or a
copy renamed into place across file systems): every file is then whole, the old or the new one,
but a failure part-way can leave a mix. The folders themselves then stay as they are.

Staging folders left by killed builds are removed at the next build, unless the process that made
them is still running.
"""

from __future__ import annotations

import ctypes
import errno
import json
import logging
import math
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from hotspotkaart._errors import OutputError

__all__ = [
    "FORMULA_STARTS",
    "MANIFEST",
    "Staging",
    "check_output_folder",
    "neutralise",
    "output_failure",
    "staged_outputs",
    "write_csv",
    "write_json",
]

logger = logging.getLogger(__name__)

_STAGING_PREFIX = ".hotspotkaart-staging-"

#: CSV dialect of every table, for scripts (sep=";", decimal point); people open the workbook.
#: Records end in CRLF (RFC 4180): the writer then quotes every text that holds a carriage
#: return or a line feed, so a CR inside a name cannot split its record for a reader.
CSV_OPTIONS: dict[str, Any] = {"sep": ";", "encoding": "utf-8-sig", "index": False,
                               "lineterminator": "\r\n", "float_format": "%.6g"}


#: The list of the files a build wrote, kept in the output folder for the next build.
MANIFEST = ".hotspotkaart-outputs.json"


class Staging:
    """A staging folder that replaces the output folder's files on commit.

    With ``prune`` (a complete build), files an earlier build wrote (listed in :data:`MANIFEST`)
    that this build no longer makes, such as the page of a wijk that disappeared, are removed
    instead of kept with old figures; files the tool did not write are always kept.
    """

    def __init__(self, folder: Path, out_dir: Path, *, prune: bool = False) -> None:
        self.folder = folder
        self.out_dir = out_dir
        self.prune = prune
        self.written: list[str] = []

    def path(self, name: str) -> Path:
        """Return the staging path for output ``name`` (may contain sub-folders).

        Raises
        ------
        ValueError
            If ``name`` would leave the staging folder (an absolute path, ``..``): names that
            come from data are made safe before (:func:`hotspotkaart._naming.file_stems`), so
            this is a bug, and nothing is written.
        """
        target = self.folder / name
        if Path(name).is_absolute() or ".." in Path(name).parts or not str(
                target.resolve()).startswith(str(self.folder.resolve()) + os.sep):
            msg = f"output name {name!r} leaves the output folder"
            raise ValueError(msg)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.written.append(name)
        return target

    def commit(self) -> list[Path]:
        """Put the staged files in place, all at once where the system allows; return them.

        After an atomic exchange the staging folder holds the previous outputs; the caller
        removes it.
        """
        written = set(self.written)
        previous = _read_manifest(self.out_dir)
        stale = previous - written if self.prune else set()
        (self.folder / MANIFEST).write_text(
            json.dumps(sorted(written | (previous - stale)), indent=0), encoding="utf-8")
        why = _why_not_exchange(self.out_dir, self.folder)
        if why is None:
            _carry_over(self.out_dir, self.folder, written | stale | {MANIFEST})
            why = _match_folders(self.out_dir, self.folder, self.written)
        if why is None and _exchange(self.folder, self.out_dir):
            _rescue_late_files(self.folder, self.out_dir, stale)
        else:
            logger.info("moving the outputs into %s one by one: %s", self.out_dir,
                        why or "the system cannot exchange folders")
            for name in [*self.written, MANIFEST]:
                _move_into(self.folder / name, self.out_dir / name)
            for name in stale:
                (self.out_dir / name).unlink(missing_ok=True)
        if stale:
            logger.info("removed %d outputs of an earlier build that this one no longer makes",
                        len(stale))
        return [self.out_dir / name for name in self.written]


@contextmanager
def staged_outputs(out_dir: Path, *, prune: bool = False) -> Iterator[Staging]:
    """Stage outputs beside ``out_dir`` and put them in place when the block succeeds.

    Parameters
    ----------
    out_dir : Path
        The output folder; created when missing. A symbolic link is followed: the folder it
        points at receives the outputs.
    prune : bool, default False
        Remove the outputs of an earlier build that this one no longer makes (a complete
        build); see :class:`Staging`.

    Yields
    ------
    Staging
        Call :meth:`Staging.path` for each output file to write.

    Raises
    ------
    OutputError
        If the output folder cannot be created or written, or is a root or home folder (the
        build replaces the files of its output folder, so it must be a folder of its own).
    """
    check_output_folder(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        out_dir = out_dir.resolve()
    except OSError as exc:
        msg = f"cannot create the output folder {out_dir}: {exc.strerror}"
        raise OutputError(msg) from None
    _remove_stale_staging(out_dir)
    try:
        folder = Path(tempfile.mkdtemp(
            prefix=f"{_STAGING_PREFIX}{out_dir.name}-{os.getpid()}-", dir=out_dir.parent))
    except OSError as exc:
        msg = f"cannot write beside the output folder {out_dir}: {exc.strerror or exc}"
        raise OutputError(msg) from None
    try:
        staging = Staging(folder, out_dir, prune=prune)
        yield staging
        staging.commit()
    except OSError as exc:
        raise OutputError(_write_sentence(out_dir, exc)) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


#: Error numbers that mean the disk (or the user's quota, or a file size limit) is full.
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def output_failure(path: Path, exc: Exception) -> OSError:
    """Turn a library's failure to write ``path`` (GDAL, SQLite, XlsxWriter) into an OSError.

    The writers raise it, so the build ends with the one sentence of
    :func:`staged_outputs`; a disk that filled up is told apart from other failures, as the
    libraries word it differently at each step where the space ran out.
    """
    cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else exc
    code = getattr(cause, "errno", None)
    text = str(cause)
    try:
        # the libraries clean up after the failure, so some space is free again when asked
        nearly_full = shutil.disk_usage(path.parent).free < 10_000_000
    except OSError:
        nearly_full = False
    if code not in _FULL and (nearly_full or "disk is full" in text or "No space" in text):
        code = errno.ENOSPC
    return OSError(code or errno.EIO, os.strerror(code) if code else text, str(path))


def _write_sentence(out_dir: Path, exc: OSError) -> str:
    """Say which output could not be written to ``out_dir`` and why, with what to do."""
    what = Path(exc.filename).name if exc.filename else "the outputs"
    if exc.errno in _FULL:
        try:
            free = f"{shutil.disk_usage(out_dir).free / 1e6:.1f} MB"
        except OSError:
            free = "too little"
        return (f"cannot write {what} to {out_dir}: the disk is full ({free} "
                f"free there); make room or choose another --out. The previous outputs are "
                f"unchanged")
    return f"cannot write {what} to {out_dir}: {exc.strerror or exc}"


def _read_manifest(out_dir: Path) -> set[str]:
    """Return the outputs an earlier build listed in ``out_dir`` (empty when none or unreadable).

    Only plain relative names inside the folder are taken, so a tampered list cannot make a
    build remove anything outside it.
    """
    try:
        names = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    if not isinstance(names, list):
        return set()
    return {n for n in names if isinstance(n, str) and n and not Path(n).is_absolute()
            and ".." not in Path(n).parts}


def _carry_over(out_dir: Path, folder: Path, written: set[str]) -> None:
    """Hard-link (or copy) every file of ``out_dir`` that the build does not replace."""
    for root, dirs, files in os.walk(out_dir):
        rel = Path(root).relative_to(out_dir)
        for name in dirs:
            source = Path(root) / name
            if source.is_symlink():
                _link_or_copy(source, folder / rel / name)
            else:
                (folder / rel / name).mkdir(exist_ok=True)
        for name in files:
            if (rel / name).as_posix() not in written:
                _link_or_copy(Path(root) / name, folder / rel / name)


def _link_or_copy(source: Path, target: Path) -> None:
    if target.exists() or target.is_symlink():
        return
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _why_not_exchange(out_dir: Path, folder: Path) -> str | None:
    """Say why the staging folder cannot take the output folder's place; None when it can.

    Not on another file system (an output folder that is a mount point: a share, a USB stick, a
    docker volume), and not while a process works in the folder (a shell, ``python -m
    http.server``): it would be left in a deleted folder.
    """
    if out_dir.stat().st_dev != folder.stat().st_dev:
        return "it is on another file system than its parent folder (a mount point)"
    user = _process_in(out_dir)
    if user is not None:
        return f"process {user} works in it"
    return None


def _process_in(out_dir: Path) -> int | None:
    """Return the id of a process whose working folder is in ``out_dir`` (Linux), or None."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    inside = str(out_dir) + os.sep
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:  # gone, or another user's
            continue
        if cwd == str(out_dir) or cwd.startswith(inside):
            return int(entry.name)
    return None


def _match_folders(out_dir: Path, folder: Path, written: list[str]) -> str | None:
    """Give the staging folders the mode, owner and group of the folders they replace.

    A new folder, and a written file, in a set-group-ID folder gets that folder's group, as
    the system would give it there. Returns why this is not possible (the owner of a folder is
    another user and this process may not give it away), or None when all is matched.
    """
    for root, _dirs, _files in os.walk(folder):
        rel = Path(root).relative_to(folder)
        original = out_dir / rel
        try:
            if original.is_dir() and not original.is_symlink():
                info = original.stat()
                os.chmod(root, stat.S_IMODE(info.st_mode))
                _give(Path(root), info.st_uid, info.st_gid)
            else:
                above = Path(root).parent.stat()  # matched already: the walk is top-down
                if above.st_mode & stat.S_ISGID:
                    _give(Path(root), -1, above.st_gid)
                    os.chmod(root, stat.S_IMODE(os.stat(root).st_mode) | stat.S_ISGID)
        except PermissionError:
            return f"its folder {original} belongs to another user or group"
    for name in written:  # each in its staging folder, matched above
        parent = (folder / name).parent.stat()
        if parent.st_mode & stat.S_ISGID:
            try:
                _give(folder / name, -1, parent.st_gid)
            except PermissionError:
                return f"its folder {(out_dir / name).parent} belongs to a group this user is " \
                       "not in"
    return None


def _give(path: Path, uid: int, gid: int) -> None:
    """Change the owner (``uid``) and group (``gid``) of ``path`` where they differ (-1: keep)."""
    info = path.lstat()
    uid = -1 if uid in (-1, info.st_uid) else uid
    gid = -1 if gid in (-1, info.st_gid) else gid
    if uid != -1 or gid != -1:
        os.lchown(path, uid, gid)


def _move_into(source: Path, target: Path) -> None:
    """Move ``source`` to ``target``, replacing it whole; across file systems by a copy.

    On another file system the file is first copied beside its target under a temporary name
    and then renamed over it, so a reader never sees half a file.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        temporary = target.with_name(f".{target.name}.{os.getpid()}.hotspotkaart-tmp")
        try:
            shutil.copy2(source, temporary)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders atomically; return False where the system cannot.

    Raises
    ------
    OSError
        If the exchange is possible in principle but fails (permissions, I/O).
    """
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second),
                 rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EXDEV, errno.EBUSY):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _renameat2() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def _rescue_late_files(old: Path, out_dir: Path, stale: set[str]) -> None:
    """Move files that appeared in the output folder during the commit into the new one.

    The ``stale`` outputs of an earlier build were left behind on purpose and stay there.
    """
    for root, _dirs, files in os.walk(old):
        rel = Path(root).relative_to(old)
        for name in files:
            if (rel / name).as_posix() in stale:
                continue
            target = out_dir / rel / name
            if not target.exists() and not target.is_symlink():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(Path(root) / name, target)


def _remove_stale_staging(out_dir: Path) -> None:
    prefix = f"{_STAGING_PREFIX}{out_dir.name}-"
    for stale in out_dir.parent.glob(f"{prefix}*"):
        owner = re.fullmatch(r"(\d+)-\w+", stale.name[len(prefix):])
        if owner is None or not stale.is_dir():  # another output folder's, or not ours
            continue
        if _running(int(owner.group(1))):
            logger.info("leaving %s: the build that writes it is still running", stale)
            continue
        logger.info("removing %s left by an interrupted build", stale)
        shutil.rmtree(stale, ignore_errors=True)


def _running(pid: int) -> bool:
    """Whether another process with id ``pid`` is running."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as stable, readable, strict UTF-8 JSON (NaN and infinity become null)."""
    text = json.dumps(_strict(data), ensure_ascii=False, indent=2, default=_json_default,
                      allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def _strict(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        return _strict(value.item())
    return value


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    msg = f"cannot write {type(value).__name__} to JSON"
    raise TypeError(msg)


def check_output_folder(out_dir: Path) -> None:
    """Refuse ``--out /``, a drive root or the home folder: an output folder is the tool's own.

    Raises
    ------
    OutputError
        If ``out_dir`` is a root or the home folder.
    """
    resolved = out_dir.expanduser().resolve()
    root = resolved == Path(resolved.anchor)
    if root or resolved == Path.home().resolve():
        what = "the root" if root else "your home folder"
        msg = (f"the output folder {out_dir} is {what}; choose a folder of its own, such as "
               "maps/ (the build replaces the files it writes there)")
        raise OutputError(msg)


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """Write a table with :data:`CSV_OPTIONS`; a geometry column is left out."""
    table = _csv_text(pd.DataFrame(frame.drop(columns="geometry", errors="ignore")))
    if _arrow_csv(path, table):
        return
    options = {k: v for k, v in CSV_OPTIONS.items() if k != "encoding"}
    with path.open("w", encoding="utf-8", newline="") as handle:
        # utf-8-sig's byte order mark, written once: that codec's encoder is Python code, which
        # pandas called once per row (0.7 s of 3.4 s for 2.2 M rows of tijden.csv)
        handle.write("\ufeff")
        table.to_csv(handle, **options)


def _arrow_csv(path: Path, table: pd.DataFrame) -> bool:
    """Write ``table`` with Arrow's CSV writer where that gives the bytes pandas writes.

    That holds for a table of text (made by :func:`_csv_text`) and whole numbers in which no
    cell needs quotes: Arrow writes such cells as pandas does, several times faster (the
    millions of rows of ``tijden.csv``). A cell that needs quotes (a ``;``, ``"`` or line
    break) makes Arrow stop (quoting style ``none``); False is returned then, as for any other
    column type (booleans, dates), and pandas writes the file.
    """
    plain = all(t.kind in "iuO" if isinstance(t, np.dtype)
                else isinstance(t, pd.Int64Dtype | pd.Int32Dtype | pd.CategoricalDtype)
                for t in table.dtypes)
    if not plain:
        return False
    try:
        arrow = pa.Table.from_pandas(table, preserve_index=False)
        if not all(_plain_arrow(t) for t in arrow.schema.types):  # e.g. booleans in objects
            return False
        options = pa_csv.WriteOptions(delimiter=str(CSV_OPTIONS["sep"]),
                                      eol=str(CSV_OPTIONS["lineterminator"]),
                                      quoting_style="none", quoting_header="none")
        with path.open("wb") as handle:
            handle.write("\ufeff".encode())
            pa_csv.write_csv(arrow, handle, write_options=options)
    except (TypeError, pa.ArrowException):  # TypeError: a pyarrow without ``eol``
        return False
    return True


def _plain_arrow(dtype: pa.DataType) -> bool:
    """Whether Arrow writes a column of ``dtype`` as pandas does: text, whole numbers, codes."""
    if pa.types.is_dictionary(dtype):
        return pa.types.is_string(dtype.value_type) or pa.types.is_large_string(dtype.value_type)
    return pa.types.is_string(dtype) or pa.types.is_integer(dtype) or pa.types.is_null(dtype)


#: The first characters that make a spreadsheet read a cell as a formula or a number (OWASP
#: "CSV injection"): a text cell starting with one gets a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(values: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Prefix every text value that starts like a formula with ``'`` (OWASP's rule).

    ``=HYPERLINK(…)``, ``@SUM(…)`` or ``+31612345678`` in a text column would become a live formula
    or a number when a colleague opens the CSV in Excel or LibreOffice; with the apostrophe they
    stay the text they were. Numbers (not text) are never changed. A new array is returned.
    """
    out = np.array(values, dtype=object, copy=True)
    for i, value in enumerate(out):
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            out[i] = "'" + value
    return out


def _csv_text(table: pd.DataFrame) -> pd.DataFrame:
    """Turn the float and text columns of ``table`` into the strings ``to_csv`` would write.

    pandas formats a float column with ``float_format`` one value at a time through its own
    formatter, and walks Arrow-backed text element by element. Made here in one pass per
    column, the same text is written faster (measured in ``benchmarks/README.md``); a text
    column (area codes, categories, area types in millions of rows of ``tijden.csv``) is
    written coded, each distinct text neutralised once. Text cells that start like a formula
    are neutralised (:func:`neutralise`). ``table`` (write_csv's own
    frame) is changed and returned.
    """
    form = str(CSV_OPTIONS["float_format"])
    for name, column in list(table.items()):
        if isinstance(column.dtype, np.dtype) and column.dtype.kind == "f":
            values = column.to_numpy()
            text = np.array([form % v for v in values.tolist()], dtype=object)
            text[np.isnan(values)] = ""  # pandas' na_rep
        elif isinstance(column.dtype, pd.StringDtype | pd.CategoricalDtype):  # few texts
            coded = column if isinstance(column.dtype, pd.CategoricalDtype) else \
                column.astype("category")
            table[name] = _neutral_categories(coded)
            continue
        elif column.dtype == object:
            text = neutralise(column.to_numpy(dtype=object))
        else:
            continue
        table[name] = pd.Series(text, index=table.index, dtype=object)
    return table


def _neutral_categories(column: pd.Series) -> pd.Categorical:
    """Return a categorical column with its texts neutralised (:func:`neutralise`), still coded.

    Arrow writes it from the codes and the few texts as pandas writes the texts (missing: "").
    """
    texts = neutralise(np.asarray(column.cat.categories, dtype=object))
    distinct, inverse = np.unique(texts.astype(str), return_inverse=True)  # two may meet
    codes = np.append(inverse, -1)[column.cat.codes.to_numpy()]  # -1 (missing) stays -1
    return pd.Categorical.from_codes(codes, categories=distinct)
