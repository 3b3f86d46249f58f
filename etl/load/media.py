"""Copy the image and document files an export names into the outbox, under safe names.

A name from the export is looked up in the media folder only: a name that would lead outside it
(`..\\..\\boot.ini`, an absolute path) or a file that is not there is a reject, never a crash. The copy
is named `<safe stem>_<content hash>.<ext>`: the same content always gets the same name, so a file is
copied once, and a changed file gets a new name (the record pointing to it changes too). Copies are
published (atomic rename) before the records that refer to them, so the shop never sees a record
whose file is not there yet.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path, PureWindowsPath

import pyarrow as pa

from etl.os_compat import fsync_file, replace_atomic, temp_name
from etl.shared.rejects import Reject

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


Namer = Callable[[str, bytes], str]  # (name in the export, content) -> name in the outbox


def safe_name(name: str, content: bytes) -> str:
    """A file name any shop and file system accepts: ASCII, no separators, content hash appended."""
    stem, ext = os.path.splitext(PureWindowsPath(name).name)
    ascii_stem = unicodedata.normalize("NFKD", stem.translate(_UMLAUTS)).encode("ascii", "ignore").decode()
    clean = _UNSAFE.sub("_", ascii_stem).strip("._-")[:80] or "file"
    clean_ext = _UNSAFE.sub("", ext.lower())[:10]
    return f"{clean}_{hashlib.sha256(content).hexdigest()[:10]}{clean_ext}"


def private_namer(state: Path) -> Namer:
    """Names nobody can derive without the working folder's secret: HMAC-SHA256 of the content.

    For a customer's invoices: a plain hash of a document number (or of a guessable content) could be
    computed by another customer; the HMAC key never leaves `state/`, so the URL cannot be guessed.
    """
    key = secret_key(state)

    def name(original: str, content: bytes) -> str:
        ext = _UNSAFE.sub("", os.path.splitext(PureWindowsPath(original).name)[1].lower())[:10]
        return f"{hmac.new(key, content, hashlib.sha256).hexdigest()[:32]}{ext}"

    return name


def secret_key(state: Path) -> bytes:
    """The working folder's 32-byte secret (`state/media.key`), made once with the OS's random source."""
    path = state / "media.key"
    if not path.is_file():
        state.mkdir(parents=True, exist_ok=True)
        temp = temp_name(path)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
        fsync_file(temp)
        try:  # the first writer wins: a concurrent run must not replace a key already in use
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            temp.unlink(missing_ok=True)
    return path.read_bytes()


def find_media(source: Path, value: str) -> tuple[Path | None, str | None]:
    """The file `value` names inside the media folder `source`, or why there is none (a reject code)."""
    root = source.resolve()
    found = (root / value.replace("\\", "/")).resolve()
    if not found.is_relative_to(root) or PureWindowsPath(value).is_absolute() or Path(value).is_absolute():
        return None, "media-outside-folder"
    if not found.is_file():
        return None, "missing-media-file"
    return found, None


def copy_media(table: pa.Table, column: str, source: Path, target: Path, dry_run: bool,
               drop: bool, namer: Namer = safe_name) -> tuple[pa.Table, list[Reject]]:
    """Copy the files `column` names from `source` to `target` under `namer`'s names; rows whose
    file fails are dropped (`drop`) or keep an empty file name, each with a reject."""
    if column not in table.column_names or table.num_rows == 0:
        return table, []
    names: list[str | None] = []
    keep: list[bool] = []
    rejects: list[Reject] = []
    placed: dict[str, tuple[str | None, str | None]] = {}  # a file named by many records is found and copied once
    for row, value in zip(table.to_pylist(), table.column(column).to_pylist(), strict=True):
        if value is None:
            names.append(None)
            keep.append(True)
            continue
        if value not in placed:
            found, problem = find_media(source, value)
            placed[value] = (None, problem) if found is None else (_place(found, target, dry_run, namer), None)
        name, problem = placed[value]
        if name is None:
            rejects.append(Reject(row["_file"], row["_line"], _record(row), column, value,
                                  problem or "missing-media-file", params={"folder": str(source)}))
            names.append(None)
            keep.append(not drop)
            continue
        names.append(name)
        keep.append(True)
    table = table.set_column(table.column_names.index(column), column, pa.array(names, pa.string()))
    return table.filter(pa.array(keep, pa.bool_())), rejects


def _place(found: Path, target: Path, dry_run: bool, namer: Namer) -> str:
    name = namer(found.name, found.read_bytes())
    final = target / name
    if final.resolve().parent != target.resolve():  # cannot happen with a safe name; checked anyway
        raise ValueError(f"unsafe media name {name}")
    if not dry_run and not final.exists():
        target.mkdir(parents=True, exist_ok=True)
        temp = temp_name(final)
        shutil.copyfile(found, temp)
        replace_atomic(temp, final)
    return name


def _record(row: dict) -> str | None:
    key = row.get("sku") or row.get("category_id") or row.get("document_number")
    return None if key is None else str(key)
