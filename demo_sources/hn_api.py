"""A demo HTTP JSON API shaped like Hacker News' (https://github.com/HackerNews/API), served on
a loopback port from a thread, the same items for the same seed.

    GET /v0/maxitem.json     -> the largest item id
    GET /v0/item/<id>.json   -> the item, or null for an id it does not have

Items are stories (title, url, score, descendants, kids) and comments (parent, text, kids),
some deleted (`deleted: true`, most fields gone) and some dead (`dead: true`). `grow(n)` adds
n newer items (and the older items' `kids` and `descendants` change, as on the real site).

It can be told to fail, for tests and demos of the loader's retries: answer a status (503,
429 with `Retry-After`), drop the connection, answer slowly, every n-th request or the next
n ones; or drop every request once n items were served (a source that goes away mid-load).

    with HackerNewsApi(seed=42, items=500) as api:
        api.url  # http://127.0.0.1:<port>
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["DEMO_ITEMS", "Fault", "HackerNewsApi", "demo_api", "generate_items"]

DEMO_ITEMS = 400  # items of the demo `api` source
_START = 1_767_225_600  # 2026-01-01T00:00:00Z
_ITEM = re.compile(r"^/v0/item/(\d+)\.json$")
_WORDS = [
    "rust",
    "duckdb",
    "postgres",
    "arrow",
    "sql",
    "python",
    "dagster",
    "dbt",
    "warehouse",
    "lake",
    "parquet",
    "stream",
    "kernel",
    "compiler",
    "startup",
    "funding",
    "launch",
    "open",
    "source",
    "show",
    "ask",
    "why",
    "how",
    "release",
]


def generate_items(seed: int, count: int, items: dict[int, dict[str, Any]]) -> None:
    """Add items len(items)+1 .. count to `items` (id -> item), the same for the same seed
    whatever the steps: each item's values come from a generator of its own."""
    for item_id in range(len(items) + 1, count + 1):
        rng = random.Random(seed * 1_000_003 + item_id)
        at = _START + item_id * 90 + rng.randint(0, 89)
        by = f"user{rng.randint(1, 60)}"
        roots = [i for i in (item_id - 1, item_id - 2, item_id - 3) if i in items]
        if item_id == 1 or rng.random() < 0.25 or not roots:
            title = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 8))).capitalize()
            item: dict[str, Any] = {
                "id": item_id,
                "type": "story",
                "by": by,
                "time": at,
                "title": title,
                "url": f"https://example.com/{item_id}",
                "score": rng.randint(1, 500),
                "descendants": 0,
            }
        else:
            parent = rng.choice(roots) if rng.random() < 0.5 else rng.randint(1, item_id - 1)
            item = {
                "id": item_id,
                "type": "comment",
                "by": by,
                "time": at,
                "parent": parent,
                "text": " ".join(rng.choice(_WORDS) for _ in range(rng.randint(4, 20))),
            }
            items[parent].setdefault("kids", []).append(item_id)
            story = _story_of(items, parent)
            if story is not None:
                story["descendants"] = story.get("descendants", 0) + 1
        roll = rng.random()
        if roll < 0.03 and item["type"] == "comment":
            item = {
                "id": item_id,
                "type": "comment",
                "deleted": True,
                "time": at,
                "parent": item["parent"],
            }
        elif roll < 0.05:
            item["dead"] = True
        items[item_id] = item


def _story_of(items: dict[int, dict[str, Any]], item_id: int) -> dict[str, Any] | None:
    seen = 0
    while item_id in items and seen < 10_000:
        item = items[item_id]
        if item["type"] == "story":
            return item
        item_id = item["parent"]
        seen += 1
    return None


@dataclass
class Fault:
    """What to do instead of answering: a `status` (with `retry_after`), `drop` the
    connection, or answer after `delay` seconds."""

    status: int | None = None
    retry_after: str | None = None
    drop: bool = False
    delay: float = 0.0


@dataclass
class _State:
    seed: int
    items: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)  # paths, in the order they came
    every: list[tuple[int, Fault]] = field(default_factory=list)
    upcoming: list[Fault] = field(default_factory=list)
    drop_after_items: int | None = None
    items_served: int = 0
    token: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fault(self, path: str) -> Fault | None:
        with self.lock:
            self.requests.append(path)
            number = len(self.requests)
            if self.drop_after_items is not None and self.items_served >= self.drop_after_items:
                return Fault(drop=True)
            if self.upcoming:
                return self.upcoming.pop(0)
            for period, fault in self.every:
                if number % period == 0:
                    return fault
            return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: tests and the demo log what the loader does instead

    def do_GET(self) -> None:
        state = self.server.state
        path = self.path.split("?", 1)[0]
        fault = state.fault(path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                self.close_connection = True
                return
            if fault.status is not None:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                self._send(fault.status, {"error": "injected"}, headers)
                return
        if state.token is not None and self.headers.get("Authorization") != f"Bearer {state.token}":
            self._send(401, {"error": "Permission denied"})
            return
        if path == "/v0/maxitem.json":
            with state.lock:
                self._send(200, len(state.items))
            return
        match = _ITEM.match(path)
        if match is None:
            self._send(404, {"error": "not found"})
            return
        with state.lock:
            item = state.items.get(int(match.group(1)))
            body = json.dumps(item)
            if item is not None:
                state.items_served += 1
        self._send(200, None, body=body)

    def _send(
        self, status: int, value: Any, headers: dict[str, str] | None = None, body: str = ""
    ) -> None:
        data = (body or json.dumps(value)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, text in (headers or {}).items():
            self.send_header(name, text)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


class HackerNewsApi:
    """The demo API on 127.0.0.1 (a free port unless `port` is given), from `start()` (or
    `with`) until `stop()`."""

    def __init__(self, seed: int = 42, items: int = DEMO_ITEMS, port: int = 0) -> None:
        self.state = _State(seed)
        generate_items(seed, items, self.state.items)
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.state = self.state
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> HackerNewsApi:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="hn-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HackerNewsApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests and demos change --------------------------------------------------------
    def grow(self, count: int) -> None:
        """Add `count` newer items."""
        with self.state.lock:
            generate_items(self.state.seed, len(self.state.items) + count, self.state.items)

    def fail_every(self, period: int, fault: Fault) -> None:
        """Every `period`-th request meets `fault`."""
        self.state.every.append((period, fault))

    def fail_next(self, times: int, fault: Fault) -> None:
        self.state.upcoming.extend([fault] * times)

    def drop_after_items(self, count: int | None) -> None:
        """Once `count` items were served, drop every request (None: stop dropping)."""
        with self.state.lock:
            self.state.items_served = 0
            self.state.drop_after_items = count

    def require_token(self, token: str | None) -> None:
        self.state.token = token

    def clear_faults(self) -> None:
        with self.state.lock:
            self.state.every.clear()
            self.state.upcoming.clear()
            self.state.drop_after_items = None

    def requests(self, prefix: str = "") -> list[str]:
        """The paths requested so far (those starting with `prefix`)."""
        with self.state.lock:
            return [path for path in self.state.requests if path.startswith(prefix)]

    @property
    def items(self) -> dict[int, dict[str, Any]]:
        return self.state.items


_DEMO: HackerNewsApi | None = None
_DEMO_LOCK = threading.Lock()


def demo_api(seed: int = 42, items: int = DEMO_ITEMS) -> str:
    """The URL of this process's demo API, started the first time."""
    global _DEMO
    with _DEMO_LOCK:
        if _DEMO is None:
            _DEMO = HackerNewsApi(seed, items).start()
        return _DEMO.url
