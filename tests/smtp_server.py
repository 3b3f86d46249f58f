"""A real SMTP server on 127.0.0.1 for mail tests (aiosmtpd), shared by every test that sends mail."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """aiosmtpd handler that keeps what it receives, and refuses the first `refuse` messages."""

    def __init__(self, refuse: int = 0) -> None:
        self.messages: list[bytes] = []
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Temporary failure, try again later"
        self.messages.append(envelope.content)
        return "250 OK"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A plain SMTP server on 127.0.0.1, stopped after the test."""
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
