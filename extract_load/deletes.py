"""Rows deleted in the source of an incremental table: when to look for them.

A cursor never sees a deleted row. A load finds them by reading the source's keys only
(streamed into a staging table of the warehouse) and comparing them with raw's, in the same
transaction as the rest of the batch; the table's declared policy (`deletes:` in sources.yml)
says what then happens to raw's rows whose key is gone:

- `soft` (the default): they get `_deleted_at`, the time the load found them gone; staging
  models leave them out, and so the marts do. A key that comes back clears it.
- `hard`: they are deleted from raw.
- `ignore`: nothing; the key set is not read.

Reading every key costs a scan of the source's key column(s): `deletes_every: N` does it on
every N-th load only (deletions then show up to N - 1 loads late).
"""

from __future__ import annotations

from .tables import DeletePolicy

__all__ = ["DELETED_AT", "key_check_due"]

# Raw's column for rows whose key is gone from the source (NULL while the row exists there).
DELETED_AT = "_deleted_at"


def key_check_due(policy: DeletePolicy, every: int, loads_since_check: int | None) -> bool:
    """Whether this load compares key sets: never under `ignore`; otherwise if no load of the
    table ever did (`loads_since_check` None), or if `every - 1` loads have passed since the
    last one that did."""
    if policy == "ignore":
        return False
    return loads_since_check is None or loads_since_check >= every - 1
