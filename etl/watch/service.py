"""The watch loop: observer events wake it, scans decide, one job at a time, until told to stop.

Events are only hints. Every cycle scans the inbox top level; while something is still arriving the
loop looks again every fraction of the quiet period, otherwise it sleeps until an event, the next
periodic rescan, or the next scheduled run. A dead observer is replaced and the error logged.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from etl.config import Config
from etl.flows import FLOWS
from etl.i18n import N_
from etl.mail.notify import Notifier
from etl.os_compat import why_unreadable
from etl.pipeline.layouts import check_formats
from etl.state.files import WATCH_LOCK
from etl.state.lifecycle import not_plain, refuse
from etl.state.locks import FileLock
from etl.watch import claim, recall
from etl.watch.closed import Closes, Probe, pair_moves_quickly
from etl.watch.log_text import setup_logging
from etl.watch.route import Route, Router
from etl.watch.run_job import Outcome, process
from etl.watch.sets import Drops, Patience, Plan, SetTables, plan
from etl.watch.stability import Signature, Stability, in_inbox_for, marker_for, scan

log = logging.getLogger("etl.watch")
_IGNORED_EVENTS = {"opened", "closed_no_write"}  # our own reads must not wake the loop


class _QuietStop(logging.Filter):
    """Drop watchdog's harmless complaint about an event arriving while its emitter shuts down."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "called when the thread is inactive" not in record.getMessage()


logging.getLogger("watchdog.observers.inotify").addFilter(_QuietStop())


class _Wake(FileSystemEventHandler):
    def __init__(self, event: threading.Event, closes: Closes) -> None:
        self.event = event
        self.closes = closes

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.closes.on_event(event)
        if event.event_type not in _IGNORED_EVENTS:
            self.event.set()


