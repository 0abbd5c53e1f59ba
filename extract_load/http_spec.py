"""What `sources.yml` says about an HTTP JSON API: its endpoints, how each pages, where the
records are in a response, and the columns they land as.

Paging styles (`Paging.style`):

- `max_id`: Hacker News' way. `max_id_path` answers the largest id; each record is fetched
  alone at `path` with `{id}` in it, for ids after the saved cursor up to that maximum.
- `cursor`: the response holds the next page's token at `next_cursor` (a dotted path); it is
  sent back as the query parameter `cursor_param`. No token: the last page.
- `offset`: `offset_param` = 0, n, 2n, ... with `limit_param` = n, until a short page.
- `page`: `page_param` = 1, 2, ... (from `first_page`) with `size_param` = n, until a short page.
- `link`: the `Link: <url>; rel="next"` header (RFC 8288), as GitHub pages.
- `none`: one request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .errors import ConfigError

__all__ = ["PAGING_STYLES", "HttpEndpoint", "HttpOptions", "Paging", "PagingStyle"]

PagingStyle = Literal["max_id", "cursor", "offset", "page", "link", "none"]
PAGING_STYLES: tuple[str, ...] = ("max_id", "cursor", "offset", "page", "link", "none")


@dataclass(frozen=True)
class Paging:
    style: PagingStyle = "none"
    max_id_path: str | None = None  # max_id
    next_cursor: str | None = None  # cursor: dotted path to the token in the response
    cursor_param: str = "cursor"
    offset_param: str = "offset"
    limit_param: str = "limit"
    page_param: str = "page"
    size_param: str | None = None  # page: the page-size parameter, if the API takes one
    first_page: int = 1
    page_size: int = 100  # offset and page: records asked for per request

    def __post_init__(self) -> None:
        if self.style not in PAGING_STYLES:
            raise ConfigError(
                f"paging style {self.style!r} is not one of {', '.join(PAGING_STYLES)}"
            )
        if self.style == "max_id" and not self.max_id_path:
            raise ConfigError(
                "paging style max_id needs max_id_path: the endpoint answering the largest id "
                "(Hacker News: /v0/maxitem.json)"
            )
        if self.style == "cursor" and not self.next_cursor:
            raise ConfigError(
                "paging style cursor needs next_cursor: where the next page's token is in the "
                "response (a dotted path such as meta.next_cursor)"
            )
        if self.page_size < 1:
            raise ConfigError(f"page_size must be at least 1, got {self.page_size}")


@dataclass(frozen=True)
class HttpEndpoint:
    """One endpoint of an HTTP source, landing as the table `raw_<source>.<name>`.

    `records`: the dotted path of the list of records in a response ('' : the response is the
    list, or with max_id paging, the record). `since_param`: the query parameter that asks for
    records whose cursor column is at or after a value (incremental loads with other paging
    than max_id). `commit_every`: records per published batch (0: one batch at the end); a
    killed load resumes after the last published batch, so it needs records in ascending
    cursor order, which max_id paging gives by construction.
    """

    name: str
    path: str
    columns: tuple[tuple[str, str], ...]
    paging: Paging = Paging()
    records: str = ""
    params: tuple[tuple[str, str], ...] = ()
    since_param: str | None = None
    commit_every: int = 0
    description: str = ""

    def __post_init__(self) -> None:
        where = f"endpoint {self.name!r}"
        if not self.path.startswith("/"):
            raise ConfigError(f"{where}: path {self.path!r} must start with / (e.g. /v0/items)")
        if self.paging.style == "max_id" and "{id}" not in self.path:
            raise ConfigError(
                f"{where}: with max_id paging the path fetches one record by id: put {{id}} in "
                "it (e.g. /v0/item/{id}.json)"
            )
        if not self.columns:
            raise ConfigError(
                f"{where}: declare its columns (an API's JSON is never type-guessed), e.g. "
                "columns: {id: bigint, title: text, kids: json}"
            )
        if self.commit_every < 0:
            raise ConfigError(f"{where}: commit_every must be 0 or more")


@dataclass(frozen=True)
class HttpOptions:
    """How an HTTP source is asked: its token's variable (sent as `Authorization: Bearer`),
    requests per second (0: no limit), attempts per request and the first backoff, and the
    timeout of one request."""

    token_env: str | None = None
    rate_limit: float = 0.0
    max_attempts: int = 6
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0
    timeout_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.rate_limit < 0:
            raise ConfigError(
                f"rate_limit must be 0 (none) or more requests per second, got {self.rate_limit}"
            )
        if self.max_attempts < 1:
            raise ConfigError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.backoff_seconds < 0 or self.timeout_seconds <= 0:
            raise ConfigError("backoff_seconds must be 0 or more and timeout_seconds more than 0")
