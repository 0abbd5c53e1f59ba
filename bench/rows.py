"""One contender's result on one table: its runs and their medians."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from contenders import Contender
from runs import Measurement

__all__ = ["Row"]


@dataclass(frozen=True)
class Row:
    contender: Contender
    rows: int
    runs: tuple[Measurement, ...]
    error: str | None = None  # the contender failed (pandas or a peer: a type it cannot take)
    table: str = ""  # e.g. ratings_1M

    def median(self, field: str) -> float | None:
        values = [getattr(m, field) for m in self.runs]
        if any(v is None for v in values):
            return None
        return float(statistics.median(values))

    @property
    def seconds(self) -> float:
        return statistics.median(m.seconds for m in self.runs)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds

    @property
    def peak_mb(self) -> float:
        return statistics.median(m.peak_mb for m in self.runs)