class Watcher:
    """One watcher over one inbox (guarded by `inbox/.etl-watch.lock`)."""

    def __init__(self, config: Config, *, once: bool = False) -> None:
        self.config = config
        self.settings = config.watch
        self.inbox = config.folder("inbox")
        self.once = once  # process what is there and complete, then exit (Task Scheduler, tests)
        self.stability = Stability(self.settings.quiet_seconds)
        # Where the platform tells us a writer closed a file, it need not wait the quiet period.
        self.closes = Closes(self.inbox, self.settings.closed_settle_seconds, events=False,
                             probe=Probe() if self.settings.close_events and not self.settings.poll else None)
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.observer: BaseObserver | None = None
        self.observer_restarts = 0
        self.outcomes: list[Outcome] = []
        self._routes: dict[Path, tuple[Signature, Route]] = {}
        # In `once` mode everything complete is processed now; schedules only pace a long-running watcher.
        self._due = {} if once else {entry.flow: time.monotonic() + entry.every_seconds
                                     for entry in self.settings.schedule}
        self.router: Router | None = None
        self.incomplete: dict[Path, str] = {}  # set members waiting for the rest of their export
        self._recall_due: dict[str, float] = {}  # flows driven by state: when to run them next
        self.notifier = Notifier(config)  # refusals from now on reach the merchant by mail (`notify:`)

    def stop(self) -> None:
        """Ask the loop to stop after the current job (safe from signal handlers and other threads)."""
        self.stopping.set()
        self.wake.set()

    def run(self) -> int:
        """Watch until stopped (or, with `once`, until the inbox holds nothing complete); exit code."""
        self.inbox.mkdir(parents=True, exist_ok=True)
        with FileLock(self.inbox / WATCH_LOCK, timeout=1.0, what="a watcher for this inbox"):
            self.router = Router(self.config)
            how = N_("polling") if self.settings.poll else N_("events")
            log.info(N_("watching %s (%s, quiet %gs%s)"), self.inbox, how, self.settings.quiet_seconds,
                     N_(", done-markers") if self.settings.done_marker else "")
            self._start_observer()
            try:
                for job in claim.resume(self.inbox):
                    log.info(N_("resuming interrupted job %s (%s)"), job.folder.name, ", ".join(job.names))
                    self._processed(process(self.config, self.router, job), job.names)
                while not self.stopping.is_set():
                    busy = self.cycle()
                    self.notifier.tick()
                    if self.once and not busy:
                        self._name_waiting()
                        break
                    self._sleep(busy)
            finally:
                self._stop_observer()
        log.info(N_("stopped"))
        return 0

    def cycle(self) -> bool:
        """Look at the inbox once and process what is complete; True while something is still arriving."""
        self._check_observer()
        drops, markers = scan(self.inbox)
        self.stability.observe(drops)
        decided = self._plan(drops, markers)
        for path, reason, code in decided.refusals:
            if self.stopping.is_set():
                break
            if os.path.lexists(path):  # a link is refused even when it leads nowhere
                refuse(path, self.config.folder("error"), reason, code)
                log.info("%-8s %s  %s", N_("error"), path.name, reason)
            self._forget(path, markers)
        now = time.monotonic()
        for job in decided.jobs:
            if self.stopping.is_set():
                return True
            due = self._due.get(job.flow or "")
            if due is not None and now < due:
                continue  # a scheduled flow: its files wait for its next run
            claimed = claim.claim(job, self.inbox)
            for path in job.paths:
                self._forget(path, markers)
            if claimed:
                assert self.router is not None
                self._processed(process(self.config, self.router, claimed), claimed.names)
        self._run_remembered(now)
        for entry in self.settings.schedule if self._due else []:
            if now >= self._due[entry.flow]:
                self._due[entry.flow] = now + entry.every_seconds
        self.incomplete = {p: r for p, r in decided.incomplete.items() if p.exists()}
        # An incomplete set may wait for minutes: `once` does not wait for it, only for files still arriving.
        return bool(set(decided.waiting) - set(self.incomplete)) if self.once else bool(decided.waiting)

    def _processed(self, outcome: Outcome, names: list[str]) -> None:
        self.outcomes.append(outcome)
        back = names if outcome.put_back else [name for name, status, _ in outcome.files if status == "waiting"]
        for name in back:  # given back to the inbox by us, not by a writer: they wait the quiet period
            self.closes.distrust(self.inbox / name)

    def _run_remembered(self, now: float) -> None:
        """Run the flows driven by state whose time has come, without a new file (reminders fall due)."""
        assert self.router is not None
        for name, layout in self.router.layouts.items():
            if FLOWS[name].recall is None or now < self._recall_due.get(name, 0.0) or self.stopping.is_set():
                continue
            self._recall_due[name] = now + recall.interval(self.config, name)
            run_id = recall.run_remembered(self.config, name, layout)
            if run_id:
                self.outcomes.append(Outcome(runs=[run_id]))

    def _name_waiting(self) -> None:
        """Say what `once` leaves in the inbox for a later run, and why."""
        by_reason: dict[str, list[str]] = {}
        for path, reason in self.incomplete.items():
            by_reason.setdefault(reason, []).append(path.name)
        for reason, names in by_reason.items():
            log.info(N_("%-8s %s  %s; left in the inbox for a later run"), N_("waiting"), ", ".join(sorted(names)),
                     reason)

    def _plan(self, drops: dict[Path, Signature], markers: set[str]) -> Plan:
        ready: dict[Path, Route | None] = {}
        unsettled: list[Path] = []
        held: dict[Path, str] = {}
        for path, sig in drops.items():
            if foreign := not_plain(path):  # a link, pipe or device: refused at once, never opened or followed
                ready[path] = Route(None, reason=foreign, code="not-a-plain-file")
                continue
            complete = (marker_for(path, markers) is not None if self.settings.done_marker
                        else self.stability.is_quiet(path)
                        or self.closes.is_closed(path, sig, self.stability.quiet_for(path)))
            if not complete:
                unsettled.append(path)
            elif path.is_dir() or path.suffix.lower() == ".zip":
                ready[path] = None
            elif reason := why_unreadable(path):  # open in Excel, no permission: waits, and holds every set
                held[path] = reason
            else:
                ready[path] = self._route(path, sig)
        assert self.router is not None
        sets = SetTables(required={flow: self.router.required_tables(flow) for flow in self.router.layouts},
                         known={flow: list(layout.tables) for flow, layout in self.router.layouts.items()},
                         expected=self.router.expected_sets())
        seen = Drops(ready, unsettled, quiet_for={path: self.stability.quiet_for(path) for path in ready},
                     age=in_inbox_for(ready), held=held)
        patience = Patience(set_timeout=self.settings.set_timeout_seconds, batch_max=self.settings.batch_max,
                            hold=2 * self.settings.quiet_seconds + 1.0, quiet=self.settings.quiet_seconds)
        return plan(seen, sets, patience)

    def _route(self, path: Path, sig: Signature) -> Route:
        cached = self._routes.get(path)
        if cached and cached[0] == sig:
            return cached[1]
        assert self.router is not None
        route = self.router.route(path)
        self._routes[path] = (sig, route)
        return route

    def _forget(self, path: Path, markers: set[str]) -> None:
        self.stability.forget(path)
        self.closes.forget(path)
        self._routes.pop(path, None)
        name = marker_for(path, markers)
        if name is not None:  # the marker has done its job; it is not an input
            (self.inbox / f"{name}.done").unlink(missing_ok=True)

    def _sleep(self, busy: bool) -> None:
        # While something is arriving, look again within a fraction of the quiet period.
        timeout = min(max(self.settings.quiet_seconds / 4, 0.05), 0.5) if busy else self.settings.rescan_seconds
        settles = self.closes.next_due() if busy else None
        if settles is not None:  # a closed file is complete then: look at that moment, not later
            timeout = min(timeout, max(settles, 0.01))
        if self._due:
            timeout = min(timeout, max(0.0, min(self._due.values()) - time.monotonic()))
        self.wake.wait(timeout)
        self.wake.clear()

    def _start_observer(self) -> None:
        if self.settings.poll:
            observer: BaseObserver = PollingObserver(timeout=self.settings.poll_interval)
        else:
            pair_moves_quickly()
            observer = Observer()
        self.closes.reset()  # events between the old observer and this one are lost
        self.closes.events = self.settings.close_events and type(observer).__name__ == "InotifyObserver"
        observer.schedule(_Wake(self.wake, self.closes), str(self.inbox), recursive=False)
        observer.daemon = True
        observer.start()
        self.observer = observer

    def _check_observer(self) -> None:
        observer = self.observer
        alive = observer is not None and observer.is_alive() and all(e.is_alive() for e in observer.emitters)
        if alive:
            return
        log.error(N_("the file system observer stopped; starting a new one (the inbox is scanned meanwhile)"))
        self._stop_observer()
        self.observer_restarts += 1
        try:
            self._start_observer()
        except OSError as exc:  # e.g. the share is gone for a moment: scans go on, retry next cycle
            log.error(N_("cannot start the observer: %s"), exc)

    def _stop_observer(self) -> None:
        if self.observer is not None:
            try:
                self.observer.stop()
                self.observer.join(timeout=5)
            except RuntimeError:
                pass
            self.observer = None


def watch(config: Config, *, once: bool = False) -> int:
    """Run a watcher in this process; SIGINT (Ctrl-C) and SIGTERM stop it after the current file."""
    check_formats(config, config.watch.formats)  # before watching, not file by file later
    setup_logging(config)
    watcher = Watcher(config, once=once)
    names = [n for n in ("SIGINT", "SIGTERM", "SIGBREAK") if hasattr(signal, n)]
    previous = {}
    for name in names:
        number = getattr(signal, name)
        previous[number] = signal.signal(number, lambda *_: watcher.stop())
    try:
        return watcher.run()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
