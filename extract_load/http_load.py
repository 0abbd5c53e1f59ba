"""Loading one endpoint of an HTTP source: batch after batch, each published with its cursor.

Each read of `http_source.endpoint_reads` is a batch of its own in `elt.load_batches`: staged,
then merged on the key in one transaction with the cursor it reached (the largest value of
the cursor column in it). A load killed or failed after some batches keeps them published;
its rerun starts after the saved cursor, so no record is missed and none is loaded twice.
"""

from __future__ import annotations

from contextlib import closing

from . import ledger
from .http_client import HttpClient
from .http_source import endpoint_reads
from .ledger import Batch
from .streams import Progress
from .tables import SourceSpec, TableSpec
from .warehouse import StagePlan, Warehouse

__all__ = ["http_client", "load_endpoint"]


def http_client(source: SourceSpec, url: str, token: str | None) -> HttpClient:
    """The client of `source` at `url`, as its entry in sources.yml says to ask it."""
    options = source.http
    assert options is not None, "an http source has its options"
    return HttpClient(
        url,
        source.name,
        source.url_env,
        token=token,
        token_env=options.token_env,
        rate_limit=options.rate_limit,
        attempts=options.max_attempts,
        base_seconds=options.backoff_seconds,
        max_seconds=options.max_backoff_seconds,
        timeout=options.timeout_seconds,
    )


def load_endpoint(
    warehouse: Warehouse,
    source: SourceSpec,
    spec: TableSpec,
    url: str,
    token: str | None,
    max_bad_fraction: float,
    progress: Progress,
    batches: list[Batch],
) -> None:
    """Load the endpoint `spec.name`, appending each batch to `batches` as it starts (the
    caller fails the last one if it raises). The caller holds the table's lock."""
    endpoint = source.endpoint(spec.name)
    schema = source.raw_schema
    incremental = spec.mode == "incremental"
    cursor = None
    if incremental and warehouse.table_columns(schema, spec.name) is not None:
        cursor = warehouse.read_cursor(source.name, spec.name)
    with closing(http_client(source, url, token)) as client:
        for read in endpoint_reads(client, endpoint, cursor if incremental else None):
            batch = Batch(
                source=source.name,
                table=spec.name,
                mode=spec.mode,
                cursor_column=spec.cursor_column if incremental else None,
                cursor_before=cursor,
            )
            plan = StagePlan(schema, spec.name, batch)
            warehouse.start_batch(batch)
            batches.append(batch)
            batch.rows_read = warehouse.write_stage(plan, read, progress)
            warehouse.publish(plan, spec.mode, spec.primary_key, max_bad_fraction)
            cursor = batch.cursor_after
    if not batches:  # nothing new: the run is still a batch of the ledger
        batch = Batch(
            source=source.name,
            table=spec.name,
            mode=spec.mode,
            cursor_column=spec.cursor_column if incremental else None,
            cursor_before=cursor,
        )
        warehouse.start_batch(batch)
        batches.append(batch)
        batch.cursor_after = cursor
        with warehouse.transaction():
            ledger.commit_batch(warehouse.execute, batch)
