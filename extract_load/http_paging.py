"""Paging and retry decisions for HTTP sources, as pure functions of what a response said.

The client (http_client.py) carries them out; nothing here touches the network.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from .errors import SourceError
from .http_spec import Paging

__all__ = [
    "PageRequest",
    "backoff_seconds",
    "first_request",
    "id_ranges",
    "is_retryable_status",
    "next_link",
    "next_request",
    "records_at",
    "retry_after_seconds",
    "value_at",
]

# 408 Request Timeout, 425 Too Early, 429 Too Many Requests: the client may try again later.
_RETRYABLE_4XX = frozenset({408, 425, 429})
_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)")


@dataclass(frozen=True)
class PageRequest:
    """One request: a path under the base URL (or an absolute URL from a Link header), and
    its query parameters."""

    path: str
    params: Mapping[str, str] = field(default_factory=dict)


def is_retryable_status(status: int) -> bool:
    """5xx and 408/425/429 pass; any other 4xx (401, 403, 404, 422, ...) will not."""
    return status >= 500 or status in _RETRYABLE_4XX


def retry_after_seconds(header: str | None, now: datetime | None = None) -> float | None:
    """The wait a `Retry-After` header asks for (seconds or an HTTP date); None if absent or
    unreadable."""
    if header is None or not header.strip():
        return None
    text = header.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_seconds(
    attempt: int,
    base: float,
    maximum: float,
    retry_after: float | None = None,
    rand: float | None = None,
) -> float:
    """The wait before attempt `attempt + 1`: exponential (base, 2 base, 4 base, ...) plus up
    to one `base` of jitter, at most `maximum`; a server's Retry-After, when longer, wins
    (capped at `maximum` too, so that a server cannot stall a load for hours)."""
    jitter = (random.random() if rand is None else rand) * base
    wait = min(base * 2 ** (attempt - 1) + jitter, maximum)
    if retry_after is not None:
        wait = max(wait, min(retry_after, maximum))
    return wait


def value_at(body: Any, path: str) -> Any:
    """The value at the dotted `path` of a JSON document ('' : the document); None if absent."""
    value = body
    for part in path.split(".") if path else ():
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def records_at(body: Any, path: str, where: str) -> list[dict[str, Any]]:
    """The records at `path` of a response: a list of objects, or one object (a record fetched
    alone); `null` (Hacker News' answer for an id with no item) is no record."""
    found = value_at(body, path)
    if found is None:
        return []
    if isinstance(found, dict):
        return [found]
    if isinstance(found, list) and all(isinstance(item, dict) for item in found):
        return found
    raise SourceError(
        f"{where}: the response has no list of records at {path or 'its top level'!r} (found "
        f"{type(found).__name__}); fix `records:` in sources.yml"
    )


def next_link(header: str | None) -> str | None:
    """The `rel="next"` URL of a Link header (RFC 8288); None on the last page."""
    if not header:
        return None
    for match in _LINK.finditer(header):
        params = match.group(2).lower()
        if re.search(r'rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?', params):
            return match.group(1)
    return None


def first_request(
    path: str, paging: Paging, static: Mapping[str, str], since: tuple[str, str] | None
) -> PageRequest:
    """The first page's request; `since`: (parameter, cursor value) of an incremental load."""
    params = dict(static)
    if since is not None:
        params[since[0]] = since[1]
    if paging.style == "offset":
        params[paging.offset_param] = "0"
        params[paging.limit_param] = str(paging.page_size)
    elif paging.style == "page":
        params[paging.page_param] = str(paging.first_page)
        if paging.size_param:
            params[paging.size_param] = str(paging.page_size)
    return PageRequest(path, params)


def next_request(
    paging: Paging,
    request: PageRequest,
    body: Any,
    link_header: str | None,
    records: int,
) -> PageRequest | None:
    """The request of the page after `request`, whose response was `body` with `records`
    records; None after the last page."""
    params = dict(request.params)
    if paging.style == "cursor":
        assert paging.next_cursor is not None, "Paging checks it"
        token = value_at(body, paging.next_cursor)
        if token in (None, "") or records == 0:
            return None
        params[paging.cursor_param] = str(token)
        return PageRequest(request.path, params)
    if paging.style == "offset":
        if records < paging.page_size:
            return None
        params[paging.offset_param] = str(int(params[paging.offset_param]) + records)
        return PageRequest(request.path, params)
    if paging.style == "page":
        if records == 0 or (paging.size_param and records < paging.page_size):
            return None
        params[paging.page_param] = str(int(params[paging.page_param]) + 1)
        return PageRequest(request.path, params)
    if paging.style == "link":
        url = next_link(link_header)
        return None if url is None else PageRequest(url, {})  # the link carries its query
    return None


def id_ranges(after: int, max_id: int, size: int) -> Iterator[range]:
    """The ids after `after` up to `max_id`, in ascending ranges of at most `size`: each range
    is published (with its cursor) before the next is fetched."""
    start = after + 1
    while start <= max_id:
        stop = min(start + size, max_id + 1)
        yield range(start, stop)
        start = stop
