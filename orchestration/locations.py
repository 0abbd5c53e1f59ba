"""Where the project's parts are, without importing what runs them: the commands that only
load (`elt load`) must not pay for importing dbt and Dagster (about 2 s)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DBT_PROJECT_DIR", "PROFILES_DIR", "REPOSITORY"]

REPOSITORY = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPOSITORY / "dbt_project"
PROFILES_DIR = REPOSITORY / "profiles"
