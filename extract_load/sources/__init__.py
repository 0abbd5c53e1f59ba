"""The source systems this project loads, one module each."""

from __future__ import annotations

from ..errors import ConfigError
from ..tables import SourceSpec
from .courses import COURSES
from .pagila import PAGILA

__all__ = ["COURSES", "PAGILA", "SOURCES", "source_by_name"]

SOURCES: dict[str, SourceSpec] = {source.name: source for source in (PAGILA, COURSES)}


def source_by_name(name: str) -> SourceSpec:
    try:
        return SOURCES[name]
    except KeyError:
        raise ConfigError(
            f"unknown source {name!r}; the sources are {', '.join(SOURCES)}"
        ) from None
