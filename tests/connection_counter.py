"""A loopback TCP proxy in front of a PostgreSQL server that counts the connections its clients
hold open at once: the loader's own count, without the lag of pg_stat_activity (which lists a
backend until it has exited, a while after its client closed it).

One thread moves the bytes of every connection. A connection ends when its client says
goodbye (PostgreSQL's Terminate message, which libpq sends as it closes) or its socket closes.
In each round the thread handles the connections' data and ends first and new connections
last, so a connection a client closed before opening the next one is never counted with it.
"""

from __future__ import annotations

import selectors
import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg.conninfo

TERMINATE = b"X\x00\x00\x00\x04"  # the client's last message


class ConnectionCounter:
    """Use as a context manager; `url` is the server's URL through the proxy."""

    def __init__(self, url: str) -> None:
        params = psycopg.conninfo.conninfo_to_dict(url)
        host, port = str(params.get("host") or "/tmp"), int(params.get("port") or 5432)
        self._target: tuple[int, str | tuple[str, int]] = (
            (socket.AF_UNIX, str(Path(host) / f".s.PGSQL.{port}"))
            if host.startswith("/")
            else (socket.AF_INET, (host, port))
        )
        self._listener = socket.create_server(("127.0.0.1", 0))
        parts = urlsplit(url)
        user = f"{params['user']}@" if params.get("user") else ""
        self.url = urlunsplit(
            (
                "postgresql",
                f"{user}127.0.0.1:{self._listener.getsockname()[1]}",
                parts.path,
                "sslmode=disable&gssencmode=disable",
                "",
            )
        )
        self.open = 0
        self.peak = 0
        self.opened = 0
        self._ended: set[socket.socket] = set()  # clients that said goodbye
        self._selector = selectors.DefaultSelector()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ConnectionCounter:
        self._selector.register(self._listener, selectors.EVENT_READ, None)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()
        for key in list(self._selector.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]
        self._selector.close()

    def _run(self) -> None:
        while not self._done.is_set():
            events = self._selector.select(timeout=0.05)
            # new connections last: a close that came before them is counted first
            for key, _ in sorted(events, key=lambda event: event[0].data is None):
                if key.data is None:
                    self._accept()
                elif key.fileobj.fileno() != -1:  # type: ignore[union-attr]
                    self._move(key.fileobj, *key.data)  # type: ignore[arg-type]

    def _accept(self) -> None:
        client, _ = self._listener.accept()
        family, address = self._target
        server = socket.socket(family, socket.SOCK_STREAM)
        server.connect(address)
        self.open += 1
        self.opened += 1
        self.peak = max(self.peak, self.open)
        self._selector.register(client, selectors.EVENT_READ, (server, True))
        self._selector.register(server, selectors.EVENT_READ, (client, False))

    def _move(self, source: socket.socket, target: socket.socket, from_client: bool) -> None:
        try:
            data = source.recv(1 << 16)
        except OSError:
            data = b""
        if data:
            if from_client and data.endswith(TERMINATE) and source not in self._ended:
                self._ended.add(source)  # closing: its socket's end may come a round later
                self.open -= 1
            try:
                target.sendall(data)
                return
            except OSError:
                pass
        # one side ended: the connection is over
        client = source if from_client else target
        for end in (source, target):
            self._selector.unregister(end)
            end.close()
        if client in self._ended:
            self._ended.discard(client)
        else:
            self.open -= 1
