"""The warehouse's schema names, spelled once: raw schemas, the ledger's, dbt's and the
analysts'. dbt's names must agree with the `+schema` of each folder and of the snapshots in
dbt_project.yml (a test checks that they do)."""

from __future__ import annotations

__all__ = [
    "DBT_SCHEMAS",
    "INTERMEDIATE_SCHEMA",
    "MARTS_SCHEMA",
    "METADATA_SCHEMA",
    "PUBLISHED_SCHEMA",
    "RAW_PREFIX",
    "SNAPSHOTS_SCHEMA",
    "STAGING_SCHEMA",
    "raw_schema",
]

# A source's tables land, as they are, in `raw_<source>`.
RAW_PREFIX = "raw_"
# The load ledger, cursors and quarantined rows (extract_load/ledger.py).
METADATA_SCHEMA = "elt"
# dbt's layers: staging views, intermediate models, the marts dbt builds and tests.
STAGING_SCHEMA = "staging"
INTERMEDIATE_SCHEMA = "intermediate"
MARTS_SCHEMA = "marts"
# dbt's snapshots (SCD type 2 history): written by dbt like its other schemas, but never
# rebuilt, so losing it loses history no source still has.
SNAPSHOTS_SCHEMA = "snapshots"
DBT_SCHEMAS = (STAGING_SCHEMA, INTERMEDIATE_SCHEMA, SNAPSHOTS_SCHEMA, MARTS_SCHEMA)
# Where analysts read: a copy of the marts, replaced only after a build whose tests all passed
# (orchestration/serving/publish.py). dbt's own schemas, marts included, are the pipeline's
# workshop.
PUBLISHED_SCHEMA = "analytics"


def raw_schema(source: str) -> str:
    """The schema a source's tables land in: `raw_pagila` for the source `pagila`."""
    return f"{RAW_PREFIX}{source}"
