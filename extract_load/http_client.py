"""Requests to an HTTP JSON API: httpx for the connection, tenacity for the retries.

Connection errors, timeouts, 429 and 5xx are retried with exponential backoff and jitter,
honouring `Retry-After` (http_paging.backoff_seconds); any other 4xx fails at once with one
line naming the source and the fix. Requests are spaced to at most `rate_limit` per second.
The token is sent as a header only: it is never in a URL, a message or a log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import tenacity

from .errors import SourceError
from .http_paging import PageRequest, backoff_seconds, is_retryable_status, retry_after_seconds
from .json_digits import json_loads

__all__ = ["HttpClient", "RateLimit"]

log = logging.getLogger(__name__)


class RateLimit:
    """At most `per_second` calls of `wait()` per second, across threads (0: no limit)."""

    def __init__(
        self,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)


class _Passing(Exception):
    """A response worth another try (429, 5xx), with the wait the server asked for."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


def _retryable(error: BaseException) -> bool:
    return isinstance(error, _Passing | httpx.TransportError)


class HttpClient:
    """GETs JSON from `base_url`, as the source `source` (whose URL is in `url_env`)."""

    def __init__(
        self,
        base_url: str,
        source: str,
        url_env: str,
        token: str | None = None,
        token_env: str | None = None,
        rate_limit: float = 0.0,
        attempts: int = 6,
        base_seconds: float = 0.5,
        max_seconds: float = 30.0,
        timeout: float = 30.0,
    ) -> None:
        headers = {"Accept": "application/json", "User-Agent": "elt-warehouse"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.Client(
            base_url=base_url, headers=headers, timeout=timeout, follow_redirects=True
        )
        self.source = source
        self.url_env = url_env
        self.token_env = token_env
        self.attempts = attempts
        self.base_seconds = base_seconds
        self.max_seconds = max_seconds
        self.limit = RateLimit(rate_limit)
        self.requests = 0  # sent, retries included

    def close(self) -> None:
        self._client.close()

    def _wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        retry_after = error.retry_after if isinstance(error, _Passing) else None
        return backoff_seconds(
            state.attempt_number, self.base_seconds, self.max_seconds, retry_after
        )

    def _log_retry(self, state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s: request failed (%s); attempt %d of %d, retrying in %.1f s",
            self.source,
            _describe(error),
            state.attempt_number,
            self.attempts,
            wait,
        )

    def get_json(self, request: PageRequest) -> tuple[Any, httpx.Headers]:
        """The parsed JSON body and the headers of `request`'s response."""
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception(_retryable),
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._get_once(request)
        except (_Passing, httpx.TransportError) as error:
            raise SourceError(
                f"source {self.source!r}: GET {request.path} still failed after "
                f"{self.attempts} attempts ({_describe(error)}); check that the API at "
                f"{self.url_env} is up, or try again later"
            ) from error
        raise AssertionError("unreachable: tenacity returns or raises")

    def _get_once(self, request: PageRequest) -> tuple[Any, httpx.Headers]:
        self.limit.wait()
        self.requests += 1
        response = self._client.get(request.path, params=dict(request.params) or None)
        status = response.status_code
        if is_retryable_status(status):
            raise _Passing(status, retry_after_seconds(response.headers.get("Retry-After")))
        if status in (401, 403):
            fix = (
                f"set {self.token_env} to a valid token"
                if self.token_env
                else "declare token_env (the variable holding its token) in sources.yml"
            )
            raise SourceError(
                f"source {self.source!r}: GET {request.path} answered {status} "
                f"{response.reason_phrase}: {fix}"
            )
        if status >= 400:
            raise SourceError(
                f"source {self.source!r}: GET {request.path} answered {status} "
                f"{response.reason_phrase}; check the endpoint's path in sources.yml and the "
                f"URL in {self.url_env}"
            )
        try:
            return json_loads(response.content), response.headers
        except ValueError:
            raise SourceError(
                f"source {self.source!r}: GET {request.path} did not answer JSON "
                f"(content-type {response.headers.get('content-type')!r})"
            ) from None


def _describe(error: BaseException | None) -> str:
    if isinstance(error, _Passing):
        return str(error)
    if error is None:
        return "unknown"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
