"""The dbt project as Dagster sees it. Kept apart from the assets: `dagster-dbt project
prepare-and-package --file orchestration/dbt_project.py` builds the manifest from this module
before the module that needs the manifest (transform.py) is imported."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster_dbt import DbtProject

from extract_load.settings import dbt_profile_environment
from orchestration.locations import DBT_PROJECT_DIR, PROFILES_DIR

if TYPE_CHECKING:
    from dbt.cli.main import dbtRunnerResult

__all__ = [
    "dbt_executable",
    "dbt_project",
    "invoke_dbt",
    "prepare_dbt_environment",
]

# The target comes from ELT_WAREHOUSE inside profiles/profiles.yml, as for the loaders.
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=PROFILES_DIR)
# Under `dagster dev` the manifest is re-parsed at start, and dbt reads the warehouse from the
# variables made from the project's own (profiles.yml); elsewhere `make` prepares it.


def prepare_dbt_environment() -> None:
    """Set in this process what dbt reads: the profile's variables, made from the project's
    own (a relative DuckDB path made absolute, since dagster-dbt runs dbt in dbt_project/;
    ELT_POSTGRES_URL's parts), and no usage statistics (there is no network)."""
    os.environ.update(dbt_profile_environment(os.environ))
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


def dbt_executable() -> str:
    """The dbt installed beside this Python, whether or not its bin/ is on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else "dbt"


def invoke_dbt(*args: str, callbacks: Sequence[Callable[[Any], None]] = ()) -> dbtRunnerResult:
    """dbt `args` in this process, on the configured warehouse, with this project and profile;
    `callbacks` get each of dbt's events."""
    from dbt.cli.main import dbtRunner

    prepare_dbt_environment()
    return dbtRunner(callbacks=list(callbacks)).invoke(
        [
            *args,
            "--project-dir",
            str(dbt_project.project_dir),
            "--profiles-dir",
            str(dbt_project.profiles_dir),
        ]
    )


if dbt_project.preparer.using_dagster_dev():
    prepare_dbt_environment()
dbt_project.prepare_if_dev()
