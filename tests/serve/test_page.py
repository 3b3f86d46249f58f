"""The status page's content: German by default, what needs the merchant first, rejects by run and file (fixed
ones marked), reject and reason files as links served only from the working folder, the guides."""

from __future__ import annotations

import html as markup
import re
import stat
from pathlib import Path

import pytest

from etl.config import Config
from etl.serve.app import Request, Response, StatusPage
from etl.serve.server import make_server
from etl.serve.words import PAGE
from etl.status import collect
from tests.serve.conftest import correct, refused

TOKEN = "t0ken-for-tests"
ORIGIN = "http://127.0.0.1:8765"
SECTIONS = ("needs", "watcher", "runs", "failed", "waiting", "rejects", "reimport", "watch-log")


def get(page: StatusPage, target: str) -> Response:
    return page.handle(Request("GET", target, {"Host": "127.0.0.1:8765"}))


def visible(html: str) -> str:
    """The page's text as a reader sees it (no markup, no style)."""
    body = html.split("</style>", 1)[-1]
    return re.sub(r" ([,.:])", r"\1", " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", body)).split()))


def links(html: str, prefix: str) -> list[str]:
    return [markup.unescape(h) for h in re.findall(r'href="([^"]+)"', html) if h.startswith(prefix)]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_word_of_the_page_is_in_the_chosen_language(seen: Config, monkeypatch: pytest.MonkeyPatch,
                                                         lang: str) -> None:
    monkeypatch.delenv("ETL_LANG")
    page = StatusPage(seen.model_copy(update={"language": lang}), TOKEN, ORIGIN)
    html = get(page, f"/?token={TOKEN}").body.decode()
    assert f'<html lang="{lang}">' in html
    text = visible(html)
    assert '<html lang="de">' in get(StatusPage(seen, TOKEN, ORIGIN), f"/?token={TOKEN}").body.decode()  # default
    (run,) = collect(seen).runs
    finished = str(run["finished"])
    if lang == "de":
        assert "Letzte Läufe" in text and "Abgelehnte Datensätze" in text and "teilweise" in text
        assert f"{finished[8:10]}.{finished[5:7]}.{finished[:4]}" in text  # 07.12.2026
        spoken = {key: word for key, word in PAGE.items() if "{" not in word and "<" not in word}
        english = [word for word in spoken.values()
                   if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) and word not in ("ok", "Code")]
        assert english == [], english
    else:
        assert "Last runs" in text and "Rejected records" in text and "partial" in text and "Lauf" not in text


def test_what_needs_the_merchant_comes_first_and_the_rejects_open_on_demand(seen: Config) -> None:
    html = get(StatusPage(seen, TOKEN, ORIGIN), f"/?token={TOKEN}").body.decode()
    places = [html.index(f'id="{section}"') for section in SECTIONS]
    assert places == sorted(places), dict(zip(SECTIONS, places, strict=True))
    needs = visible(html.split('id="needs"')[1].split('id="watcher"')[0])
    assert "Refused files in the error folder: 1" in needs and "Rejected records still open: 1" in needs
    (group,) = re.findall(r"<details class=\"group\"[^>]*>", html)
    assert " open" not in group  # closed until asked for
    assert "1 rejected, 1 open" in visible(html.split('id="rejects"')[1])


