"""A private MariaDB server for tests: its own datadir and socket, 127.0.0.1 on a free port, torn down after.

The shop's receivers are tested against the real thing: the xt:Commerce 3 tables (tests/shopdb/,
the upstream CREATE TABLE statements), strict SQL mode, the `mariadb` client and `SELECT ... INTO
OUTFILE` writing real exports. Without the server installed the tests that need it are skipped, unless
`ETL_REQUIRE_MARIADB` is set (CI sets it), then they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SHOPDB = Path(__file__).parent / "shopdb"
USER, PASSWORD = "etl", "etl-test-pw"


def _binary(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or next((str(p) for d in ("/usr/sbin", "/usr/bin")
                                            if (p := Path(d) / name).is_file()), None)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class MariaDB:
    """A running server; `client` runs the real `mariadb` command-line client against it."""

    port: int
    socket: Path
    files: Path  # the server's secure_file_priv: where INTO OUTFILE may write
    client_bin: str

    def client(self, *args: str, database: str | None = None, sql: str | None = None) -> bytes:
        """Run the `mariadb` client with `args` (as the test user, over TCP); its standard output."""
        command = [self.client_bin, "--no-defaults", "--protocol=TCP", "-h127.0.0.1", f"-P{self.port}",
                   f"-u{USER}", f"-p{PASSWORD}", *args]
        if database:
            command.append(database)
        result = subprocess.run(command, input=sql.encode() if sql else None, capture_output=True, check=False)
        if result.returncode:
            raise RuntimeError(f"mariadb {' '.join(args)}: {result.stderr.decode(errors='replace')}")
        return result.stdout

    def create_database(self, tables: tuple[str, ...] = ("order_tables", "catalog_tables")) -> str:
        """A fresh database with the xt:Commerce tables of `tables` (files in tests/shopdb/)."""
        name = f"shop_{uuid.uuid4().hex[:8]}"
        self.client(sql=f"CREATE DATABASE {name} CHARACTER SET latin1 COLLATE latin1_german1_ci")
        for table_file in tables:
            self.client(database=name, sql=(SHOPDB / f"xtc_{table_file}.sql").read_text(encoding="utf-8"))
        return name


def start(base: Path) -> Iterator[MariaDB]:
    """Start a server under `base`, yield it, stop it."""
    server, install, client = _binary("mariadbd", "mysqld"), _binary("mariadb-install-db", "mysql_install_db"), \
        _binary("mariadb", "mysql")
    if not (server and install and client):
        if os.environ.get("ETL_REQUIRE_MARIADB"):
            pytest.fail("MariaDB is required (ETL_REQUIRE_MARIADB) but mariadbd is not installed")
        pytest.skip("MariaDB is not installed (apt-get install mariadb-server)")
    data, files, sock = base / "data", base / "files", base / "mariadb.sock"
    files.mkdir()
    user = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run([install, "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=socket",
                    "--skip-test-db", *user], check=True, capture_output=True)
    port = _free_port()
    log = (base / "server.log").open("wb")
    process = subprocess.Popen([server, "--no-defaults", f"--datadir={data}", f"--socket={sock}",
                                f"--port={port}", "--bind-address=127.0.0.1", f"--secure-file-priv={files}",
                                f"--pid-file={base / 'mariadb.pid'}", "--skip-log-bin", "--innodb-buffer-pool-size=32M",
                                *user], stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            done = subprocess.run([client, "--no-defaults", f"--socket={sock}", "-uroot", "-e",
                                   f"CREATE USER IF NOT EXISTS '{USER}'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}';"
                                   f"GRANT ALL ON *.* TO '{USER}'@'127.0.0.1'"], capture_output=True, check=False)
            if done.returncode == 0:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("MariaDB did not start: " + (base / "server.log").read_text(errors="replace"))
            time.sleep(0.2)
        yield MariaDB(port, sock, files, client)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDB]:
    """The session's private MariaDB server."""
    yield from start(tmp_path_factory.mktemp("mariadb"))


@pytest.fixture
def shop_db(mariadb: MariaDB) -> str:
    """A fresh database with every xt:Commerce 3 table, for one test."""
    return mariadb.create_database()
