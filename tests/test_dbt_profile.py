"""dbt connects where ELT_POSTGRES_URL says: the URL is parsed once, by libpq's own parser
(extract_load.settings.dbt_profile_environment), and profiles/profiles.yml reads its parts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _elt_dbt_debug(url: str, logs: Path) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("ELT_", "PG"))
    }
    return subprocess.run(
        [str(BIN / "elt"), "dbt", "debug", "--log-path", str(logs)],
        cwd=REPOSITORY,
        env={**environment, "ELT_WAREHOUSE": "postgres", "ELT_POSTGRES_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://us%40er:p%3Aw%2Fd@[::1]:6543/sh%20op?sslmode=disable",
            {
                "host": "::1",
                "port": "6543",
                "user": "us@er",
                "database": "sh op",
                "sslmode": "disable",
            },
        ),
        (  # query parameters win over the URL's parts, as in libpq
            "postgres://url_user@ignored:1/ignored_db?host=/run/sockets&port=7777&user=loader&dbname=dw",
            {"host": "/run/sockets", "port": "7777", "user": "loader", "database": "dw"},
        ),
        (  # no database: the user's name, as libpq defaults it
            "postgresql://analyst@db.example.com",
            {"host": "db.example.com", "port": "5432", "user": "analyst", "database": "analyst"},
        ),
    ],
)
def test_dbt_reads_the_urls_parts(url, expected, tmp_path):
    debug = _elt_dbt_debug(url, tmp_path)
    shown = dict(re.findall(r"^\S*\s+(host|port|user|database|sslmode): (.*)$", debug.stdout, re.M))
    assert {key: shown.get(key) for key in expected} == expected, debug.stdout[-3000:]
    assert "p:w/d" not in debug.stdout + debug.stderr


def test_a_url_that_is_not_postgresql_is_named(tmp_path):
    debug = _elt_dbt_debug("mysql://root@localhost/db", tmp_path)
    assert debug.returncode == 2
    assert "ELT_POSTGRES_URL must be a PostgreSQL URL" in debug.stderr
