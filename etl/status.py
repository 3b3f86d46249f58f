"""`etl status`: what is waiting, in progress, done and failed, the last runs and their rejects, with next steps."""

from __future__ import annotations

import json
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path

from etl.config import Config
from etl.i18n import N_
from etl.os_compat import why_unreadable
from etl.report.next_step import GUIDE, WAITING_STEP, for_code
from etl.report.run_report import read_rejects
from etl.shared.reject_codes import CODES, decode, render
from etl.state.files import LEDGER, WATCH_LOCK
from etl.state.ledger import Ledger
from etl.state.lifecycle import is_candidate, read_reason
from etl.state.locks import FileLock, LockBusy
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
    rejects: list[dict[str, str]] = field(default_factory=list)  # the latest runs' refused records, newest first
    waiting_reasons: dict[str, str] = field(default_factory=dict)  # inbox name -> why it was not taken yet
    watch_log: list[str] = field(default_factory=list)  # the watcher's last log lines
    guide: str = GUIDE

    def to_json(self) -> str:
        """The snapshot as JSON text."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)


def collect(config: Config, limit: int = 10, reject_limit: int = 200) -> Status:
    """Look at the folders, the ledger and the reject files (read only; nothing is moved)."""
    inbox = config.folder("inbox")
    status = Status(watcher=_watcher(inbox))
    if inbox.is_dir():
        drops = sorted(p for p in inbox.iterdir() if is_drop(p))
        status.waiting = [p.name + ("/" if p.is_dir() else "") for p in drops]
        for path in drops:
            held = why_unreadable(path) if path.is_file() else None
            status.waiting_reasons[path.name] = f"{held}: {WAITING_STEP}" if held else "waits for the next run"
    work = work_folder(inbox)
    if work.is_dir():
        for job in sorted(p for p in work.iterdir() if p.is_dir()):
            names = sorted(p.name for p in job.iterdir() if not p.name.startswith("."))
            status.in_progress.append(f"{job.name}: {', '.join(names)}")
    archive = config.folder("archive")
    status.done = sum(1 for p in archive.rglob("*") if is_candidate(p)) if archive.is_dir() else 0
    status.failed = failed_inputs(config, limit)
    status.runs = _runs(config.folder("state"), limit)
    status.rejects = _rejects(config, status.runs, reject_limit)
    status.watch_log = _tail((config.base / config.watch.log_file).resolve(), 15)
    return status


def failed_inputs(config: Config, limit: int) -> list[dict[str, str]]:
    """The latest refused inputs (error folder), newest first: file, where, reason, next step, state."""
    error = config.folder("error")
    if not error.is_dir():
        return []
    failed = []
    reasons = sorted(error.rglob("*.reason.txt"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in reasons[:limit]:
        said = read_reason(path)
        if said is None:
            continue
        source = path.with_name(path.name.removesuffix(".reason.txt"))
        failed.append({"file": str(source), "where": source.relative_to(error).as_posix(),
                       "reason": said.reason, "code": said.code, "next_step": for_code(said.code),
                       "state": said.retried if said.retried or not source.exists() else "refused"})
    return failed


def _watcher(inbox: Path) -> str:
    lock = FileLock(inbox / WATCH_LOCK, timeout=0, what="watcher")
    if not (inbox / WATCH_LOCK).exists():
        return N_("not running")
    try:
        lock.acquire()
    except LockBusy:
        return N_("running ({holder})").format(holder=lock.holder())
    lock.release()
    return N_("not running")


def _runs(state: Path, limit: int) -> list[dict[str, object]]:
    if not (state / LEDGER).exists():
        return []
    ledger = Ledger(state, read_only=True)
    try:
        rows = ledger.last_runs(limit)
    finally:
        ledger.close()
    runs = []
    for run_id, flow, finished, outcome, report in rows:
        data = json.loads(report) if report else {}
        runs.append({"run_id": run_id, "flow": flow, "finished": finished, "status": outcome,
                     "counts": data.get("counts", {}), "files": len(data.get("files", [])),
                     "outputs": [Path(p).name for p in data.get("outputs", [])],
                     "rejects_file": data.get("rejects_file") or "", "notes": data.get("notes", [])})
    return runs


def _rejects(config: Config, runs: list[dict[str, object]], limit: int) -> list[dict[str, str]]:
    """The refused records of `runs` (their reject files), each with its next step."""
    rejects: list[dict[str, str]] = []
    for run in runs:
        path = Path(str(run["rejects_file"]))
        if not run["rejects_file"] or not path.is_file():
            continue
        for row in read_rejects(path):
            rejects.append({"run_id": str(run["run_id"]), "flow": str(run["flow"]),
                            "finished": str(run["finished"]), **row,
                            # words again in today's language from code and parameters (else as the file has them)
                            "reason": _words(row), "code": row.get("code", ""), "next_step": for_code(row.get("code")),
                            "rejects_file": str(path), "fixed": ""})
            if len(rejects) >= limit:
                return _mark_fixed(config.folder("state"), rejects)
    return _mark_fixed(config.folder("state"), rejects)


def _words(row: dict[str, str]) -> str:
    """A reject file row's reason in the current language, from its code and parameters where it has them."""
    code = row.get("code", "")
    if code not in CODES:
        return row.get("reason", "")
    try:
        return render(code, decode(row.get("params", "")))
    except (KeyError, ValueError, TypeError):  # parameters of another version: the file's words
        return row.get("reason", "")


def _mark_fixed(state: Path, rejects: list[dict[str, str]]) -> list[dict[str, str]]:
    """Set `fixed` to the id of a later run that wrote the reject's record (or took its file whole), else ''.

    The ledger keeps the latest run that wrote each record key of a flow, and per input whether a run
    took every record of it: a record written by another, later run than the one that refused it is fixed.
    """
    if not rejects or not (state / LEDGER).exists():
        return rejects
    ledger = Ledger(state, read_only=True)
    try:
        for flow in {r["flow"] for r in rejects}:
            mine = [r for r in rejects if r["flow"] == flow]
            written = ledger.records_seen(flow, sorted({r["record"] for r in mine if r.get("record")}))
            whole = ledger.taken_whole(flow, sorted({r["file"] for r in mine}))
            order = ledger.committed_order(sorted({*written.values(), *whole.values(), *(r["run_id"] for r in mine)}))
            for reject in mine:
                refused = order.get(reject["run_id"], 0)
                later = [run for run in (written.get(reject.get("record") or ""), whole.get(reject["file"]))
                         if run and order.get(run, 0) > refused]
                reject["fixed"] = max(later, key=order.__getitem__) if later else ""
    finally:
        ledger.close()
    return rejects


def _tail(path: Path, lines: int) -> list[str]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", errors="replace") as handle:
        return [line.rstrip("\n") for line in deque(handle, maxlen=lines)]


def filter_rejects(rejects: list[dict[str, str]], run: str = "", file: str = "", text: str = ""
                   ) -> list[dict[str, str]]:
    """The rejects of run `run` and file `file` (exact, when given) whose reason or code contains `text` (any case)."""
    text = text.casefold()
    return [r for r in rejects if (not run or r["run_id"] == run) and (not file or r["file"] == file)
            and (not text or text in r["reason"].casefold() or text in r.get("code", "").casefold())]
