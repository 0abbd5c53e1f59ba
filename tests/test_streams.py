"""The stream helpers, with no server: slices of batches, the read-ahead thread, progress."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pyarrow as pa
import pytest

from extract_load.streams import ReadAhead, iter_with_progress, slices


def _batch(rows: int, start: int = 0) -> pa.RecordBatch:
    return pa.record_batch({"n": list(range(start, start + rows))})


def _batches(sizes: list[int], pulled: list[int] | None = None) -> Iterator[pa.RecordBatch]:
    start = 0
    for size in sizes:
        if pulled is not None:
            pulled.append(size)
        yield _batch(size, start)
        start += size


def test_slices_end_with_the_batch_that_reaches_the_row_count_and_lose_nothing():
    runs = [[b.num_rows for b in run] for run in slices(_batches([3, 3, 3, 3, 3]), 5)]
    assert runs == [[3, 3], [3, 3], [3]]
    one_big = [[b.num_rows for b in run] for run in slices(_batches([10, 1, 1]), 5)]
    assert one_big == [[10], [1, 1]]
    values = [
        value
        for run in slices(_batches([2, 5, 1, 4, 4, 1]), 4)
        for batch in run
        for value in batch.column("n").to_pylist()
    ]
    assert values == list(range(17))


def test_slices_of_nothing_are_none():
    assert list(slices(iter([]), 5)) == []


def test_slices_stream_a_batch_at_a_time():
    pulled: list[int] = []
    runs = slices(_batches([1, 1, 1, 1, 1, 1], pulled), 2)
    first = next(runs)
    assert len(pulled) == 1  # only the first batch, to know there is a run
    assert next(first).num_rows == 1
    assert next(first).num_rows == 1
    assert len(pulled) == 2
    assert list(first) == []  # the third batch ends the run and is kept for the next one
    assert len(pulled) == 3
    assert [b.num_rows for b in next(runs)] == [1, 1]


def test_progress_reports_rows_and_bytes_after_each_batch():
    seen: list[tuple[int, int]] = []
    sizes = iter([100, 250])
    out = list(
        iter_with_progress(_batches([2, 3]), lambda r, b: seen.append((r, b)), sizes.__next__)
    )
    assert [b.num_rows for b in out] == [2, 3]
    assert seen == [(2, 100), (5, 250)]


def test_read_ahead_yields_every_item_in_order():
    ahead = ReadAhead(iter(range(100)), depth=3)
    try:
        assert list(ahead) == list(range(100))
    finally:
        ahead.close()


def test_read_ahead_raises_the_producers_error_after_the_items_before_it():
    def failing() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("bad line 3")

    ahead = ReadAhead(failing())
    got: list[int] = []
    with pytest.raises(ValueError, match="bad line 3"):
        for item in ahead:
            got.append(item)
    ahead.close()
    assert got == [1, 2]


def test_read_ahead_holds_at_most_depth_items_and_close_stops_the_producer():
    produced: list[int] = []

    def counting() -> Iterator[int]:
        for number in range(1000):
            produced.append(number)
            yield number

    ahead = ReadAhead(counting(), depth=4, name="test-read-ahead")
    iterator = iter(ahead)
    assert next(iterator) == 0
    # The producer fills the queue, then waits: one taken, 4 waiting in the queue and one
    # produced and waiting to be put.
    deadline = time.monotonic() + 10
    while len(produced) < 6 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # and it stays there
    assert len(produced) == 6
    ahead.close()
    assert not any(t.name == "test-read-ahead" for t in threading.enumerate())
    assert len(produced) <= 6
