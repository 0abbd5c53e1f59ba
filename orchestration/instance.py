"""The Dagster instance settings the warehouse needs, wherever the instance lives.

Runs that write the warehouse must not overlap: DuckDB allows one writer per file. The
repository's `dagster.yaml` says how (a run-level limit of one on the pool "warehouse"), and
`dagster dev` in the repository root reads it; but an instance with a `DAGSTER_HOME` of its
own reads only `$DAGSTER_HOME/dagster.yaml`. `elt dagster-home` (and `elt run`) write the
settings there, and every step that writes the warehouse refuses to start on an instance that
would let runs overlap, with the fix in its message.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dagster as dg
import yaml

from extract_load.errors import ConfigError

__all__ = [
    "INSTANCE_SETTINGS_FILE",
    "WAREHOUSE_POOL",
    "ensure_instance_settings",
    "instance_problem",
    "require_queued_warehouse_runs",
]

# Every asset that writes the warehouse shares this pool; with the settings below, a run that
# uses it waits in the queue until no other such run is in progress.
WAREHOUSE_POOL = "warehouse"
INSTANCE_SETTINGS_FILE = Path(__file__).resolve().parents[1] / "dagster.yaml"
_FIX = "run `elt dagster-home` (it adds them to $DAGSTER_HOME/dagster.yaml) and restart Dagster"


def _required_pools() -> dict[str, Any]:
    """`concurrency.pools` of the repository's dagster.yaml: the one place that says it."""
    settings = yaml.safe_load(INSTANCE_SETTINGS_FILE.read_text())
    return dict(settings["concurrency"]["pools"])


def _pool_limit(instance: dg.DagsterInstance, default_limit: int | None) -> int | None:
    storage = instance.event_log_storage
    if WAREHOUSE_POOL in storage.get_concurrency_keys():
        # a limit set for this pool in the UI or by `dagster instance concurrency set`
        return storage.get_concurrency_info(WAREHOUSE_POOL).slot_count
    return default_limit


def instance_problem(instance: dg.DagsterInstance) -> str | None:
    """Why runs of this instance could write the warehouse at the same time, or None.

    An ephemeral instance runs one job in one process (`elt run`, the tests): nothing of it
    can overlap."""
    if instance.is_ephemeral:
        return None
    required = _required_pools()
    config = instance.get_concurrency_config()
    granularity = config.pool_config.pool_granularity
    limit = _pool_limit(instance, config.pool_config.default_pool_limit)
    problems = []
    if config.run_queue_config is None:
        problems.append("it launches runs without a queue (QueuedRunCoordinator)")
    if granularity is None or granularity.value != required["granularity"]:
        problems.append(f"concurrency.pools.granularity is not {required['granularity']!r}")
    if limit != required["default_limit"]:
        problems.append(
            f"the pool {WAREHOUSE_POOL!r} allows {limit or 'any number of'} runs at once, "
            f"not {required['default_limit']}"
        )
    if not problems:
        return None
    where = os.environ.get("DAGSTER_HOME") or "its DAGSTER_HOME"
    return (
        f"The Dagster instance in {where} would let runs write the warehouse at the same "
        f"time: {'; '.join(problems)}. To queue them, {_FIX}."
    )


def require_queued_warehouse_runs(
    context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext,
) -> None:
    """Fail the step, before it writes anything, on an instance that lets runs overlap."""
    problem = instance_problem(context.instance)
    if problem:
        raise dg.Failure(description=problem)


def ensure_instance_settings(home: Path) -> str:
    """Make `home/dagster.yaml` hold the repository's concurrency settings; say what was done.

    A missing file becomes a copy of the repository's; a file without `concurrency` gets the
    repository's section appended (its own text and comments kept); a file whose
    `concurrency.pools` differs is left alone and raises ConfigError naming what to change."""
    target = home / "dagster.yaml"
    if not target.exists():
        home.mkdir(parents=True, exist_ok=True)
        target.write_text(INSTANCE_SETTINGS_FILE.read_text())
        return f"wrote {target} (a copy of the repository's dagster.yaml)"
    text = target.read_text()
    try:
        current = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{target} is not valid YAML ({error}); fix it, then {_FIX}") from error
    required = _required_pools()
    if "concurrency" not in current:
        section = yaml.safe_dump({"concurrency": {"pools": required}}, sort_keys=False)
        separator = "" if text.endswith("\n") or not text else "\n"
        target.write_text(
            f"{text}{separator}# Added by `elt dagster-home`: runs that write the warehouse "
            f"queue (see the repository's dagster.yaml).\n{section}"
        )
        return f"added concurrency.pools {required} to {target}"
    pools = (current.get("concurrency") or {}).get("pools") or {}
    different = {key: value for key, value in required.items() if pools.get(key) != value}
    if different:
        wanted = ", ".join(f"{key}: {value}" for key, value in different.items())
        raise ConfigError(
            f"{target} sets concurrency.pools differently from what the warehouse needs: set "
            f"{wanted} under concurrency.pools there (the repository's dagster.yaml shows them)"
        )
    return f"{target} already queues runs that write the warehouse"
