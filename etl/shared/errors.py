"""One exception tree; messages are built from facts and say what to do."""

from __future__ import annotations

from etl.i18n import N_


class EtlError(Exception):
    """Base of every error the tool raises on purpose."""

    exit_code = 3


class ConfigError(EtlError):
    """A config or mapping file is wrong; carries every problem found, by file and key."""

    exit_code = 2

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class UsageError(EtlError):
    """The user asked for something that cannot be done (unknown flow, format, file)."""

    exit_code = 2


class InputFileError(EtlError):
    """A whole input file cannot be read; the file goes to the error folder with this reason."""

    def __init__(self, path: object, reason: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        # English templates of the catalog: the reason is translated when shown (`etl.i18n.translate`)
        said = N_("{file}, line {number}: {what}") if line else N_("{file}: {what}")
        super().__init__(said.format(file=path, number=line, what=reason))


class ValidationError(EtlError):
    """An output document does not match its schema; nothing is published."""


class StorageError(EtlError):
    """A folder cannot take what a run writes: the disk is full, a quota is reached, it is read-only.

    Not the input's fault: the inputs stay in the inbox, and `etl watch` tries them again later.
    """

    def __init__(self, folder: object, what: str, code: int | None, message: str = "") -> None:
        self.folder, self.what, self.code = folder, what, code
        self.spent = 0  # bytes the run had written when it stopped, counted before its temps went
        super().__init__(message or f"{folder}: {what} could not be written (errno {code})")
