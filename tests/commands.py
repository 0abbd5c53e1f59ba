"""The project's commands, run as a user runs them: separate processes from the repository."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from extract_load.settings import dbt_profile_environment

REPOSITORY = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def dbt_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The process environment for dbt on the warehouse `env` names, as the project sets it."""
    merged = {**os.environ, **env, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return {**merged, **dbt_profile_environment(merged)}


def elt(env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`elt args` on the warehouse and sources `env` names, as a user runs it."""
    return subprocess.run(
        [str(BIN / "elt"), *args],
        cwd=REPOSITORY,
        env={**os.environ, **env, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def dbt(env: Mapping[str, str], work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """dbt `args` on the warehouse `env` names, with its own target and log folders in `work`."""
    return subprocess.run(
        [
            str(BIN / "dbt"),
            *args,
            "--project-dir",
            "dbt_project",
            "--profiles-dir",
            "profiles",
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        cwd=REPOSITORY,
        env=dbt_environment(env),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def dbt_build(env: Mapping[str, str], work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`dbt build` on the warehouse `env` names, with its own target and log folders in `work`."""
    return dbt(env, work, "build", *args)
