"""The status page's requests and answers, without a socket: token, same-origin check, pages and actions."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import multipart
from jinja2 import Environment, FileSystemLoader

from etl.config import Config
from etl.i18n import language
from etl.serve.actions import archived_inputs, reimport, reimport_archived, retry_failed
from etl.serve.files import doc_path, render_doc, working_file
from etl.serve.view import file_link, formats, groups, needs
from etl.serve.words import texts
from etl.shared.errors import EtlError
from etl.status import collect, filter_rejects

MAX_BODY = 200 * 1024 * 1024  # an upload larger than this is no export
# No script, no outside resource: the page works offline and nothing injected could run.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data: 'self'; "
                               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
                         trim_blocks=True, lstrip_blocks=True)


@dataclass
class Request:
    """One HTTP request as the server read it (header names in any case)."""

    method: str
    target: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str:
        """A header's value, or ''."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), "")


@dataclass
class Response:
    """What the server sends back."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class StatusPage:
    """The page of one working folder, for requests carrying `token`, served at `origin` (http://127.0.0.1:port)."""

    def __init__(self, config: Config, token: str, origin: str) -> None:
        self.config = config
        self.token = token
        self.origin = origin.rstrip("/")
        port = urlsplit(self.origin).port
        self.hosts = {urlsplit(self.origin).netloc, f"localhost:{port}"}

    def handle(self, request: Request) -> Response:
        """Answer one request: 403 without the token or from another site, else the page or an action."""
        url = urlsplit(request.target)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if request.header("Host") not in self.hosts:  # a foreign name pointing at 127.0.0.1 (DNS rebinding)
            return self._refuse("this page answers only at " + self.origin)
        if request.method == "GET":
            if not self._token_ok(query.get("token", "")):
                return self._refuse("the link lacks the page's token: open the address `etl serve` printed")
            return self._get(url.path, query)
        if request.method != "POST":
            return Response(405, b"method not allowed", {"Allow": "GET, POST"})
        if not self._same_origin(request):
            return self._refuse("the form was not sent from this page")
        try:
            form, files = _form(request)
        except (ValueError, multipart.MultipartError) as exc:
            return Response(400, f"unreadable form: {exc}".encode(), {"Content-Type": "text/plain; charset=utf-8"})
        if not self._token_ok(form.get("token", "")):
            return self._refuse("the form lacks the page's token")
        return self._act(url.path, form, files)

    def _get(self, path: str, query: Mapping[str, str]) -> Response:
        """The page, a guide (`/guide`, `/guide/<name>`) or a file of the working folder (`/file/<folder>/<path>`)."""
        if path == "/":
            return self._html(self.page(query))
        if path == "/guide" or path.startswith("/guide/"):
            name = unquote(path.removeprefix("/guide").removeprefix("/")) or "rejects.md"
            found = doc_path(name)
            if found is None:
                return self._html(self.guide(None), 404)
            if found.suffix == ".png":
                return Response(200, found.read_bytes(), {"Content-Type": "image/png", **SECURITY_HEADERS})
            return self._html(self.guide(found.read_text(encoding="utf-8")))
        folder, _, where = path.removeprefix("/file/").partition("/")
        served = working_file(self.config, folder, unquote(where)) if path.startswith("/file/") else None
        if served is None:
            return Response(404, b"not found", {"Content-Type": "text/plain; charset=utf-8"})
        return Response(200, served[0], {**SECURITY_HEADERS, **served[1]})

    def page(self, query: Mapping[str, str]) -> str:
        """The status page: what needs the merchant first, then the rejects by run and file (filtered by run,
        file and reason text), the re-import form and the watcher's log."""
        status = collect(self.config)
        lang = language(self.config.language)
        chosen = {name: query.get(name, "").strip() for name in ("run", "file", "q")}
        rejects = filter_rejects(status.rejects, chosen["run"], chosen["file"], chosen["q"])
        links = {str(r["rejects_file"]): file_link(self.config, str(r["rejects_file"]), self.token)
                 for r in status.runs}
        failed = [{**f, "link": file_link(self.config, f["file"] + ".reason.txt", self.token)} for f in status.failed]
        return self._render(lang, view="status", status=status, groups=groups(rejects, links), shown=len(rejects),
                            chosen=chosen, needs=needs(status), links=links, failed=failed,
                            now=datetime.now().isoformat(timespec="seconds"),
                            run_ids=sorted({r["run_id"] for r in status.rejects}, reverse=True),
                            files=sorted({r["file"] for r in status.rejects}), archived=archived_inputs(self.config),
                            done=query.get("done", ""), name=query.get("name", ""), error=query.get("error", ""))

    def guide(self, text: str | None) -> str:
        """A guide of docs/ (docs/rejects.md: what to do with each kind of reject) as a page."""
        lang = language(self.config.language)
        html = render_doc(text, self.token) if text is not None else ""
        return self._render(lang, view="guide", guide=html)

    def _render(self, lang: str, **context: object) -> str:
        return _TEMPLATES.get_template("status.html.j2").render(
            lang=lang, t=texts(lang), token=self.token, base=str(self.config.base), **formats(lang), **context)

    def _act(self, path: str, form: Mapping[str, str], files: Mapping[str, tuple[str, bytes]]) -> Response:
        try:
            if path == "/retry":
                moved = retry_failed(self.config, form.get("where", ""))
                return self._back(done="retry", name=moved.name)
            if path == "/reimport":
                if files.get("upload") and files["upload"][0]:
                    dropped = reimport(self.config, *files["upload"])
                elif form.get("archived"):
                    dropped = reimport_archived(self.config, form["archived"])
                else:
                    return self._back(error="choose a file to upload or one from the archive")
                return self._back(done="reimport", name=dropped.name)
        except (EtlError, OSError) as exc:
            return self._back(error=str(exc))
        return Response(404, b"not found", {"Content-Type": "text/plain; charset=utf-8"})

    def _token_ok(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), self.token.encode())

    def _same_origin(self, request: Request) -> bool:
        """A form of this page: Origin (or, without it, Referer) is ours, and the browser does not say cross-site."""
        if request.header("Sec-Fetch-Site") not in ("", "same-origin"):
            return False
        origin = request.header("Origin")
        if origin:
            return origin == self.origin
        return request.header("Referer").startswith(self.origin + "/")

    def _back(self, **result: str) -> Response:
        """Back to the page (post, redirect, get), with what the action did."""
        return Response(303, headers={"Location": "/?" + urlencode({"token": self.token, **result})})

    def _refuse(self, why: str) -> Response:
        return Response(403, f"forbidden: {why}\n".encode(), {"Content-Type": "text/plain; charset=utf-8"})

    @staticmethod
    def _html(text: str, status: int = 200) -> Response:
        return Response(status, text.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8", **SECURITY_HEADERS})


def _form(request: Request) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """Fields and uploaded files (name -> (file name, content)) of a urlencoded or multipart form."""
    kind, options = multipart.parse_options_header(request.header("Content-Type"))
    if kind == "application/x-www-form-urlencoded":
        fields = parse_qs(request.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        return {k: v[-1] for k, v in fields.items()}, {}
    if kind != "multipart/form-data" or not options.get("boundary"):
        raise ValueError(f"a form is url-encoded or multipart, not '{kind or 'empty'}'")
    form: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    parser = multipart.MultipartParser(BytesIO(request.body), options["boundary"], len(request.body))
    for part in parser:
        if part.filename is not None:
            files[part.name] = (part.filename, part.raw)
        else:
            form[part.name] = part.value
    return form, files
