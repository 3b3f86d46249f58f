"""`etl status`: what is waiting, in progress, done and failed, and the last runs with their counts."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path

from etl.config import Config
from etl.lifecycle import is_candidate
from etl.lock import FileLock, LockBusy
from etl.watch.claim import work_folder
from etl.watch.stability import is_drop


@dataclass
class Status:
    """A snapshot of the working folder."""

    watcher: str
    waiting: list[str] = field(default_factory=list)
    in_progress: list[str] = field(default_factory=list)
    done: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    runs: list[dict[str, object]] = field(default_factory=list)

    def to_json(self) -> str:
        """The snapshot as JSON text."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)


def collect(config: Config, limit: int = 10) -> Status:
    """Look at the folders and the ledger (read only; nothing is moved)."""
    inbox = config.folder("inbox")
    status = Status(watcher=_watcher(inbox))
    if inbox.is_dir():
        status.waiting = sorted(p.name + ("/" if p.is_dir() else "") for p in inbox.iterdir() if is_drop(p))
    work = work_folder(inbox)
    if work.is_dir():
        for job in sorted(p for p in work.iterdir() if p.is_dir()):
            names = sorted(p.name for p in job.iterdir() if not p.name.startswith("."))
            status.in_progress.append(f"{job.name}: {', '.join(names)}")
    archive, error = config.folder("archive"), config.folder("error")
    status.done = sum(1 for p in archive.rglob("*") if is_candidate(p)) if archive.is_dir() else 0
    if error.is_dir():
        reasons = sorted(error.rglob("*.reason.txt"), key=lambda p: p.stat().st_mtime, reverse=True)
        for path in reasons[:limit]:
            text = path.read_text(encoding="utf-8", errors="replace").strip().split("\n\n", 1)
            status.failed.append({"file": str(path.with_name(path.name.removesuffix(".reason.txt"))),
                                  "reason": text[-1].strip()})
    status.runs = _runs(config.folder("state") / "ledger.sqlite", limit)
    return status


def _watcher(inbox: Path) -> str:
    lock = FileLock(inbox / ".etl-watch.lock", timeout=0, what="watcher")
    if not (inbox / ".etl-watch.lock").exists():
        return "not running"
    try:
        lock.acquire()
    except LockBusy:
        return f"running ({lock.holder()})"
    lock.release()
    return "not running"


def _runs(ledger: Path, limit: int) -> list[dict[str, object]]:
    if not ledger.exists():
        return []
    db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=10)
    try:
        rows = db.execute("SELECT run_id, flow, finished, status, report FROM runs ORDER BY finished DESC, "
                          "run_id DESC LIMIT ?", (limit,)).fetchall()
    finally:
        db.close()
    runs = []
    for run_id, flow, finished, state, report in rows:
        data = json.loads(report) if report else {}
        runs.append({"run_id": run_id, "flow": flow, "finished": finished, "status": state,
                     "counts": data.get("counts", {}), "files": len(data.get("files", [])),
                     "outputs": [Path(p).name for p in data.get("outputs", [])]})
    return runs
