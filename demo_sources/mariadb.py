"""A private MariaDB server in a folder of its own: for the MySQL tests and the benchmark.

Debian's `mariadb-server` package provides the binaries (`mariadb-install-db`, `mariadbd`);
the server runs on a unix socket in the folder, with no network and never as the system's
service, and is stopped when the block ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pymysql
from sqlalchemy.engine import make_url

__all__ = ["HOW_TO_INSTALL", "admin_connection", "mariadb_binaries", "private_mariadb"]

HOW_TO_INSTALL = "apt-get install mariadb-server (only its binaries are used)"
_SEARCH_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/usr/local/mysql/bin"]
)


def admin_connection(
    url: str, connect_timeout: float = 10, local_infile: bool = False
) -> pymysql.Connection:
    """A plain read-write connection for building data (not the loader's); `local_infile`
    lets it send files of this machine with LOAD DATA LOCAL INFILE."""
    parsed = make_url(url)
    socket = parsed.query.get("unix_socket")
    return pymysql.connect(
        host=parsed.host or "localhost",
        port=parsed.port or 3306,
        user=parsed.username or "root",
        password=parsed.password or "",
        database=parsed.database or None,
        unix_socket=socket if isinstance(socket, str) else None,
        charset="utf8mb4",
        autocommit=True,
        connect_timeout=connect_timeout,
        local_infile=local_infile,
    )


def _binary(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name, path=_SEARCH_PATH)
        if found:
            return found
    return None


def mariadb_binaries() -> tuple[str, str] | None:
    """(server, install-db) if a MariaDB (or MySQL) server is installed."""
    server = _binary("mariadbd", "mysqld")
    install = _binary("mariadb-install-db", "mysql_install_db")
    return (server, install) if server and install else None


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"mariadbd exited with code {process.returncode}:\n{tail}")
        try:
            admin_connection(url, connect_timeout=2).close()
            return
        except pymysql.err.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def private_mariadb(
    folder: Path, time_zone: str = "+00:00", buffer_pool: str = "64M"
) -> Iterator[str]:
    """Start a server with its data in `folder`; a `mysql://` URL (no database) of its root."""
    binaries = mariadb_binaries()
    if binaries is None:
        raise RuntimeError(f"no MariaDB server is installed: {HOW_TO_INSTALL}")
    server, install = binaries
    data, socket, log = folder / "data", folder / "mysql.sock", folder / "server.log"
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run(
        [
            install,
            "--no-defaults",
            f"--datadir={data}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            *as_root,
        ],
        check=True,
        capture_output=True,
    )
    process = subprocess.Popen(
        [
            server,
            "--no-defaults",
            f"--datadir={data}",
            f"--socket={socket}",
            f"--pid-file={folder / 'mysql.pid'}",
            f"--log-error={log}",
            "--skip-networking",
            f"--default-time-zone={time_zone}",
            f"--innodb-buffer-pool-size={buffer_pool}",
            *as_root,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"mysql://root@localhost/?unix_socket={socket}"
    try:
        _wait_until_ready(process, url, log)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
