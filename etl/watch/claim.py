"""Claiming: a job's inputs are moved (atomic renames) into their own folder under `inbox/.etl-work/`.

A job folder holds `job.json` once the claim is complete. At start-up a folder without it is a claim
cut short by a crash: its files go back to the inbox. A folder with it is resumed: the pipeline's
ledger tells whether the inputs were imported already (then they are only archived).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from etl.os_compat import replace_atomic, write_atomic
from etl.state.lifecycle import free_name, is_candidate, is_candidate_name, not_plain
from etl.watch.sets import Job

WORK = ".etl-work"
META = "job.json"
UNPACKED = "unpacked"


@dataclass
class Claimed:
    """A job whose inputs are in its own work folder."""

    folder: Path
    kind: str
    flow: str | None
    names: list[str]

    def inputs(self) -> list[Path]:
        """The input files still in the job folder (a folder's files, a zip's unpacked members).

        Links, pipes and devices inside a dropped folder are listed too, to be refused (never followed).
        """
        if self.kind == "zip":
            root = self.folder / UNPACKED
        elif self.kind == "folder":
            root = self.folder / self.names[0]
        else:
            return [p for n in self.names if (p := self.folder / n).is_file()]
        return sorted(p for p in root.rglob("*") if is_candidate(p) or (is_candidate_name(p.name) and not_plain(p))
                      ) if root.is_dir() and not root.is_symlink() else []


def work_folder(inbox: Path) -> Path:
    """Where claimed jobs live: inside the inbox, so claiming is a rename on one file system."""
    return inbox / WORK


def claim(job: Job, inbox: Path) -> Claimed | None:
    """Move the job's inputs into a new job folder; None if one of them vanished (taken by someone else)."""
    folder = work_folder(inbox) / f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    moved: list[Path] = []
    for path in job.paths:
        try:
            os.replace(path, folder / path.name)
        except (FileNotFoundError, PermissionError):  # gone, or held by another program (Excel on Windows)
            if job.kind == "files":
                continue  # a held file stays in the inbox and is tried again on a later look
            _put_back(folder, inbox)  # never half a set
            return None
        moved.append(path)
    if not moved:
        folder.rmdir()
        return None
    claimed = Claimed(folder, job.kind, job.flow, [p.name for p in moved])
    _write_meta(claimed)
    return claimed


def _write_meta(claimed: Claimed) -> None:
    # the claim is complete exactly when job.json exists
    write_atomic(claimed.folder / META, json.dumps({"kind": claimed.kind, "flow": claimed.flow,
                                                    "names": claimed.names}))


def unpack(claimed: Claimed) -> None:
    """Extract a claimed zip once (into a temp folder renamed when complete); bad zips raise ValueError."""
    target = claimed.folder / UNPACKED
    if target.is_dir():
        return
    temp = claimed.folder / f".{UNPACKED}.tmp"
    shutil.rmtree(temp, ignore_errors=True)  # our own half-extracted copy; the zip itself is untouched
    temp.mkdir()
    try:
        with zipfile.ZipFile(claimed.folder / claimed.names[0]) as archive:
            for info in archive.infolist():
                name = Path(info.filename).name  # flatten: never write outside the job folder
                if info.is_dir() or not name or "__MACOSX" in info.filename or name.startswith("."):
                    continue
                with archive.open(info) as source, free_name(temp, name).open("wb") as out:
                    shutil.copyfileobj(source, out)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise ValueError(f"the zip file cannot be unpacked: {exc}") from exc
    replace_atomic(temp, target)


def resume(inbox: Path) -> list[Claimed]:
    """Jobs left by an earlier watcher: complete claims to resume; cut-short claims go back to the inbox."""
    jobs = []
    work = work_folder(inbox)
    for folder in sorted(work.iterdir()) if work.is_dir() else []:
        meta = folder / META
        if not folder.is_dir():
            continue
        if meta.is_file():
            data = json.loads(meta.read_text(encoding="utf-8"))
            jobs.append(Claimed(folder, data["kind"], data["flow"], data["names"]))
        else:
            _put_back(folder, inbox)
    return jobs


def _put_back(folder: Path, inbox: Path) -> None:
    for path in sorted(folder.iterdir()):
        if not path.name.startswith("."):
            os.replace(path, free_name(inbox, path.name))
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


def unclaim(claimed: Claimed, inbox: Path) -> None:
    """Give a job's inputs back to the inbox (a file changed after all, or processing must wait)."""
    (claimed.folder / META).unlink(missing_ok=True)
    shutil.rmtree(claimed.folder / UNPACKED, ignore_errors=True)
    _put_back(claimed.folder, inbox)


def leftovers(claimed: Claimed) -> list[Path]:
    """Files still in the job folder after processing (neither archived nor refused)."""
    return sorted(p for p in claimed.folder.rglob("*") if (p.is_symlink() or not p.is_dir()) and p.name != META
                  and not p.name.startswith("."))


def release(claimed: Claimed) -> None:
    """Remove the finished job folder; what is in it now are only our own empty folders and metadata."""
    (claimed.folder / META).unlink(missing_ok=True)
    for path in sorted(claimed.folder.rglob("*"), reverse=True):
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        elif path.name.startswith("."):
            path.unlink()
    claimed.folder.rmdir()
