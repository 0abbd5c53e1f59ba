"""The embedded demo stands in for sources whose entry says `demo:` and whose URL is unset.

Only orchestration and the CLI start it: the loaders never import `demo_sources`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from pathlib import Path

from extract_load import ConfigError, Settings, SourceSpec

log = logging.getLogger(__name__)

__all__ = ["DEMO_DATABASES", "with_demo_sources"]

DEMO_DATABASES = ("pagila", "courses")  # the order demo_sources.ensure_demo() returns them in
DEMO_LAKE = "lake"  # monthly files written into a files source's landing folder
DEMO_API = "api"  # a Hacker-News-shaped JSON API served from a thread of this process


def with_demo_sources(settings: Settings, only: Iterable[str] | None = None) -> Settings:
    """`settings` with the URL of each unset `demo:` source (of those named in `only`, or
    all) pointing at the embedded demo."""
    names = set(settings.sources) if only is None else set(only)
    waiting = [
        source
        for name, source in settings.sources.items()
        if name in names and source.demo is not None and source.url_env not in settings.source_urls
    ]
    for source in [s for s in waiting if s.kind == "files"]:
        _ensure_lake(settings, source)
    served = {
        source.url_env: _demo_api_url(settings, source)
        for source in waiting
        if source.kind == "http"
    }
    if served:
        settings = dataclasses.replace(settings, source_urls={**settings.source_urls, **served})
    waiting = [source for source in waiting if source.kind not in ("files", "http")]
    if not waiting:
        return settings
    for source in waiting:
        if source.demo not in DEMO_DATABASES:
            raise ConfigError(
                f"{settings.sources_file}: source {source.name!r}: demo {source.demo!r} is not "
                f"a demo database (they are {', '.join(DEMO_DATABASES)}); set {source.url_env} "
                "or fix demo:"
            )
    import demo_sources

    urls = dict(zip(DEMO_DATABASES, demo_sources.ensure_demo(), strict=True))
    filled = {source.url_env: urls[source.demo] for source in waiting if source.demo}
    return dataclasses.replace(settings, source_urls={**settings.source_urls, **filled})


def _ensure_lake(settings: Settings, source: SourceSpec) -> None:
    """The demo files in the source's landing folder, written the first time."""
    if source.demo != DEMO_LAKE:
        raise ConfigError(
            f"{settings.sources_file}: source {source.name!r}: demo {source.demo!r} is not a "
            f"demo of files (it is {DEMO_LAKE!r}); fix demo: or remove it"
        )
    if "://" in source.landing_url:
        return  # a remote landing is the team's own, never written by the demo
    from demo_sources.lake import ensure_lake

    if ensure_lake(Path(source.landing_url)):
        log.info("demo files written into %s", source.landing_url)


def _demo_api_url(settings: Settings, source: SourceSpec) -> str:
    """The URL of the demo API, started in this process the first time."""
    if source.demo != DEMO_API:
        raise ConfigError(
            f"{settings.sources_file}: source {source.name!r}: demo {source.demo!r} is not a "
            f"demo API (it is {DEMO_API!r}); set {source.url_env} or fix demo:"
        )
    from demo_sources.hn_api import demo_api

    url = demo_api()
    log.info("demo API %r serving at %s", source.name, url)
    return url
