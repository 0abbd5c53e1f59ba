"""Loading a files dataset: each landed file once, published with its ledger row.

A file already loaded with the same content (path and sha256 in `elt.loaded_files`) is skipped.
A new file, or one replaced under the same name, is staged, then published with its ledger row
in one transaction that replaces exactly its own earlier rows (`_file` = its path) and its own
earlier quarantined lines. Files the warehouse reads itself (Parquet into DuckDB) are read
several at once by one statement and published in one transaction, each replacing its own
rows; if that fails, they are loaded one by one, so that one bad file fails alone.

A file's bad lines go to `elt.quarantine` with file, line, reason and raw text; above the
bad-rows fraction the file is refused and nothing of it lands. Per file: rows read = rows
loaded + rows quarantined.
"""

from __future__ import annotations

import logging
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass

from . import ledger
from .cancel import LoadCancelled
from .errors import EltError
from .files_read import BadLine
from .files_source import FileRead, LandedFile, Landing
from .identifiers import qualified
from .ledger import CANCELLED, SUCCEEDED, FileRecord
from .streams import Progress
from .tables import FileDataset, SourceSpec
from .warehouse import StagePlan, Warehouse
from .warehouse.base import within_bad_rows_limit

__all__ = ["FilesFailed", "load_dataset"]

log = logging.getLogger(__name__)

REFUSED = "refused"
FAILED = "failed"
_SHOWN = 3  # bad lines named in a refusal's message


class FilesFailed(EltError):
    """Some files of a dataset were refused or failed; the others were published."""


class _Refused(FilesFailed):
    """One file has too many bad lines: nothing of it was loaded."""


@dataclass(frozen=True)
class _ToLoad:
    file: LandedFile
    sha256: str
    replaces: bool  # an earlier load of the file was published


def load_dataset(
    warehouse: Warehouse,
    source: SourceSpec,
    plan: StagePlan,
    url: str,
    max_bad_fraction: float,
    months: Container[str] | None,
    progress: Progress,
    reload: bool = False,
) -> None:
    """Load the dataset `plan.table` of `source` from the landing at `url` (the months chosen,
    `YYYY-MM` each, as a Months range or any set; or all), adding each file's counts to
    `plan.batch`; with `reload`, files already loaded with the same content are loaded again
    too (each replaces its own rows). Raises
    FilesFailed naming the files refused or failed once the others are published."""
    dataset = source.dataset(plan.table)
    landing = Landing(url, source.name)
    skipped = 0
    todo: list[_ToLoad] = []
    for file in landing.files(dataset, months):
        sha256 = landing.sha256(file)
        before = ledger.loaded_file(warehouse.execute, source.name, dataset.name, file.path)
        if before == (sha256, SUCCEEDED) and not reload:
            skipped += 1
            continue
        todo.append(_ToLoad(file, sha256, before is not None and before[1] == SUCCEEDED))
    problems: list[str] = []
    position = 0
    while position < len(todo):
        group = _stage_together(warehouse, plan, landing, dataset, todo[position:], progress)
        if group:
            try:
                _publish_together(warehouse, plan, group)
            except LoadCancelled as error:
                for item, read in group:
                    _cancelled(warehouse, plan, item, read, error)
                raise
            except EltError as error:
                log.warning(
                    "%s.%s: %d file(s) read together cannot be loaded so (%s); loading them "
                    "one by one",
                    source.name,
                    dataset.name,
                    len(group),
                    str(error).splitlines()[0],
                )
            else:
                position += len(group)
                continue
        alone = todo[position : position + max(len(group), 1)]
        for item in alone:
            problem = _load_one(warehouse, plan, landing, dataset, item, max_bad_fraction, progress)
            if problem is not None:
                problems.append(problem)
        position += len(alone)
    log.info(
        "%s.%s: %d file(s) loaded, %d already loaded and unchanged",
        source.name,
        dataset.name,
        len(todo) - len(problems),
        skipped,
    )
    if problems:
        raise FilesFailed("; ".join(problems))


def _stage_together(
    warehouse: Warehouse,
    plan: StagePlan,
    landing: Landing,
    dataset: FileDataset,
    todo: Sequence[_ToLoad],
    progress: Progress,
) -> list[tuple[_ToLoad, FileRead]]:
    """The leading files of `todo` that the warehouse reads itself, staged as one (none if it
    cannot read the first so)."""
    reads: list[FileRead] = []

    def candidates() -> Iterator[FileRead]:
        for item in todo:
            try:
                read = FileRead(landing, dataset, item.file)
            except EltError:  # loaded one by one, which records why it cannot be
                return
            reads.append(read)
            yield read

    try:
        staged = warehouse.stage_files(plan, candidates(), progress)
    except LoadCancelled as error:  # the files opened were under way
        for item, read in zip(todo, reads, strict=False):
            _cancelled(warehouse, plan, item, read, error)
        raise
    return list(zip(todo[:staged], reads[:staged], strict=True))


