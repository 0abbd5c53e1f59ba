"""An HTTP JSON API as a source: its endpoints' records as typed Arrow record batches.

Declared fields land as typed columns (the types of file_columns.py; `json` for nested
values, landing as JSON text); every field not declared is kept in `_extra`, a JSON object of
them (NULL when there is none), so that nothing the API sends is dropped silently.

An endpoint is read as a sequence of `HttpRead`s, each published with its cursor before the
next is fetched (`HttpEndpoint.commit_every`), so a killed load resumes after the last one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from typing import Any

import pyarrow as pa

from .errors import SourceError
from .file_columns import landing_column_of
from .files_read import BadLine, text_value, typed_texts
from .http_client import HttpClient
from .http_paging import PageRequest, first_request, id_ranges, next_request, records_at
from .http_spec import HttpEndpoint
from .json_digits import json_text
from .reads import ArrowRead, LandingColumn, landing_column

__all__ = ["EXTRA_COLUMN", "HttpRead", "endpoint_reads", "record_batch"]

EXTRA_COLUMN = "_extra"
BATCH_ROWS = 5_000
_FETCHERS = 4  # requests in flight at once for max_id paging (one record per request)
_WINDOW = 256  # ids asked of the fetchers at a time: memory stays flat over millions of ids


def _text(value: Any, column: LandingColumn) -> str | None:
    if value is None:
        return None
    if column.duckdb_type == "JSON":
        return json_text(value)
    if isinstance(value, dict | list):
        raise ValueError(
            f"column {column.name!r}: a JSON {type(value).__name__} is not a scalar; declare "
            "it as json"
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def record_batch(
    records: list[dict[str, Any]], declared: tuple[LandingColumn, ...], label: str
) -> pa.RecordBatch:
    """`records` as a batch of the declared columns and `_extra`; a SourceError names the
    first record whose value does not fit its declared type."""
    names = {column.name for column in declared}
    texts: list[list[str | None]] = [[] for _ in declared]
    extras: list[str | None] = []
    for number, record in enumerate(records):
        for index, column in enumerate(declared):
            try:
                texts[index].append(text_value(_text(record.get(column.name), column), column))
            except ValueError as error:
                raise SourceError(f"{label}: record {number + 1}: {error}") from None
        extra = {key: value for key, value in record.items() if key not in names}
        extras.append(json_text(extra) if extra else None)
    bad: list[BadLine] = []
    arrays = [pa.array(values, pa.string()) for values in texts]
    batch = typed_texts(
        arrays,
        list(range(1, len(records) + 1)),
        lambda i: json_text(records[i]),
        declared,
        label,
        bad,
    )
    if bad:
        raise SourceError(
            f"{label}: {len(bad)} record(s) do not fit the declared columns (first: "
            f"{bad[0].reason}); fix the endpoint's columns in sources.yml"
        )
    columns = [batch.column(i) for i in range(len(declared))]
    columns.append(pa.array(extras, pa.string()))
    return pa.record_batch(columns, names=[*(c.name for c in declared), EXTRA_COLUMN])


class HttpRead(ArrowRead):
    """Some records of one endpoint, as batches; their number is known once read."""

    def __init__(self, label: str, declared: tuple[LandingColumn, ...], records: Iterable[Any]):
        self.label = label
        self.declared = declared
        self.columns = (*declared, landing_column(EXTRA_COLUMN, pa.string(), "JSON", "jsonb"))
        self._records = iter(records)
        self._rows = 0

    def batches(self) -> Iterator[pa.RecordBatch]:
        while chunk := list(islice(self._records, BATCH_ROWS)):
            self._rows += len(chunk)
            yield record_batch(chunk, self.declared, self.label)

    def finish(self) -> int:
        return self._rows

    def close(self) -> None:
        self._records = iter(())


def _declared(endpoint: HttpEndpoint) -> tuple[LandingColumn, ...]:
    return tuple(landing_column_of(name, kind) for name, kind in endpoint.columns)


def endpoint_reads(
    client: HttpClient, endpoint: HttpEndpoint, cursor: str | None
) -> Iterator[HttpRead]:
    """The endpoint's records after `cursor` (all if None), as reads of at most
    `endpoint.commit_every` records each (0: one read); each is published before the next
    one is asked for."""
    label = f"{client.source}.{endpoint.name}"
    declared = _declared(endpoint)
    if endpoint.paging.style == "max_id":
        yield from _max_id_reads(client, endpoint, cursor, label, declared)
        return
    since = None
    if cursor is not None and endpoint.since_param:
        since = (endpoint.since_param, cursor)
    records = _paged_records(client, endpoint, since)
    if not endpoint.commit_every:
        yield HttpRead(label, declared, records)
        return
    while True:
        chunk = list(islice(records, endpoint.commit_every))
        if not chunk:
            return
        yield HttpRead(label, declared, chunk)


def _paged_records(
    client: HttpClient, endpoint: HttpEndpoint, since: tuple[str, str] | None
) -> Iterator[dict[str, Any]]:
    where = f"source {client.source!r}, endpoint {endpoint.name!r}"
    request: PageRequest | None = first_request(
        endpoint.path, endpoint.paging, dict(endpoint.params), since
    )
    while request is not None:
        body, headers = client.get_json(request)
        records = records_at(body, endpoint.records, where)
        yield from records
        request = next_request(endpoint.paging, request, body, headers.get("link"), len(records))


def _max_id_reads(
    client: HttpClient,
    endpoint: HttpEndpoint,
    cursor: str | None,
    label: str,
    declared: tuple[LandingColumn, ...],
) -> Iterator[HttpRead]:
    where = f"source {client.source!r}, endpoint {endpoint.name!r}"
    assert endpoint.paging.max_id_path is not None, "Paging checks it"
    body, _ = client.get_json(PageRequest(endpoint.paging.max_id_path))
    if not isinstance(body, int) or isinstance(body, bool):
        raise SourceError(
            f"{where}: {endpoint.paging.max_id_path} answered {body!r}, not an id; fix "
            "max_id_path in sources.yml"
        )
    try:
        after = int(cursor) if cursor is not None else 0
    except ValueError:
        raise SourceError(
            f"{where}: the saved cursor {cursor!r} is not an id; max_id paging needs an "
            "integer cursor_column (the id)"
        ) from None
    size = endpoint.commit_every or max(body - after, 1)
    pool = ThreadPoolExecutor(_FETCHERS, thread_name_prefix="elt-http")

    def fetch(item_id: int) -> list[dict[str, Any]]:
        path = endpoint.path.replace("{id}", str(item_id))
        found, _ = client.get_json(PageRequest(path))
        return records_at(found, endpoint.records, where)

    def records_of(ids: range) -> Iterator[dict[str, Any]]:
        for start in range(0, len(ids), _WINDOW):
            for found in pool.map(fetch, ids[start : start + _WINDOW]):
                yield from found

    try:
        for ids in id_ranges(after, body, size):
            yield HttpRead(label, declared, records_of(ids))
    finally:  # a failed fetch ends the load: the requests not yet sent are not sent
        pool.shutdown(wait=True, cancel_futures=True)
