"""Loading a files dataset: each landed file once, each in a transaction of its own.

A file already loaded with the same content (path and sha256 in `elt.loaded_files`) is skipped.
A new file, or one replaced under the same name, is staged, then published with its ledger row
in one transaction that replaces exactly its own earlier rows (`_file` = its path) and its own
earlier quarantined lines. Its bad lines go to `elt.quarantine` with file, line, reason and raw
text; above the bad-rows fraction the file is refused and nothing of it lands. Per file:
rows read = rows loaded + rows quarantined.
"""

from __future__ import annotations

import logging
from collections.abc import Container
from dataclasses import dataclass

from . import ledger
from .cancel import LoadCancelled
from .errors import EltError
from .files_read import BadLine
from .files_source import FileRead, LandedFile, Landing
from .identifiers import qualified
from .ledger import CANCELLED, SUCCEEDED, FileRecord
from .streams import Progress
from .tables import SourceSpec
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


@dataclass
class _Totals:
    files_loaded: int = 0
    files_skipped: int = 0


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
    totals = _Totals()
    problems: list[str] = []
    for file in landing.files(dataset, months):
        sha256 = landing.sha256(file)
        before = ledger.loaded_file(warehouse.execute, source.name, dataset.name, file.path)
        if before == (sha256, SUCCEEDED) and not reload:
            totals.files_skipped += 1
            continue
        read = None
        try:
            read = FileRead(landing, dataset, file)
            warehouse.write_stage(plan, read, progress)
            _publish(warehouse, plan, read, sha256, max_bad_fraction)
        except _Refused as error:  # recorded as refused already
            problems.append(str(error))
            continue
        except LoadCancelled as error:
            # The files after it are left as they are: not loaded, nothing recorded.
            try:
                _record(warehouse, plan, file, sha256, CANCELLED, str(error), read)
            except Exception:  # the cancellation is what to report; the next load retries it
                log.exception("%s: could not record the file as cancelled", file.path)
            raise
        except EltError as error:
            problems.append(str(error).splitlines()[0])
            _record(warehouse, plan, file, sha256, FAILED, str(error), read)
            continue
        if before is not None and before[1] == SUCCEEDED:
            log.info("%s: replaced", read.label)
        totals.files_loaded += 1
    log.info(
        "%s.%s: %d file(s) loaded, %d already loaded and unchanged",
        source.name,
        dataset.name,
        totals.files_loaded,
        totals.files_skipped,
    )
    if problems:
        raise FilesFailed("; ".join(problems))


def _publish(
    warehouse: Warehouse, plan: StagePlan, read: FileRead, sha256: str, max_bad_fraction: float
) -> None:
    batch, bad = plan.batch, read.bad_lines
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
    loaded = rows_read - len(bad)

    def record() -> None:
        _record(warehouse, plan, read.file, sha256, SUCCEEDED, None, read)

    warehouse.publish_file(plan, read.file.path, lines, record)
    batch.rows_read += rows_read
    batch.rows_loaded += loaded
    batch.rows_quarantined += len(bad)
    batch.rows_changed += loaded


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
