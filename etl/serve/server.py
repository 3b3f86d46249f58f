"""The socket side of `etl serve`: a threading HTTP server on 127.0.0.1 that hands every request to StatusPage."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from etl.config import Config
from etl.serve.app import MAX_BODY, Request, StatusPage
from etl.state.page_token import page_token

HOST = "127.0.0.1"  # never another interface: the page shows customer data and moves files
log = logging.getLogger("etl.serve")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    page: StatusPage  # set once the socket is bound (the origin holds the port)


class _Handler(BaseHTTPRequestHandler):
    server_version = "etl-serve"
    sys_version = ""

    def do_GET(self) -> None:
        self._answer(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.send_error(413, "the file is too large for an export")
            return
        self._answer(self.rfile.read(length))

    def _answer(self, body: bytes) -> None:
        assert isinstance(self.server, _Server)
        response = self.server.page.handle(Request(self.command, self.path, dict(self.headers.items()), body))
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        # The request line holds the token: log the method and path only.
        log.debug("%s %s", self.command, self.path.split("?", 1)[0])


def make_server(config: Config, port: int = 0, token: str | None = None) -> tuple[ThreadingHTTPServer, str]:
    """A server for `config`'s status page on 127.0.0.1:`port` (0: a free one) and the URL with its token
    (the working folder's, `state/serve.token`, unless `token` is given)."""
    token = token or page_token(config.folder("state"))
    server = _Server((HOST, port), _Handler)
    origin = f"http://{HOST}:{server.server_address[1]}"
    server.page = StatusPage(config, token, origin)
    return server, f"{origin}/?token={token}"


def serve(config: Config, port: int = 0, ready: Callable[[str], None] | None = None) -> None:
    """Serve the status page until interrupted; `ready` gets the URL once the socket listens."""
    server, url = make_server(config, port)
    if ready:
        ready(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