def _publish_together(
    warehouse: Warehouse, plan: StagePlan, group: Sequence[tuple[_ToLoad, FileRead]]
) -> None:
    """Publish staged files with no bad line (what a warehouse reads itself) in one
    transaction."""

    def record() -> None:
        for item, read in group:
            _record(warehouse, plan, item.file, item.sha256, SUCCEEDED, None, read)

    warehouse.publish_files(plan, {read.file.path: () for _, read in group}, record)
    for item, read in group:
        _count(plan, read, item)


def _load_one(
    warehouse: Warehouse,
    plan: StagePlan,
    landing: Landing,
    dataset: FileDataset,
    item: _ToLoad,
    max_bad_fraction: float,
    progress: Progress,
) -> str | None:
    """Stage and publish one file; what went wrong with it, if it was refused or failed."""
    read = None
    try:
        read = FileRead(landing, dataset, item.file)
        warehouse.write_stage(plan, read, progress)
        _publish(warehouse, plan, read, item.sha256, max_bad_fraction)
    except _Refused as error:  # recorded as refused already
        return str(error)
    except LoadCancelled as error:
        # The files after it are left as they are: not loaded, nothing recorded.
        _cancelled(warehouse, plan, item, read, error)
        raise
    except EltError as error:
        _record(warehouse, plan, item.file, item.sha256, FAILED, str(error), read)
        return str(error).splitlines()[0]
    _count(plan, read, item)
    return None


def _cancelled(
    warehouse: Warehouse,
    plan: StagePlan,
    item: _ToLoad,
    read: FileRead | None,
    error: LoadCancelled,
) -> None:
    try:
        _record(warehouse, plan, item.file, item.sha256, CANCELLED, str(error), read)
    except Exception:  # the cancellation is what to report; the next load retries it
        log.exception("%s: could not record the file as cancelled", item.file.path)


def _publish(
    warehouse: Warehouse, plan: StagePlan, read: FileRead, sha256: str, max_bad_fraction: float
) -> None:
    bad = read.bad_lines
    rows_read = read.rows_read
    if not within_bad_rows_limit(len(bad), rows_read, max_bad_fraction):
        shown = "; ".join(f"line {b.line}: {b.reason}" for b in sorted(bad, key=_line)[:_SHOWN])
        message = (
            f"{read.label}: {len(bad):,} of {rows_read:,} line(s) cannot be loaded, more than "
            f"{max_bad_fraction:.1%}, so nothing of the file was loaded ({shown}). Fix the file "
            "and drop it again, or raise ELT_MAX_BAD_ROWS_FRACTION"
        )
        warehouse.execute(f"DROP TABLE IF EXISTS {qualified(plan.schema, plan.stage)}")
        _record(warehouse, plan, read.file, sha256, REFUSED, message, read)
        raise _Refused(message)
    if bad:
        log.warning(
            "%s: %d of %d line(s) quarantined in %s (first: line %d, %s)",
            read.label,
            len(bad),
            rows_read,
            ledger.QUARANTINE,
            min(bad, key=_line).line,
            min(bad, key=_line).reason,
        )
    lines = [(b.line, b.reason, b.raw) for b in sorted(bad, key=_line)]

    def record() -> None:
        _record(warehouse, plan, read.file, sha256, SUCCEEDED, None, read)

    warehouse.publish_files(plan, {read.file.path: lines}, record)


def _count(plan: StagePlan, read: FileRead, item: _ToLoad) -> None:
    """Add a published file's rows to its batch."""
    batch, bad = plan.batch, len(read.bad_lines)
    batch.rows_read += read.rows_read
    batch.rows_loaded += read.rows_read - bad
    batch.rows_quarantined += bad
    batch.rows_changed += read.rows_read - bad
    if item.replaces:
        log.info("%s: replaced", read.label)


def _line(bad: BadLine) -> int:
    return bad.line


def _record(
    warehouse: Warehouse,
    plan: StagePlan,
    file: LandedFile,
    sha256: str,
    status: str,
    error: str | None,
    read: FileRead | None,
) -> None:
    """The file's row in elt.loaded_files; only a published file counts rows as loaded."""
    ok = status == SUCCEEDED
    rows_read = read.rows_read if read is not None else 0
    bad = len(read.bad_lines) if read is not None else 0
    ledger.record_file(
        warehouse.execute,
        FileRecord(
            source=plan.batch.source,
            table=plan.table,
            path=file.path,
            size=file.size,
            sha256=sha256,
            rows_read=rows_read,
            rows_loaded=rows_read - bad if ok else 0,
            rows_quarantined=bad if ok else 0,
            batch_id=plan.batch.batch_id,
            status=status,
            error=error[:4000] if error else None,
        ),
    )
