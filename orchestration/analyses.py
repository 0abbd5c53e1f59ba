"""Running the dbt project's analyses (documented SQL for analysts) against the warehouse."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from extract_load import EltError, Settings
from extract_load.warehouse import open_warehouse

from .dbt_project import invoke_dbt

__all__ = ["compile_analysis", "run_analysis"]


def compile_analysis(name: str, variables: Mapping[str, Any]) -> str:
    """The SQL of `dbt_project/analyses/<name>.sql`, compiled by dbt with these vars."""
    from dbt.contracts.graph.nodes import AnalysisNode
    from dbt.contracts.results import RunExecutionResult

    result = invoke_dbt(
        "--log-level", "none", "compile", "--select", name, "--vars", json.dumps(dict(variables))
    )
    if not result.success or not isinstance(result.result, RunExecutionResult):
        raise EltError(f"dbt could not compile the analysis {name!r}: {result.exception}")
    for node_result in result.result.results:
        node = node_result.node
        if isinstance(node, AnalysisNode) and node.name == name:
            return str(node.compiled_code)
    raise EltError(f"there is no analysis {name!r} in dbt_project/analyses/")


def run_analysis(
    name: str, variables: Mapping[str, Any]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Compile the analysis and run it on the warehouse; (column names, rows)."""
    statement = compile_analysis(name, variables)
    warehouse = open_warehouse(Settings.from_env())
    try:
        return warehouse.query(statement)
    finally:
        warehouse.close()
