"""Carrying out a table's deletes policy (extract_load/deletes.py) inside the publishing
transaction: raw's rows whose key is missing from the staged key set are marked or removed,
and marked rows whose key is back are unmarked. A row marked or unmarked takes the batch's
`_loaded_at` and `_batch_id`, as a changed row does: incremental models then see it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ..deletes import DELETED_AT
from ..identifiers import qualified, quote_ident
from ..ledger import Batch
from ..tables import DeletePolicy

__all__ = ["apply_deletes", "deleted_at_ddl"]

# A DML statement and its parameters -> how many rows it wrote (Warehouse._insert_count).
Count = Callable[[str, Sequence[object]], int]


def deleted_at_ddl(schema: str, table: str) -> str:
    """Gives an incremental raw table the `_deleted_at` column (tables loaded before it existed
    get it too); NULL for every row until a load finds its key gone."""
    return (
        f"ALTER TABLE {qualified(schema, table)} "
        f"ADD COLUMN IF NOT EXISTS {quote_ident(DELETED_AT)} TIMESTAMPTZ"
    )


def _key_in(alias: str, relation: str, primary_key: Sequence[str]) -> str:
    match = " AND ".join(f"k.{quote_ident(c)} = {alias}.{quote_ident(c)}" for c in primary_key)
    return f"EXISTS (SELECT 1 FROM {relation} AS k WHERE {match})"


def apply_deletes(
    count: Count,
    schema: str,
    target: str,
    primary_key: Sequence[str],
    policy: DeletePolicy,
    batch: Batch,
    at: datetime,
    stage: str,
    keys: str | None,
) -> int | None:
    """Inside the publishing transaction, after the merge of `stage`: under `soft`, rows of
    `target` marked deleted whose key is in the batch (or, when staged, in the key set `keys`)
    are unmarked; if `keys` was staged, rows whose key is not in it are marked (`soft`) or
    deleted (`hard`). Returns how many were marked or deleted; None without a key set."""
    table = qualified(schema, target)
    deleted = quote_ident(DELETED_AT)
    marked = f"{deleted} IS NOT NULL"
    stamp = "_loaded_at = %s, _batch_id = %s"
    meta = (batch.started_at, batch.batch_id)
    if policy == "soft":
        back = _key_in("t", qualified(schema, stage), primary_key)
        if keys is not None:
            back = f"({back} OR {_key_in('t', qualified(schema, keys), primary_key)})"
        count(f"UPDATE {table} AS t SET {deleted} = NULL, {stamp} WHERE {marked} AND {back}", meta)
    if keys is None or policy == "ignore":
        return None
    gone = f"NOT {_key_in('t', qualified(schema, keys), primary_key)}"
    if policy == "hard":
        return count(f"DELETE FROM {table} AS t WHERE {gone}", ())
    return count(
        f"UPDATE {table} AS t SET {deleted} = %s, {stamp} WHERE {deleted} IS NULL AND {gone}",
        (at, *meta),
    )
