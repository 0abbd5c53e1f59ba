"""`elt docs`: dbt's documentation site, generated against the warehouse and served locally.

`dbt docs generate` writes the manifest (models, descriptions, tests, lineage) and the catalogue
(the columns and types the warehouse really has) into the target folder; a plain HTTP server
then serves that folder, on 127.0.0.1 only, to the analyst's browser.
"""

from __future__ import annotations

import errno
import functools
import http.server
import logging
from pathlib import Path
from typing import Any

from extract_load import EltError, Settings

from .locations import DBT_PROJECT_DIR

__all__ = ["DEFAULT_PORT", "HOST", "bind_docs_server", "generate_docs", "serve_docs"]

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # analysts' own machine: the catalogue names every table and column
DEFAULT_PORT = 8580


def generate_docs(target_path: Path) -> None:
    """`dbt docs generate` with the catalogue, on the warehouse the environment names."""
    from .dbt_project import invoke_dbt  # dbt and Dagster: only the docs command needs them

    settings = Settings.from_env()
    log.info("dbt docs generate on %s into %s", settings.warehouse_label(), target_path)
    result = invoke_dbt(
        "--log-level", "warn", "docs", "generate", "--target-path", str(target_path)
    )
    if not result.success or not (target_path / "catalog.json").exists():
        reason = f": {result.exception}" if result.exception else " (its errors are above)"
        raise EltError(f"dbt docs generate failed on {settings.warehouse_label()}{reason}")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("docs server: " + format, *args)


def bind_docs_server(directory: Path, port: int = DEFAULT_PORT) -> http.server.HTTPServer:
    """An HTTP server of `directory` on 127.0.0.1:`port` (0: a free port), bound but not yet
    serving; a port in use is an error that names it and the way out."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    try:
        return http.server.ThreadingHTTPServer((HOST, port), handler)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise EltError(
                f"port {port} on {HOST} is already in use (another `elt docs`?): stop what "
                f"listens there, or pass --port N for another port (--port 0 picks a free one)"
            ) from None
        raise EltError(f"cannot serve the docs on {HOST}:{port}: {error.strerror}") from None


def serve_docs(port: int = DEFAULT_PORT, target_path: Path | None = None) -> int:
    """Generate the docs, then serve them until interrupted; prints the address."""
    target = (target_path or DBT_PROJECT_DIR / "target").resolve()
    # The port first: a port in use fails at once, not after dbt has run.
    server = bind_docs_server(target, port)
    try:
        generate_docs(target)
        address = f"http://{HOST}:{server.server_address[1]}/"
        print(f"dbt docs of the warehouse at {address} (Ctrl-C stops)", flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
