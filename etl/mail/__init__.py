"""Notification mails: rendered in the Jinja sandbox, kept as .eml, queued in SQLite, sent by SMTP."""
