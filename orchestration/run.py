"""`elt run`: materialise the whole graph through the same Definitions `dagster dev` shows."""

from __future__ import annotations

import logging
import os
import sys
import time

import dagster as dg

from extract_load.cli import format_table

__all__ = ["run_everything"]

log = logging.getLogger("elt")


def _instance() -> dg.DagsterInstance:
    # With DAGSTER_HOME set, runs are recorded where `dagster dev` shows them.
    return (
        dg.DagsterInstance.get()
        if os.environ.get("DAGSTER_HOME")
        else (dg.DagsterInstance.ephemeral())
    )


def run_everything() -> int:
    """Run the `everything` job in this process; print a summary; return an exit code."""
    from .definitions import defs

    started = time.monotonic()
    job = defs.resolve_job_def("everything")
    with _instance() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            # Dagster's step events at DEBUG would bury the loaders' own progress lines.
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
    rows = []
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        assert materialization is not None
        metadata = {key: value.value for key, value in materialization.metadata.items()}
        rows.append(
            (
                "/".join(materialization.asset_key.path),
                metadata.get("rows_read", metadata.get("rows", "")),
                metadata.get("rows_loaded", ""),
                metadata.get("seconds", ""),
            )
        )
    if rows:
        print(format_table(("asset", "rows read", "rows loaded", "seconds"), sorted(rows)))
    elapsed = time.monotonic() - started
    if not result.success:
        for failure in result.get_step_failure_events():
            data = failure.step_failure_data
            message = data.error.message.strip() if data and data.error else "failed"
            print(f"elt: step {failure.step_key} failed: {message}", file=sys.stderr)
        print(f"elt: the run failed after {elapsed:.1f} s", file=sys.stderr)
        return 1
    print(f"\n{len(rows)} asset(s) materialised in {elapsed:.1f} s")
    return 0
