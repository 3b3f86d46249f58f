"""The status page's handlers without a browser: token, same-origin forms, filters, escaping and the actions."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from etl.config import Config
from etl.pipeline import run_flow
from etl.report.next_step import for_code
from etl.serve.app import Request, Response, StatusPage
from etl.serve.server import make_server
from etl.state.ledger import Ledger, file_hash
from etl.status import collect
from tests.conftest import ORDERS
from tests.serve.conftest import refused

TOKEN = "t0ken-for-tests"
ORIGIN = "http://127.0.0.1:8765"
HOST = {"Host": "127.0.0.1:8765"}


def rejects_of(html: str) -> str:
    """The part of the page that lists the rejected records (groups by run and file)."""
    return html.split('id="rejects"')[1].split('id="reimport"')[0]


def get(page: StatusPage, target: str, **headers: str) -> Response:
    return page.handle(Request("GET", target, {**HOST, **headers}))


def post(page: StatusPage, path: str, fields: dict[str, str], **headers: str) -> Response:
    body = urlencode(fields).encode()
    return page.handle(Request("POST", path, {**HOST, "Content-Type": "application/x-www-form-urlencoded",
                                              **headers}, body))


def multipart_body(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[str, bytes]:
    boundary = "----etltestboundary7MA4YWxk"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
              f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n"
              for k, (name, data) in files.items()]
    return f"multipart/form-data; boundary={boundary}", b"".join(parts) + f"--{boundary}--\r\n".encode()


@pytest.fixture
def page(partial: Config) -> StatusPage:
    return StatusPage(partial, TOKEN, ORIGIN)


@pytest.fixture
def view(seen: Config) -> StatusPage:
    """The page of the shared working folder (for tests that change nothing)."""
    return StatusPage(seen, TOKEN, ORIGIN)


@pytest.mark.parametrize(("target", "headers"), [
    pytest.param("/", {}, id="no-token"),
    pytest.param("/?token=wrong", {}, id="wrong-token"),
    pytest.param(f"/guide?token={TOKEN[:-1]}", {}, id="guide-short-token"),
    pytest.param(f"/?token={TOKEN}", {"Host": "evil.example:8765"}, id="foreign-host"),
])
def test_a_request_without_the_token_or_from_another_host_is_refused(view: StatusPage, target: str,
                                                                     headers: dict[str, str]) -> None:
    response = get(view, target, **headers)
    assert response.status == 403 and b"flat_cp1252" not in response.body


def test_the_page_shows_the_reject_with_file_line_and_next_step(view: StatusPage) -> None:
    response = get(view, f"/?token={TOKEN}")
    assert response.status == 200, response.body
    html = response.body.decode()
    row = rejects_of(html)
    assert "<b>flat_cp1252.csv</b>" in row and '<td class="num">19</td>' in row and ">10007</td>" in row
    # the reject file was written in German: its words again in the page's language from code and parameters
    assert "does not add up" in row and "make 67.75, the order total is 67.85" in row
    assert "check the order in the shop admin" in row
    assert "junk.bin" in html.split('id="failed-table"')[1] and 'action="/retry"' in html
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "http://" not in html.replace(ORIGIN, "") and "https://" not in html  # nothing from outside


@pytest.mark.parametrize(("query", "shown"), [
    pytest.param({"q": "DOES NOT ADD UP"}, True, id="reason-text-any-case"),
    pytest.param({"q": "Order-Does-Not"}, True, id="code-any-case"),
    pytest.param({"q": "is not a date"}, False, id="reason-text-absent"),
    pytest.param({"file": "flat_cp1252.csv"}, True, id="file"),
    pytest.param({"file": "other.csv"}, False, id="other-file"),
    pytest.param({"run": "20000101-000000-000000"}, False, id="other-run"),
])
def test_rejects_are_filtered_by_run_file_and_reason(view: StatusPage, query: dict[str, str], shown: bool) -> None:
    html = get(view, "/?" + urlencode({"token": TOKEN, **query})).body.decode()
    row = rejects_of(html)
    assert (">10007</td>" in row) is shown
    assert ("match the filter" in row) is not shown


def test_the_run_filter_takes_the_run_of_the_reject(view: StatusPage, seen: Config) -> None:
    (run,) = collect(seen).runs
    html = get(view, "/?" + urlencode({"token": TOKEN, "run": str(run["run_id"])})).body.decode()
    assert ">10007</td>" in rejects_of(html)


def test_text_from_files_and_links_is_escaped(view: StatusPage) -> None:
    html = get(view, "/?" + urlencode({"token": TOKEN, "error": "<script>alert(1)</script>"})).body.decode()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_retry_moves_the_file_back_and_keeps_the_reason(page: StatusPage, partial: Config) -> None:
    source = refused(partial)
    where = source.relative_to(partial.folder("error")).as_posix()
    response = post(page, "/retry", {"token": TOKEN, "where": where}, Origin=ORIGIN)
    assert response.status == 303 and "done=retry" in response.headers["Location"]
    assert (partial.folder("inbox") / "junk.bin").read_bytes() == b"garbage\x00\x01\x02" and not source.exists()
    reason = source.with_name("junk.bin.reason.txt").read_text(encoding="utf-8")
    assert "binary data" in reason and "moved back to the inbox as junk.bin" in reason
    (failed,) = collect(partial).failed
    assert failed["state"].startswith("moved back to the inbox as junk.bin")
    assert 'action="/retry"' not in get(page, f"/?token={TOKEN}").body.decode()  # nothing left to retry


@pytest.mark.parametrize(("fields", "headers"), [
    pytest.param({"token": TOKEN}, {}, id="no-origin-no-referer"),
    pytest.param({"token": TOKEN}, {"Origin": "http://evil.example"}, id="foreign-origin"),
    pytest.param({"token": TOKEN}, {"Origin": "null"}, id="null-origin"),
    pytest.param({"token": TOKEN}, {"Referer": "http://127.0.0.1:9999/?token=x"}, id="other-port-referer"),
    pytest.param({"token": TOKEN}, {"Origin": ORIGIN, "Sec-Fetch-Site": "cross-site"}, id="cross-site"),
    pytest.param({}, {"Origin": ORIGIN}, id="no-token-in-form"),
    pytest.param({"token": "wrong"}, {"Origin": ORIGIN}, id="wrong-token-in-form"),
])
def test_a_retry_from_elsewhere_or_without_token_is_refused(view: StatusPage, seen: Config,
                                                            fields: dict[str, str], headers: dict[str, str]) -> None:
    source = refused(seen)
    where = source.relative_to(seen.folder("error")).as_posix()
    response = post(view, f"/retry?token={TOKEN}", {**fields, "where": where}, **headers)
    assert response.status == 403 and source.exists()


@pytest.mark.parametrize("where", [
    pytest.param("../inbox", id="out-of-the-error-folder"),
    pytest.param("../../etl.yaml", id="config"),
    pytest.param("nope/junk.bin", id="absent"),
])
def test_retry_takes_only_refused_inputs(page: StatusPage, partial: Config, where: str) -> None:
    before = sorted(partial.base.rglob("*"))
    response = post(page, "/retry", {"token": TOKEN, "where": where}, Referer=ORIGIN + "/?token=" + TOKEN)
    assert response.status == 303 and "error=" in response.headers["Location"]
    assert sorted(partial.base.rglob("*")) == before


def clean_orders(tmp_path: Path) -> Path:
    """One order that is written whole (the first of flat_unknown_payment.csv)."""
    lines = (ORDERS / "cases" / "flat_unknown_payment.csv").read_bytes().split(b"\r\n")
    path = tmp_path / "clean.csv"
    path.write_bytes(b"\r\n".join(lines[:3]) + b"\r\n")
    return path


def test_an_uploaded_file_is_taken_again_as_with_force(page: StatusPage, partial: Config, tmp_path: Path) -> None:
    clean = clean_orders(tmp_path)
    (partial.folder("inbox") / "clean.csv").write_bytes(clean.read_bytes())
    assert run_flow(partial, "orders", "csv").status == "ok"
    again = run_flow(partial, "orders", "csv", files=[Path(shutil.copy(clean, partial.folder("inbox")))])
    assert again.files[0].status == "skipped"  # without the page: already imported
    kind, body = multipart_body({"token": TOKEN}, {"upload": (r"C:\Users\shop\Desktop\clean.csv", clean.read_bytes())})
    response = page.handle(Request("POST", "/reimport", {**HOST, "Origin": ORIGIN, "Content-Type": kind}, body))
    assert response.status == 303 and "done=reimport" in response.headers["Location"]
    dropped = partial.folder("inbox") / "clean.csv"
    assert dropped.read_bytes() == clean.read_bytes()
    ledger = Ledger(partial.folder("state"))
    assert ledger.reimport_asked(file_hash(dropped)) is not None
    ledger.close()
    report = run_flow(partial, "orders", "csv")
    assert [f.status for f in report.files] == ["archived"]  # taken, not "already imported"
    assert report.skipped == 1 and report.written == 0  # the order written before is not written twice
    assert any("imported again as asked (uploaded on the status page" in note for note in report.notes)
    ledger = Ledger(partial.folder("state"))
    assert ledger.reimport_asked(file_hash(clean)) is None  # used up by the run that took it
    ledger.close()
    stored = json.loads((partial.folder("reports") / f"orders_{report.run_id}.json").read_text(encoding="utf-8"))
    assert any("as with --force" in note for note in stored["notes"])  # recorded in the report


def test_an_archived_file_can_be_dropped_again(page: StatusPage, partial: Config) -> None:
    html = get(page, f"/?token={TOKEN}").body.decode()
    (archived,) = (p for p in partial.folder("archive").rglob("*") if p.is_file())
    where = archived.relative_to(partial.folder("archive")).as_posix()
    assert f'<option value="{where}">' in html
    kind, body = multipart_body({"token": TOKEN, "archived": where}, {"upload": ("", b"")})
    response = page.handle(Request("POST", "/reimport", {**HOST, "Origin": ORIGIN, "Content-Type": kind}, body))
    assert response.status == 303 and "done=reimport" in response.headers["Location"]
    assert (partial.folder("inbox") / archived.name).read_bytes() == archived.read_bytes() and archived.exists()


def test_the_guide_is_rendered_from_docs(view: StatusPage) -> None:
    html = get(view, f"/guide?token={TOKEN}").body.decode()
    assert "<table>" in html and "What to do with a reject" in html and "required-empty" in html


@pytest.mark.parametrize(("code", "step"), [
    pytest.param("value-map", "value map", id="value-map"),
    pytest.param("order-does-not-add-up", "shop admin", id="total"),
    pytest.param("not-a-number", "correct the value", id="number"),
    pytest.param("required-empty", "fill the empty field", id="required"),
    pytest.param("not-a-parcel-number", "parcel number in GS-Office", id="parcel-number-not-the-address"),
    pytest.param("needs-config", "(the fix is in: etl.yaml)", id="billing-number-in-etl-yaml"),
    pytest.param("carrier-refused", "delivery address in the shop", id="carrier"),
    pytest.param("incomplete-set", "drop all files", id="file-incomplete-set"),
    pytest.param("", "docs/rejects.md", id="no-code-points-at-the-guide"),
])
def test_the_next_step_is_looked_up_by_code(code: str, step: str) -> None:
    assert step in for_code(code, "en")


def test_a_refused_file_names_its_code_and_the_page_shows_it(view: StatusPage, seen: Config) -> None:
    failed = collect(seen).failed
    assert [(Path(f["file"]).name, f["code"]) for f in failed] == [("junk.bin", "no-flow-reads-it")]
    assert failed[0]["next_step"] == for_code("no-flow-reads-it")
    html = get(view, f"/?token={TOKEN}").body.decode()
    assert "<code class=\"code\">no-flow-reads-it</code>" in html.split('id="failed-table"')[1]
    assert "<code class=\"code\">order-does-not-add-up</code>" in html.split('id="rejects"')[1]


def test_the_server_listens_on_loopback_only_and_wants_the_token(seen: Config) -> None:
    server, url = make_server(seen)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert server.server_address[0] == "127.0.0.1"
        with urllib.request.urlopen(url, timeout=30) as answer:
            assert answer.status == 200 and b"flat_cp1252.csv" in answer.read()
        with pytest.raises(urllib.error.HTTPError) as refused_:
            urllib.request.urlopen(url.split("?")[0], timeout=30)
        assert refused_.value.code == 403
        refused_.value.close()
    finally:
        server.shutdown()
        server.server_close()


def test_etl_status_lists_rejects_with_file_line_and_next_step(seen: Config) -> None:
    result = subprocess.run([sys.executable, "-m", "etl", "status", "-c", str(seen.base / "etl.yaml")],
                            capture_output=True, text=True, timeout=120,
                            env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "ETL_LANG": "en"})
    assert result.returncode == 0, result.stderr
    # written in German, told in English: from the file's code and parameters
    assert "flat_cp1252.csv:19 ot_total: the order does not add up" in result.stdout
    assert "next: check the order in the shop admin" in result.stdout
    assert "refused; next: export with the expected columns" in result.stdout  # junk.bin
    assert "_rejects.csv" in result.stdout and "docs/rejects.md" in result.stdout
