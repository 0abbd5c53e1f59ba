"""The HTTP source's pure decisions: which response is retried and how long to wait, how each
paging style finds the next page, where the records are, and the rate limit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from extract_load.errors import ConfigError, SourceError
from extract_load.http_client import RateLimit
from extract_load.http_paging import (
    PageRequest,
    backoff_seconds,
    first_request,
    id_ranges,
    is_retryable_status,
    next_link,
    next_request,
    records_at,
    retry_after_seconds,
)
from extract_load.http_spec import HttpEndpoint, Paging


@pytest.mark.parametrize(
    ("status", "retried"),
    [
        *[(status, True) for status in (500, 502, 503, 504, 429, 408)],
        *[(status, False) for status in (400, 401, 403, 404, 410, 422)],
    ],
)
def test_only_passing_statuses_are_retried(status, retried):
    assert is_retryable_status(status) is retried


def test_retry_after_is_read_as_seconds_or_an_http_date():
    now = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("3", now) == 3.0
    assert retry_after_seconds("0.5", now) == 0.5
    assert retry_after_seconds("Tue, 01 Dec 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Tue, 01 Dec 2026 11:00:00 GMT", now) == 0.0  # in the past
    assert retry_after_seconds(None, now) is None
    assert retry_after_seconds("soon", now) is None


def test_backoff_is_exponential_with_jitter_capped_and_honours_retry_after():
    waits = [backoff_seconds(attempt, 1.0, 60.0, rand=0.0) for attempt in range(1, 6)]
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert backoff_seconds(1, 1.0, 60.0, rand=0.5) == 1.5  # jitter: up to one base more
    assert backoff_seconds(10, 1.0, 60.0, rand=0.9) == 60.0  # capped
    assert backoff_seconds(1, 1.0, 60.0, retry_after=7.0, rand=0.0) == 7.0  # the server's wait
    assert backoff_seconds(3, 1.0, 60.0, retry_after=2.0, rand=0.0) == 4.0  # ours is longer
    assert backoff_seconds(1, 1.0, 60.0, retry_after=3600.0, rand=0.0) == 60.0


def test_records_are_found_at_a_dotted_path():
    body = {"data": {"items": [{"id": 1}, {"id": 2}]}, "meta": {"next": "abc"}}
    assert records_at(body, "data.items", "api.x") == [{"id": 1}, {"id": 2}]
    assert records_at({"id": 7}, "", "api.x") == [{"id": 7}]  # one record fetched alone
    assert records_at(None, "", "api.x") == []  # Hacker News' null for an id it lacks
    assert records_at([{"id": 1}], "", "api.x") == [{"id": 1}]
    with pytest.raises(SourceError, match=r"api\.x: the response has no list of records at"):
        records_at({"data": "oops"}, "data", "api.x")


def test_cursor_paging_sends_the_token_back_until_there_is_none():
    paging = Paging(style="cursor", next_cursor="meta.next", cursor_param="after")
    first = first_request("/orders", paging, {"status": "open"}, ("updated_since", "2026-01-01"))
    assert first == PageRequest("/orders", {"status": "open", "updated_since": "2026-01-01"})
    second = next_request(paging, first, {"meta": {"next": "t2"}}, None, 100)
    assert second is not None and second.params["after"] == "t2"
    assert second.params["updated_since"] == "2026-01-01"
    assert next_request(paging, second, {"meta": {"next": None}}, None, 100) is None
    assert next_request(paging, second, {"meta": {"next": "t3"}}, None, 0) is None


def test_offset_paging_advances_by_the_records_until_a_short_page():
    paging = Paging(style="offset", page_size=50)
    first = first_request("/items", paging, {}, None)
    assert first.params == {"offset": "0", "limit": "50"}
    second = next_request(paging, first, [], None, 50)
    assert second is not None and second.params == {"offset": "50", "limit": "50"}
    assert next_request(paging, second, [], None, 49) is None


def test_page_number_paging_counts_pages_until_an_empty_or_short_one():
    paging = Paging(style="page", page_param="p", size_param="per_page", page_size=10)
    first = first_request("/items", paging, {}, None)
    assert first.params == {"p": "1", "per_page": "10"}
    second = next_request(paging, first, [], None, 10)
    assert second is not None and second.params["p"] == "2"
    assert next_request(paging, second, [], None, 3) is None
    unsized = Paging(style="page", first_page=0)
    start = first_request("/items", unsized, {}, None)
    assert start.params == {"page": "0"}
    following = next_request(unsized, start, [], None, 3)  # no size: only an empty page ends
    assert following is not None and following.params == {"page": "1"}
    assert next_request(unsized, following, [], None, 0) is None


def test_link_header_paging_follows_rel_next():
    header = (
        '<https://api.example.com/items?page=1>; rel="prev", '
        '<https://api.example.com/items?page=3&per_page=100>; rel="next", '
        '<https://api.example.com/items?page=9>; rel="last"'
    )
    assert next_link(header) == "https://api.example.com/items?page=3&per_page=100"
    assert next_link('<https://x/a?p=2>; rel="next prefetch"') == "https://x/a?p=2"
    assert next_link('<https://x/a?p=9>; rel="last"') is None
    assert next_link(None) is None
    paging = Paging(style="link")
    request = next_request(paging, PageRequest("/items", {"per_page": "100"}), [], header, 100)
    assert request == PageRequest("https://api.example.com/items?page=3&per_page=100", {})
    assert next_request(paging, PageRequest("/items"), [], None, 100) is None


def test_max_id_ranges_cover_every_id_after_the_cursor_once_in_order():
    assert [list(r) for r in id_ranges(0, 7, 3)] == [[1, 2, 3], [4, 5, 6], [7]]
    assert [list(r) for r in id_ranges(5, 7, 100)] == [[6, 7]]
    assert list(id_ranges(7, 7, 3)) == []  # nothing new


def test_declarations_that_cannot_work_are_refused_with_the_fix():
    with pytest.raises(ConfigError, match="max_id_path"):
        Paging(style="max_id")
    with pytest.raises(ConfigError, match="next_cursor"):
        Paging(style="cursor")
    with pytest.raises(ConfigError, match=r"put \{id\} in it"):
        HttpEndpoint(
            "items",
            "/v0/item.json",
            (("id", "bigint"),),
            Paging(style="max_id", max_id_path="/v0/maxitem.json"),
        )
    with pytest.raises(ConfigError, match="declare its columns"):
        HttpEndpoint("items", "/items", ())


def test_the_rate_limit_spaces_requests():
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limit = RateLimit(4.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limit.wait()
    assert slept == [0.25, 0.25, 0.25, 0.25]
    assert now[0] == 1.0  # 5 requests in 1 s at 4 per second
    unlimited = RateLimit(0, clock=lambda: now[0], sleep=sleep)
    unlimited.wait()
    assert len(slept) == 4