def test_reject_and_reason_files_are_links_served_from_the_working_folder(seen: Config) -> None:
    page = StatusPage(seen, TOKEN, ORIGIN)
    html = get(page, f"/?token={TOKEN}").body.decode()
    served = {link.split("?")[0]: get(page, link) for link in links(html, "/file/")}
    (rejects_file,) = seen.folder("rejects").iterdir()
    reason = refused(seen).with_name("junk.bin.reason.txt")
    expected = {f"/file/rejects/{rejects_file.name}": rejects_file,
                f"/file/error/{reason.relative_to(seen.folder('error')).as_posix()}": reason}
    assert set(served) == set(expected)
    for link, response in served.items():
        assert response.status == 200 and response.body == expected[link].read_bytes()
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert served[f"/file/rejects/{rejects_file.name}"].headers["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("target", [
    pytest.param("/file/rejects/../etl.yaml", id="dot-dot"),
    pytest.param("/file/rejects/..%2Fetl.yaml", id="dot-dot-encoded"),
    pytest.param("/file/rejects/%2Fetc%2Fpasswd", id="absolute"),
    pytest.param("/file/rejects//etc/passwd", id="double-slash"),
    pytest.param("/file/state/ledger.sqlite", id="state-folder"),
    pytest.param("/file/../etl.yaml", id="no-folder"),
    pytest.param("/file/rejects/outside.csv", id="link-out"),
    pytest.param("/file/rejects/", id="the-folder"),
    pytest.param("/guide/..%2Fetl.yaml", id="guide-dot-dot"),
    pytest.param("/guide/architecture.py", id="guide-not-a-doc"),
])
def test_nothing_outside_the_known_folders_is_served(seen: Config, target: str) -> None:
    outside = seen.folder("rejects") / "outside.csv"
    if not outside.is_symlink():
        outside.symlink_to(seen.base / "etl.yaml")
    response = get(StatusPage(seen, TOKEN, ORIGIN), f"{target}?token={TOKEN}")
    assert response.status == 404 and b"inbox:" not in response.body
    assert get(StatusPage(seen, TOKEN, ORIGIN), target).status == 403  # and without the token: nothing at all


def test_the_guide_and_the_guides_it_links_to_open(seen: Config) -> None:
    page = StatusPage(seen, TOKEN, ORIGIN)
    (guide_link,) = links(get(page, f"/?token={TOKEN}").body.decode(), "/guide")
    guide = get(page, guide_link)
    body = guide.body.decode()
    assert guide.status == 200 and "<table>" in body and "<code>required-empty</code>" in body
    inner = links(guide.body.decode(), "/guide/")
    assert "/guide/status-page.md?token=" + TOKEN in inner
    for link in inner:
        assert get(page, link).status == 200, link
    shots = re.findall(r'src="(/guide/[^"]+)"', get(page, f"/guide/status-page.md?token={TOKEN}").body.decode())
    assert shots and all(get(page, markup.unescape(s)).headers["Content-Type"] == "image/png" for s in shots)


def test_a_reject_a_later_run_wrote_is_marked_fixed(partial: Config, tmp_path: Path) -> None:
    page = StatusPage(partial, TOKEN, ORIGIN)
    before = get(page, f"/?token={TOKEN}").body.decode()
    assert 'class="state open"' in before and "fixed by run" not in before
    correct(partial, tmp_path)
    later = collect(partial)
    (reject,) = later.rejects
    fixing = next(str(r["run_id"]) for r in later.runs if r["run_id"] != reject["run_id"])
    assert reject["fixed"] == fixing
    html = get(page, f"/?token={TOKEN}").body.decode()
    group = visible(html.split('id="rejects"')[1].split('id="reimport"')[0])
    assert "1 rejected, 0 open, 1 fixed" in group and f"fixed by run {fixing}" in group
    assert 'class="state open"' not in html
    assert "Rejected records still open" not in visible(html.split('id="watcher"')[0])


def test_the_token_is_made_once_per_working_folder_and_only_its_owner_reads_it(seen: Config) -> None:
    first, first_url = make_server(seen)
    second, second_url = make_server(seen)
    try:
        token = (seen.folder("state") / "serve.token").read_text(encoding="ascii").strip()
        assert first_url.endswith(f"?token={token}") and second_url.endswith(f"?token={token}") and len(token) >= 32
        assert stat.S_IMODE((seen.folder("state") / "serve.token").stat().st_mode) == 0o600
    finally:
        first.server_close()
        second.server_close()
