"""The schema-drift policy, as a pure function of the two tables' columns.

New source columns are added; a column whose type changed stops the load, naming table, column,
old and new type; a column gone from the source stays in the warehouse, NULL from now on. The
warehouse only carries the verdict out (logging, ALTERs).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from .errors import SchemaDriftError

__all__ = ["Drift", "drift_verdict"]


@dataclass(frozen=True)
class Drift:
    """What changed between the warehouse table and the staged batch, in column order."""

    added: tuple[str, ...] = ()  # in the batch, not yet in the warehouse table
    dropped: tuple[str, ...] = ()  # in the warehouse table, gone from the source

    def __bool__(self) -> bool:
        return bool(self.added or self.dropped)


def drift_verdict(
    table_label: str,
    existing: Mapping[str, str],
    staged: Mapping[str, str],
    metadata_columns: Collection[str] = (),
) -> Drift:
    """Compare the warehouse table's columns (`existing`, name -> type) with the staged batch's.

    Names are compared exactly: `Name` and `name` are two columns, as the source has them.
    Metadata columns (written by the loader, not read from the source) are never reported as
    dropped. Raises SchemaDriftError if a column's type changed.
    """
    for name, new_type in staged.items():
        old_type = existing.get(name)
        if old_type is not None and old_type != new_type:
            raise SchemaDriftError(
                f"{table_label}: column {name!r} changed type from {old_type} to "
                f"{new_type}; nothing was written. Migrate the warehouse table (or drop it "
                "for a full reload) and run again"
            )
    added = tuple(name for name in staged if name not in existing)
    dropped = tuple(
        name for name in existing if name not in staged and name not in metadata_columns
    )
    return Drift(added=added, dropped=dropped)
