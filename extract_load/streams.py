"""Streams of record batches: read ahead on a thread, cut into slices, counted for progress.

Nothing here knows a source or a warehouse; the DuckDB warehouse strings these together
between psql's CSV pipe and its INSERTs.
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    import pyarrow as pa
    from _typeshed import WriteableBuffer

__all__ = ["CountingReader", "Progress", "ReadAhead", "iter_with_progress", "slices"]

Progress = Callable[[int, int], None]  # (rows so far or -1 if unknown, bytes so far or -1)

T = TypeVar("T")


class _End:
    """Put by the producer after the last item."""


@dataclass(frozen=True)
class _Failure:
    """The producer's error, raised in the consumer."""

    error: BaseException


class ReadAhead(Generic[T]):
    """Items of an iterator, produced by a thread of their own while the caller works on the
    ones before: parsing (Arrow) and inserting (DuckDB) then run on separate cores. At most
    `depth` produced items wait, so memory stays bounded. An error of the producer is raised
    in the consumer, after the items produced before it."""

    def __init__(self, items: Iterator[T], depth: int = 4, name: str = "elt-read-ahead") -> None:
        self._queue: queue.Queue[T | _Failure | _End] = queue.Queue(depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, args=(items,), name=name, daemon=True)
        self._thread.start()

    def _put(self, item: T | _Failure | _End) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, items: Iterator[T]) -> None:
        try:
            for item in items:
                if not self._put(item):
                    return
        except BaseException as error:  # handed to the consumer, raised there
            self._put(_Failure(error))
            return
        self._put(_End())

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._queue.get()
            if isinstance(item, _End):
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item

    def close(self) -> None:
        """Stop the producing thread (after an error downstream) and wait for it."""
        self._stop.set()
        self._thread.join()


def slices(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[Iterator[pa.RecordBatch]]:
    """Consecutive runs of batches of about `rows` rows each, streamed (never all in memory).

    A run ends with the batch that reaches `rows`; each run must be consumed before the next.
    """
    pending = next(batches, None)
    while pending is not None:
        first = pending

        def run(first: pa.RecordBatch = first) -> Iterator[pa.RecordBatch]:
            nonlocal pending
            yield first
            count = first.num_rows
            pending = None
            for batch in batches:
                if count >= rows:
                    pending = batch
                    return
                count += batch.num_rows
                yield batch

        pending = None
        yield run()


def iter_with_progress(
    batches: Iterator[pa.RecordBatch], progress: Progress, bytes_read: Callable[[], int]
) -> Iterator[pa.RecordBatch]:
    """The batches, reporting rows and bytes so far after each."""
    rows = 0
    for record_batch in batches:
        rows += record_batch.num_rows
        progress(rows, bytes_read())
        yield record_batch


class CountingReader(io.RawIOBase):
    """A pipe, read in whole blocks, that counts the bytes it gave (for progress)."""

    def __init__(self, pipe: IO[bytes]) -> None:
        # A pipe gives at most 64 KiB a read; the buffer waits for whole blocks, so that Arrow
        # parses blocks of ELT_BLOCK_BYTES.
        self._pipe = io.BufferedReader(pipe, 1 << 20)  # type: ignore[type-var]  # a raw pipe
        self.bytes_read = 0
        self.at_end = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        size = self._pipe.readinto(buffer) or 0
        self.bytes_read += size
        self.at_end = self.at_end or (size == 0 and memoryview(buffer).nbytes > 0)
        return size
