"""What differs on Windows: consoles that cannot show every character, Notepad's encodings, held files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from etl.config import Config, load_config
from etl.os_compat import read_text_file, replace_atomic, retry_held, safe_console, why_unreadable, write_atomic
from etl.pipeline import run_flow
from etl.shared.errors import ConfigError
from tests.conftest import ORDERS, drop

TEXT = "sender: {name: Müller & Söhne, street: Hauptstraße}\n"


@pytest.mark.parametrize("data", [
    pytest.param(TEXT.encode("utf-8"), id="utf-8"),
    pytest.param(b"\xef\xbb\xbf" + TEXT.encode("utf-8"), id="utf-8-bom"),
    pytest.param(TEXT.encode("cp1252"), id="notepad-ansi"),
])
def test_config_text_in_the_encodings_notepad_saves(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "etl.yaml"
    path.write_bytes(data)
    assert read_text_file(path) == TEXT
    assert load_config(path).sender.name == "Müller & Söhne"


@pytest.mark.parametrize(("data", "says"), [
    pytest.param(b"\xff\xfe" + TEXT.encode("utf-16-le"), "UTF-16", id="utf-16"),
    pytest.param(b"name: \x81\x8d\x8f", "neither UTF-8 nor Windows-1252", id="undefined-bytes"),
])
def test_other_encodings_are_a_clear_error_naming_the_file(tmp_path: Path, data: bytes, says: str) -> None:
    path = tmp_path / "etl.yaml"
    path.write_bytes(data)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in caught.value.problems[0] and says in caught.value.problems[0]


def test_console_replaces_what_it_cannot_show() -> None:
    raw = io.BytesIO()
    console = io.TextIOWrapper(raw, encoding="cp1252")
    safe_console(console)
    console.write("orders → csv ✓ Müller\n")
    console.flush()
    assert raw.getvalue() == "orders ? csv ? Müller\n".encode("cp1252")


@pytest.mark.parametrize(("os_name", "says"), [
    pytest.param("nt", "open in another program", id="windows"),
    pytest.param("posix", "no permission", id="posix"),
])
def test_a_held_file_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, os_name: str, says: str) -> None:
    held = tmp_path / "orders.csv"
    held.write_text("x", encoding="utf-8")
    free = tmp_path / "free.csv"
    free.write_text("x", encoding="utf-8")
    real_open = Path.open

    def opener(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self == held:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", opener)
    assert says in (why_unreadable(held, os_name) or "")
    assert why_unreadable(free, os_name) is None


def test_publishing_retries_on_windows_only() -> None:
    calls: list[int] = []

    def held_twice() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise PermissionError(13, "held")
        return "done"

    assert retry_held(held_twice, "nt", sleep=lambda _: None) == "done" and len(calls) == 3
    calls.clear()
    with pytest.raises(PermissionError):
        retry_held(held_twice, "posix", sleep=lambda _: None)
    assert len(calls) == 1


def test_a_held_input_waits_for_the_next_run_and_the_rest_goes_on(workspace: Config,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    held, other = drop(workspace, ORDERS / "flat_cp1252.csv", ORDERS / "cases/flat_not_numeric.csv")
    monkeypatch.setattr("etl.pipeline.gather.why_unreadable",
                        lambda path: "open in another program" if path == held else None)
    report = run_flow(workspace, "orders", "csv")
    assert {f.name: f.status for f in report.files} == {held.name: "waiting", other.name: "archived"}
    assert held.exists() and report.exit_code == 1  # left in the inbox; the run says not everything is done
    monkeypatch.undo()
    again = run_flow(workspace, "orders", "csv")
    assert [(f.name, f.status) for f in again.files] == [(held.name, "archived")]


def test_an_atomic_write_replaces_whole_and_a_failed_one_leaves_the_old_state(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    write_atomic(target, "neu: Größe\n")
    assert target.read_bytes() == "neu: Größe\n".encode()
    taken = tmp_path / "taken"
    (taken / "inside").mkdir(parents=True)  # a rename cannot replace a folder that holds something
    with pytest.raises(OSError):
        write_atomic(taken, b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "taken"]  # no temp left behind


def test_a_folder_is_published_with_its_files(tmp_path: Path) -> None:
    temp = tmp_path / ".unpacked.tmp"
    temp.mkdir()
    (temp / "orders.csv").write_bytes(b"a;b\r\n")
    replace_atomic(temp, tmp_path / "unpacked")
    assert [p.name for p in tmp_path.iterdir()] == ["unpacked"]
    assert (tmp_path / "unpacked" / "orders.csv").read_bytes() == b"a;b\r\n"
