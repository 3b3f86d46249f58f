"""Every text of the status page, in English as message ids of the catalog (German by default when shown)."""

from __future__ import annotations

from etl.i18n import N_, translate

PAGE = {
    "title": N_("ETL status"),
    "guide_title": N_("What to do with a reject"),
    "folder": N_("Working folder"),
    "as_of": N_("as of"),
    "reload": N_("reload"),
    "back": N_("back to the status"),
    "docs_missing": N_("This guide is not installed here."),
    "retried": N_("Moved back to the inbox as <b>{name}</b>. The next run (or the watcher) takes it; the reason file "
                  "stays in the error folder."),
    "reimported": N_("Dropped into the inbox as <b>{name}</b>. The next run takes it even if it was imported before "
                     "(as with <code>--force</code>); records written before are not written twice."),
    "not_done": N_("Not done:"),
    "needs": N_("What needs you"),
    "nothing_needed": N_("Nothing needs you: every run went through, nothing was refused, nothing waits."),
    "needs_failed_runs": N_("Failed runs"),
    "needs_refused": N_("Refused files in the error folder"),
    "needs_open": N_("Rejected records still open"),
    "needs_waiting": N_("Files waiting in the inbox"),
    "watcher": N_("Watcher"),
    "watcher_running": N_("running"),
    "watcher_stopped": N_("not running"),
    "watcher_is": N_("The watcher (<code>etl watch</code>) is"),
    "watcher_log": N_("Its last log lines"),
    "no_log": N_("No watcher log yet."),
    "runs": N_("Last runs"),
    "run": N_("Run"),
    "flow": N_("Flow"),
    "finished": N_("Finished"),
    "result": N_("Result"),
    "count_in": N_("Read"),
    "count_written": N_("Written"),
    "count_rejected": N_("Rejected"),
    "count_skipped": N_("Skipped"),
    "rejected": N_("rejected"),
    "files": N_("Files"),
    "rejects_file": N_("Rejects file"),
    "no_run": N_("No run yet."),
    "ok": N_("ok"),
    "partial": N_("partial"),
    "failed": N_("failed"),
    "refused_files": N_("Refused files"),
    "refused_intro": N_("Whole files the tool could not take, in the error folder with a reason file. After the fix, "
                        "retry: the file goes back to the inbox."),
    "file": N_("File"),
    "reason": N_("Reason"),
    "next_step": N_("Next step"),
    "state": N_("State"),
    "refused": N_("refused"),
    "moved_back": N_("moved back to the inbox as {name} on {time}"),
    "retry": N_("Retry"),
    "no_refused": N_("No refused files."),
    "waiting": N_("Waiting in the inbox"),
    "why_waits": N_("Why it waits"),
    "waits_next_run": N_("waits for the next run"),
    "in_progress": N_("being processed by the watcher"),
    "inbox_empty": N_("The inbox is empty."),
    "rejects": N_("Rejected records"),
    "rejects_intro": N_("Records refused inside good files; the good records of those files were written. Fix each "
                        "at its source, then drop the export again. A record a later run wrote is marked fixed."),
    "filter_run": N_("Run"),
    "all_runs": N_("all runs"),
    "all_files": N_("all files"),
    "reason_contains": N_("Reason contains"),
    "filter": N_("Filter"),
    "show_all": N_("show all"),
    "line": N_("Line"),
    "record": N_("Record"),
    "field": N_("Field"),
    "value": N_("Value"),
    "code": N_("Code"),
    "open": N_("open"),
    "fixed": N_("fixed"),
    "fixed_by": N_("fixed by run"),
    "shown_of": N_("shown of"),
    "no_rejects": N_("No rejected records."),
    "no_match": N_("No rejected records match the filter."),
    "reimport": N_("Re-import a corrected file"),
    "reimport_intro": N_("The file is dropped into the inbox and taken by the next run even if the same content was "
                         "imported before (as <code>etl run --force</code> does for files; recorded in the run's "
                         "report). Records written before are skipped, so nothing is imported twice."),
    "corrected_export": N_("Corrected export"),
    "from_archive": N_("or a file from the archive"),
    "none": N_("(none)"),
    "drop": N_("Drop into the inbox"),
}


def texts(lang: str) -> dict[str, str]:
    """The page's texts in `lang`."""
    return {key: translate(text, lang) for key, text in PAGE.items()}
