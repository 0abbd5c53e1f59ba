"""The drift verdict, with no server: what a change of the source's columns means for the load."""

from __future__ import annotations

import pytest

from extract_load.drift import Drift, drift_verdict
from extract_load.errors import SchemaDriftError

METADATA = ("_loaded_at", "_batch_id")
LOADED = {"order_id": "INTEGER", "amount": "DECIMAL(8,2)", "_loaded_at": "TIMESTAMP WITH TIME ZONE"}


def _verdict(existing: dict[str, str], staged: dict[str, str]) -> Drift:
    return drift_verdict("raw_shop.orders", existing, staged, METADATA)


def test_no_change_is_no_drift():
    drift = _verdict(LOADED, dict(LOADED))
    assert drift == Drift()
    assert not drift


def test_new_column_is_added_in_the_batch_order():
    staged = {"order_id": "INTEGER", "channel": "VARCHAR", **LOADED, "shipped_on": "DATE"}
    assert _verdict(LOADED, staged) == Drift(added=("channel", "shipped_on"))


def test_dropped_column_stays_and_is_named():
    staged = {"order_id": "INTEGER", "_loaded_at": "TIMESTAMP WITH TIME ZONE"}
    drift = _verdict(LOADED, staged)
    assert drift == Drift(added=(), dropped=("amount",))
    assert drift


def test_changed_type_names_table_column_old_and_new_type():
    staged = {**LOADED, "amount": "DECIMAL(10,3)"}
    with pytest.raises(SchemaDriftError) as caught:
        _verdict(LOADED, staged)
    assert str(caught.value).startswith(
        "raw_shop.orders: column 'amount' changed type from DECIMAL(8,2) to DECIMAL(10,3); "
        "nothing was written"
    )


def test_metadata_columns_are_never_reported_dropped():
    existing = {"order_id": "INTEGER", "_loaded_at": "TIMESTAMPTZ", "_batch_id": "VARCHAR"}
    assert _verdict(existing, {"order_id": "INTEGER"}) == Drift()
    # without the metadata names, the same columns would be taken for source columns
    assert drift_verdict("t", existing, {"order_id": "INTEGER"}).dropped == (
        "_loaded_at",
        "_batch_id",
    )


def test_names_are_compared_exactly():
    """`Name` and `name` are two columns of the source: one added, one dropped, no type clash."""
    existing = {"id": "INTEGER", "name": "VARCHAR"}
    staged = {"id": "INTEGER", "Name": "INTEGER"}
    assert _verdict(existing, staged) == Drift(added=("Name",), dropped=("name",))
