"""`elt run`: materialise the whole graph through the same Definitions `dagster dev` shows."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import dagster as dg

from extract_load import Settings
from extract_load.identifiers import qualified
from extract_load.schemas import MARTS_SCHEMA
from extract_load.warehouse import open_warehouse

from .instance import ensure_instance_settings
from .serving.publish import analyst_location
from .text_tables import format_table

__all__ = ["run_everything"]


def _instance() -> dg.DagsterInstance:
    # With DAGSTER_HOME set, runs are recorded where `dagster dev` shows them, and that
    # instance gets the settings that keep its runs from overlapping.
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return dg.DagsterInstance.ephemeral()
    print(f"elt: {ensure_instance_settings(Path(home).expanduser().resolve())}")
    return dg.DagsterInstance.get()


def _load_summary(result: dg.ExecuteInProcessResult) -> str:
    rows = []
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        metadata = {key: value.value for key, value in materialization.metadata.items()}
        if "rows_read" in metadata:
            rows.append(
                (
                    "/".join(materialization.asset_key.path),
                    metadata["rows_read"],
                    metadata["rows_quarantined"],
                    metadata["rows_changed"],
                    metadata["seconds"],
                )
            )
    return format_table(
        ("raw table", "rows read", "quarantined", "rows changed", "seconds"), sorted(rows)
    )


def _marts_summary(settings: Settings) -> str:
    """Rows per mart, a sample of what the recommendation marts say, and how each
    recommendation method did in rec_evaluation."""
    warehouse = open_warehouse(settings)
    try:
        tables = [
            name
            for (name,) in warehouse.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                "AND table_type = 'BASE TABLE' ORDER BY table_name",
                (MARTS_SCHEMA,),
            )
        ]
        counts = [
            (f"{MARTS_SCHEMA}.{name}", warehouse.row_count(MARTS_SCHEMA, name)) for name in tables
        ]
        parts = [format_table(("mart", "rows"), counts)]
        if "rec_course_recommendations" in tables:
            columns, sample = warehouse.query(
                f"SELECT r.user_id, r.method, r.recommendation_rank, r.course_id, c.title, "
                f"round(CAST(r.score AS NUMERIC), 2) AS score "
                f"FROM {qualified(MARTS_SCHEMA, 'rec_course_recommendations')} AS r "
                f"INNER JOIN {qualified(MARTS_SCHEMA, 'dim_courses')} AS c "
                f"ON r.course_id = c.course_id "
                f"WHERE r.user_id = (SELECT min(user_id) FROM "
                f"{qualified(MARTS_SCHEMA, 'rec_course_recommendations')}) "
                f"ORDER BY r.method, r.recommendation_rank"
            )
            parts.append("Course recommendations for one user:\n" + format_table(columns, sample))
        if "rec_evaluation" in tables:
            columns, evaluation = warehouse.query(
                f"SELECT method, k, users_evaluated, hits, "
                f"round(CAST(100 * hit_rate AS NUMERIC), 1) AS hit_rate_percent, "
                f"round(CAST(100 * coverage AS NUMERIC), 1) AS coverage_percent "
                f"FROM {qualified(MARTS_SCHEMA, 'rec_evaluation')} "
                f"ORDER BY hit_rate DESC NULLS LAST, method"
            )
            parts.append(
                "Recommendation methods on held-out latest ratings "
                "(elt recommend serves the best):\n" + format_table(columns, evaluation)
            )
        return "\n\n".join(parts)
    finally:
        warehouse.close()


def _published_summary(result: dg.ExecuteInProcessResult) -> str:
    """Rows per published mart, as the publishing step counted them (on Spark, which this
    process does not query itself)."""
    for event in result.get_asset_materialization_events():
        metadata = event.materialization.metadata
        if "rows_by_table" in metadata:
            counts = metadata["rows_by_table"].value
            assert isinstance(counts, dict)
            return format_table(
                ("mart", "rows"), [(f"{MARTS_SCHEMA}.{t}", n) for t, n in sorted(counts.items())]
            )
    return "(the marts were not published)"


def failed_checks(result: dg.ExecuteInProcessResult) -> list[str]:
    """`check on asset` for every asset check (dbt test) that failed in the run."""
    return [
        f"{evaluation.check_name} on {evaluation.asset_key.to_user_string()}"
        for evaluation in result.get_asset_check_evaluations()
        if not evaluation.passed
    ]


def run_everything() -> int:
    """Run the `everything` job in this process; print a summary; return an exit code."""
    from .definitions import defs

    settings = Settings.from_env()
    started = time.monotonic()
    job = defs.resolve_job_def("everything")
    with _instance() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            # Dagster's step events at DEBUG would bury the loaders' own progress lines.
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
    elapsed = time.monotonic() - started
    print(_load_summary(result))
    if not result.success:
        for check in failed_checks(result):
            print(f"elt: test failed: {check}", file=sys.stderr)
        for failure in result.get_step_failure_events():
            data = failure.step_failure_data
            message = data.error.message.strip() if data and data.error else "failed"
            print(f"elt: step {failure.step_key} failed: {message}", file=sys.stderr)
        print(f"elt: the run failed after {elapsed:.1f} s", file=sys.stderr)
        return 1
    print()
    print(_published_summary(result) if settings.warehouse == "spark" else _marts_summary(settings))
    print(f"\nAnalysts read the published marts: {analyst_location(settings)}")
    materialised = len(result.get_asset_materialization_events())
    print(
        f"\n{materialised} asset(s) materialised in {elapsed:.1f} s ({settings.warehouse_label()})"
    )
    return 0
