"""An HTTP JSON API source on both warehouses, against the demo Hacker-News-shaped server:
full then incremental loads, retries under injected faults, a 401, and a killed load that
resumes with no gap and no duplicate."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from demo_sources.hn_api import Fault, HackerNewsApi
from extract_load import Settings, load_sources
from extract_load.errors import ConfigError, SourceError
from extract_load.file_columns import landing_column_of
from extract_load.http_client import HttpClient
from extract_load.http_paging import PageRequest
from extract_load.http_source import EXTRA_COLUMN, record_batch
from table_contents import warehouse_query

SOURCES = """
sources:
  hn:
    kind: http
    url_env: HN_URL
    token_env: HN_TOKEN
    max_attempts: {attempts}
    backoff_seconds: 0.01
    max_backoff_seconds: 0.2
    timeout_seconds: 2
    tables:
      items:
        path: /v0/item/{{id}}.json
        paging: {{style: max_id, max_id_path: /v0/maxitem.json}}
        primary_key: [id]
        cursor_column: id
        commit_every: 50
        columns:
          id: bigint
          type: text
          by: text
          time: bigint
          parent: bigint
          title: text
          score: integer
          descendants: integer
          deleted: boolean
          dead: boolean
          kids: json
"""


@pytest.fixture
def api() -> Iterator[HackerNewsApi]:
    with HackerNewsApi(seed=7, items=120) as server:
        yield server


def _env(
    fresh_warehouse_env: dict[str, str], tmp_path: Path, api: HackerNewsApi, attempts: int = 8
) -> dict[str, str]:
    path = tmp_path / "sources.yml"
    path.write_text(SOURCES.format(attempts=attempts), encoding="utf-8")
    return {**fresh_warehouse_env, "ELT_SOURCES_FILE": str(path), "HN_URL": api.url}


def _load(env: dict[str, str]):
    (result,) = load_sources(Settings.from_env(env), raise_on_failure=False)
    return result


def _item_ids(api: HackerNewsApi) -> list[int]:
    """The ids of the item requests the server received, in order."""
    return [int(path.rsplit("/", 1)[1].split(".")[0]) for path in api.requests("/v0/item/")]


def _landed(env: dict[str, str]) -> list[tuple[int, int]]:
    return warehouse_query(env, "select id, count(*) from raw_hn.items group by id order by id")


def test_a_full_load_then_an_incremental_one_fetches_only_new_items(
    fresh_warehouse_env, tmp_path, api
):
    env = _env(fresh_warehouse_env, tmp_path, api)
    first = _load(env)
    assert (first.status, first.rows_read, first.rows_loaded) == ("succeeded", 120, 120)
    assert first.cursor_after == "120"
    assert _landed(env) == [(i, 1) for i in range(1, 121)]
    assert sorted(_item_ids(api)) == list(range(1, 121))
    # Each 50 items were published with their cursor, in batches of their own.
    assert warehouse_query(
        env,
        "select cursor_before, cursor_after, rows_read, status from elt.load_batches "
        "order by started_at",
    ) == [
        (None, "50", 50, "succeeded"),
        ("50", "100", 50, "succeeded"),
        ("100", "120", 20, "succeeded"),
    ]
    # Declared fields are typed columns; nested JSON lands as JSON; flags as booleans.
    story = next(item for item in api.items.values() if item["type"] == "story" and "kids" in item)
    (row,) = warehouse_query(
        env,
        f"select title, score, descendants, cast(kids as varchar) from raw_hn.items "
        f"where id = {story['id']}",
    )
    assert row[:3] == (story["title"], story["score"], story["descendants"])
    assert json.loads(row[3]) == story["kids"]
    deleted = sum(1 for item in api.items.values() if item.get("deleted"))
    dead = sum(1 for item in api.items.values() if item.get("dead"))
    assert deleted and dead
    assert warehouse_query(
        env,
        "select count(*) filter (where deleted), count(*) filter (where dead) from raw_hn.items",
    ) == [(deleted, dead)]

    api.grow(30)
    before = len(api.requests())
    second = _load(env)
    assert (second.status, second.rows_read, second.cursor_before, second.cursor_after) == (
        "succeeded",
        30,
        "120",
        "150",
    )
    new_requests = api.requests()[before:]
    assert sorted(_item_ids(api)[120:]) == list(range(121, 151))  # only the new items
    assert new_requests.count("/v0/maxitem.json") == 1
    assert _landed(env) == [(i, 1) for i in range(1, 151)]

    third = _load(env)  # nothing new: one request for the max id, none for items
    assert (third.status, third.rows_read, third.cursor_after) == ("succeeded", 0, "150")
    assert len(_item_ids(api)) == 150


def test_under_injected_503s_429s_and_dropped_connections_every_item_lands_once(
    fresh_warehouse_env, tmp_path, api
):
    env = _env(fresh_warehouse_env, tmp_path, api)
    api.fail_every(5, Fault(status=503))
    api.fail_every(7, Fault(status=429, retry_after="0"))
    api.fail_every(11, Fault(drop=True))
    api.fail_every(13, Fault(delay=3.0))  # longer than the 2 s timeout

    result = _load(env)

    assert (result.status, result.rows_read, result.rows_loaded) == ("succeeded", 120, 120)
    assert _landed(env) == [(i, 1) for i in range(1, 121)]
    assert len(api.requests()) > 150  # the faults were met, and retried
    scores = dict(warehouse_query(env, "select id, score from raw_hn.items where score > 0"))
    assert scores == {i: item["score"] for i, item in api.items.items() if "score" in item}


def test_retry_after_is_honoured_and_other_4xx_are_not_retried(api):
    client = HttpClient(api.url, "hn", "HN_URL", attempts=5, base_seconds=0.01)
    api.fail_next(2, Fault(status=429, retry_after="1"))
    started = time.monotonic()
    body, _ = client.get_json(PageRequest("/v0/maxitem.json"))
    assert body == 120
    assert time.monotonic() - started >= 2.0  # waited as asked, twice
    assert len(api.requests()) == 3

    api.fail_next(1, Fault(status=404))
    with pytest.raises(SourceError, match="answered 404"):
        client.get_json(PageRequest("/v0/maxitem.json"))
    assert len(api.requests()) == 4  # once: never retried

    api.fail_every(1, Fault(status=503))
    with pytest.raises(SourceError, match=r"still failed after 5 attempts \(HTTP 503\)"):
        client.get_json(PageRequest("/v0/maxitem.json"))
    assert len(api.requests()) == 9
    client.close()


def test_a_401_fails_at_once_with_one_clear_line_and_the_token_stays_secret(
    fresh_warehouse_env, tmp_path, api, caplog
):
    api.require_token("right-token-123")
    env = {**_env(fresh_warehouse_env, tmp_path, api), "HN_TOKEN": "wrong-token-456"}
    caplog.set_level(logging.DEBUG)

    result = _load(env)

    assert result.status == "failed"
    assert result.error == (
        "source 'hn': GET /v0/maxitem.json answered 401 Unauthorized: set HN_TOKEN to a valid token"
    )
    assert api.requests("/v0/") == ["/v0/maxitem.json"]  # at once: no retry
    ledger = warehouse_query(env, "select * from elt.load_batches")
    assert "wrong-token" not in repr(ledger) + caplog.text
    assert "wrong-token" not in repr(Settings.from_env(env))

    right = _load({**env, "HN_TOKEN": "right-token-123"})
    assert (right.status, right.rows_loaded) == ("succeeded", 120)
    assert "right-token" not in caplog.text


def test_a_load_failing_midway_keeps_its_published_batches_and_resumes_after_them(
    fresh_warehouse_env, tmp_path, api
):
    env = _env(fresh_warehouse_env, tmp_path, api, attempts=2)
    api.drop_after_items(70)  # the API goes away during the second batch

    failed = _load(env)

    assert failed.status == "failed"
    assert "still failed after 2 attempts" in (failed.error or "")
    assert _landed(env) == [(i, 1) for i in range(1, 51)]  # the first batch only, whole
    assert warehouse_query(env, "select cursor_value from elt.cursors") == [("50",)]
    assert warehouse_query(
        env, "select status, count(*) from elt.load_batches group by status order by status"
    ) == [("failed", 1), ("succeeded", 1)]

    api.clear_faults()
    before = len(_item_ids(api))
    resumed = _load(env)
    assert (resumed.status, resumed.cursor_before, resumed.rows_read) == ("succeeded", "50", 70)
    assert sorted(_item_ids(api)[before:]) == list(range(51, 121))  # after the cursor only
    assert _landed(env) == [(i, 1) for i in range(1, 121)]


def test_a_load_killed_midway_resumes_with_no_gap_and_no_duplicate(
    fresh_warehouse_env, tmp_path, api
):
    env = _env(fresh_warehouse_env, tmp_path, api)
    api.fail_every(1, Fault(delay=0.02))  # slow enough to be killed mid-way
    process = subprocess.Popen(
        [sys.executable, "-c", "from extract_load import *; load_sources(Settings.from_env())"],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while api.state.items_served < 80 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert process.poll() is None, "the load ended before it could be killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    api.clear_faults()
    served = len(_item_ids(api))
    assert served < 120

    resumed = _load(env)

    assert resumed.status == "succeeded"
    assert resumed.cursor_before == "50"  # the killed run published its first batch
    assert sorted(_item_ids(api)[served:]) == list(range(51, 121))
    assert _landed(env) == [(i, 1) for i in range(1, 121)]
    assert warehouse_query(
        env, "select count(*) from elt.load_batches where status = 'abandoned'"
    ) == [(1,)]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "kind: http\n    url_env: X_URL\n    tables:\n      t: {columns: {id: bigint}}",
            "endpoint 't': declare its path",
        ),
        (
            "kind: http\n    url_env: X_URL\n    tables:\n      t:\n        path: /t/{id}\n"
            "        paging: {style: max_id, max_id_path: /max}\n        primary_key: [id]\n"
            "        columns: {id: text}",
            "max_id paging is incremental by id",
        ),
        (
            "kind: http\n    url_env: X_URL\n    tables:\n      t:\n        path: /t\n"
            "        paging: {style: cursor}\n        primary_key: [id]\n"
            "        columns: {id: text}",
            "paging style cursor needs next_cursor",
        ),
        (
            "kind: http\n    url_env: X_URL\n    tables:\n      t:\n        path: /t\n"
            "        columns: {id: text}",
            "declare primary_key",
        ),
        (
            "kind: postgres\n    url_env: X_URL\n    rate_limit: 3\n    tables:\n"
            "      t: {path: /t}",
            "rate_limit are for kind: http sources only",
        ),
    ],
)
def test_an_http_entry_that_cannot_work_is_refused_with_the_fix(tmp_path, entry, message):
    path = tmp_path / "sources.yml"
    path.write_text(f"sources:\n  x:\n    {entry}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({"ELT_SOURCES_FILE": str(path)})


def test_an_http_url_must_be_a_base_url(tmp_path):
    path = tmp_path / "sources.yml"
    path.write_text(SOURCES.format(attempts=2), encoding="utf-8")
    with pytest.raises(ConfigError, match="HN_URL must be the API's base URL"):
        Settings.from_env({"ELT_SOURCES_FILE": str(path), "HN_URL": "localhost:8000"})


class _PagedApi(BaseHTTPRequestHandler):
    """A generic paged API: GET /contacts?page=N&updated_since=T answers {"data": [...]}, 7
    records a page, oldest change first, with a Link header to the next page (as GitHub's).
    The same records, paged the other ways: /by-cursor?after=TOKEN (the next token in
    meta.next, null on the last page), /by-offset?offset=N&limit=M and
    /by-page?p=N&per_page=M."""

    records: ClassVar[list[dict]] = []
    requests: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        type(self).requests.append(self.path)
        since = query.get("updated_since", [None])[0]
        chosen = [
            r
            for r in self.records
            if since is None
            or datetime.fromisoformat(r["updated_at"]) >= datetime.fromisoformat(since)
        ]
        if url.path in ("/by-cursor", "/by-offset", "/by-page"):
            self._other_paging(url.path, query, chosen)
            return
        page = int(query.get("page", ["1"])[0])
        body = json.dumps({"data": chosen[(page - 1) * 7 : page * 7]}).encode()
        self.send_response(200)
        if page * 7 < len(chosen):
            following = urlencode({**{k: v[0] for k, v in query.items()}, "page": page + 1})
            host, port = self.server.server_address[:2]
            self.send_header("Link", f'<http://{host!s}:{port}/contacts?{following}>; rel="next"')
        self._send(body)

    def _other_paging(self, path: str, query: dict[str, list[str]], chosen: list[dict]) -> None:
        if path == "/by-cursor":
            start = int(query.get("after", ["o0"])[0].removeprefix("o"))
            end = start + 7
            following = f"o{end}" if end < len(chosen) else None
            body = {"data": chosen[start:end], "meta": {"next": following}}
        elif path == "/by-offset":
            start, size = int(query["offset"][0]), int(query["limit"][0])
            body = {"data": chosen[start : start + size]}
        else:  # /by-page
            page, size = int(query["p"][0]), int(query["per_page"][0])
            body = {"data": chosen[(page - 1) * size : page * size]}
        self.send_response(200)
        self._send(json.dumps(body).encode())

    def _send(self, body: bytes) -> None:
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


PAGED = """
sources:
  crm:
    kind: http
    url_env: CRM_URL
    tables:
      contacts:
        path: /contacts
        records: data
        paging: {style: link}
        since_param: updated_since
        primary_key: [id]
        cursor_column: updated_at
        columns: {id: bigint, email: text, updated_at: timestamptz, address: json}
"""


def _contact(i: int, minute: int) -> dict:
    return {
        "id": i,
        "email": f"c{i}@example.com",
        "updated_at": f"2026-01-01T00:{minute:02d}:00+00:00",
        "address": {"city": "Oslo", "zip": f"0{i:03d}"},
        "vip": i % 5 == 0,  # not declared: kept in _extra
    }


@contextmanager
def _paged_api(env: dict[str, str], tmp_path: Path, sources: str) -> Iterator[dict[str, str]]:
    """_PagedApi serving 20 contacts on a loopback port; `env` with `sources` pointed at it."""
    _PagedApi.records = [_contact(i, i) for i in range(1, 21)]
    _PagedApi.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PagedApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        (tmp_path / "sources.yml").write_text(sources, encoding="utf-8")
        host, port = server.server_address[:2]
        yield {
            **env,
            "ELT_SOURCES_FILE": str(tmp_path / "sources.yml"),
            "CRM_URL": f"http://{host!s}:{port}",
        }
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("path", "paging", "requests"),
    [
        # the server's pages of 7: 7, 7, 6, the last with no next token
        ("/by-cursor", "{style: cursor, next_cursor: meta.next, cursor_param: after}", 3),
        # pages of 6 asked for: 6, 6, 6, then a short one ends it
        ("/by-offset", "{style: offset, page_size: 6}", 4),
        ("/by-page", "{style: page, page_param: p, size_param: per_page, page_size: 6}", 4),
    ],
)
def test_a_cursor_offset_or_page_paged_api_loads_every_record_once_then_only_changes(
    fresh_warehouse_env, tmp_path, path, paging, requests
):
    sources = PAGED.replace("path: /contacts", f"path: {path}").replace(
        "paging: {style: link}", f"paging: {paging}"
    )
    with _paged_api(fresh_warehouse_env, tmp_path, sources) as env:
        first = _load(env)
        assert (first.status, first.rows_loaded) == ("succeeded", 20), first.error
        pages = [r for r in _PagedApi.requests if r.startswith(path)]
        assert len(pages) == requests, pages
        assert warehouse_query(
            env, "select count(*), count(distinct id), min(id), max(id) from raw_crm.contacts"
        ) == [(20, 20, 1, 20)]
        _PagedApi.records[2] = {**_contact(3, 30), "email": "new@example.com"}
        _PagedApi.records.append(_contact(21, 31))
        second = _load(env)
        assert (second.status, second.rows_read) == ("succeeded", 3), second.error
        assert warehouse_query(
            env, "select count(*), count(distinct id) from raw_crm.contacts"
        ) == [(21, 21)]
        assert warehouse_query(env, "select email from raw_crm.contacts where id = 3") == [
            ("new@example.com",)
        ]


def test_a_link_paged_api_loads_its_records_then_only_those_changed_since(
    fresh_warehouse_env, tmp_path
):
    with _paged_api(fresh_warehouse_env, tmp_path, PAGED) as env:
        first = _load(env)
        assert (first.status, first.rows_loaded) == ("succeeded", 20)
        assert len(_PagedApi.requests) == 3 + 1  # three pages of 7, 7, 6; and the check
        assert warehouse_query(
            env,
            "select count(distinct id), min(id), max(id) from raw_crm.contacts "
            "where cast(_extra as varchar) like '%vip%'",
        ) == [(20, 1, 20)]
        (zip_code,) = warehouse_query(
            env, "select cast(address as varchar) from raw_crm.contacts where id = 7"
        )[0]
        assert json.loads(zip_code) == {"city": "Oslo", "zip": "0007"}

        _PagedApi.records[2] = {**_contact(3, 30), "email": "new@example.com"}  # changed
        _PagedApi.records.append(_contact(21, 31))  # new
        _PagedApi.requests = []
        second = _load(env)
        assert (second.status, second.rows_read) == ("succeeded", 3)  # 00:20 again, 3, 21
        assert "updated_since=2026-01-01" in _PagedApi.requests[-1]
        assert warehouse_query(env, "select email from raw_crm.contacts where id = 3") == [
            ("new@example.com",)
        ]
        assert warehouse_query(
            env, "select count(*), count(distinct id) from raw_crm.contacts"
        ) == [(21, 21)]


def test_the_rate_limit_spaces_an_apis_requests(api):
    client = HttpClient(api.url, "hn", "HN_URL", rate_limit=4)
    started = time.monotonic()
    for _ in range(9):
        client.get_json(PageRequest("/v0/maxitem.json"))
    assert time.monotonic() - started >= 2.0  # 9 requests at 4 per second: 8 gaps of 250 ms
    client.close()


class _RawJson(BaseHTTPRequestHandler):
    body = b'{"items": [{"id": 1, "amount": 123456789012345678.12, "meta": {"w": 1.10}}]}'

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


def test_an_apis_numbers_keep_their_digits():
    """A JSON number is not read through a float: an amount keeps every digit, a nested
    value its text (a float would give 123456789012345680 and 1.1)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RawJson)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = HttpClient(f"http://127.0.0.1:{server.server_port}", "api", "API_URL")
    try:
        body, _ = client.get_json(PageRequest("/items"))
    finally:
        client.close()
        server.shutdown()
    declared = (landing_column_of("id", "bigint"), landing_column_of("amount", "numeric(20,2)"))
    batch = record_batch(body["items"], declared, "api.items")
    assert batch.column("amount").to_pylist() == [Decimal("123456789012345678.12")]
    assert batch.column(EXTRA_COLUMN).to_pylist() == ['{"meta": {"w": 1.10}}']
