"""`elt sources discover`: a ready-to-paste `sources.yml` entry from a live catalog."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from .catalog import CatalogTable

__all__ = ["discovery_entry", "yaml_key"]

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Plain words YAML would read as something other than a string key.
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def yaml_key(name: str) -> str:
    """`name` as a YAML mapping key: plain when safe, else double-quoted (JSON is valid YAML)."""
    if _PLAIN_KEY.match(name) and name.lower() not in _YAML_WORDS:
        return name
    return json.dumps(name, ensure_ascii=False)


def _rows(estimate: int | None) -> str:
    return "rows unknown (never analysed)" if estimate is None else f"~{estimate:,} rows"


def discovery_entry(
    name: str,
    kind: str,
    url_env: str,
    schema: str | None,
    catalog: Sequence[CatalogTable],
) -> str:
    """The entry, indented to go under `sources:`; every table with its key, estimated rows
    and candidate cursor columns as comments. Nothing the catalog says is repeated as a
    setting: keys and types are read again at every load."""
    lines = [f"  {name}:", f"    kind: {kind}", f"    url_env: {url_env}"]
    if schema is not None:
        lines.append(f"    schema: {yaml_key(schema)}")
    base = [table for table in catalog if table.is_base_table]
    if not base:
        lines.append("    # no tables found in this schema")
        return "\n".join(lines) + "\n"
    lines.append("    tables:")
    for table in base:
        candidates = table.cursor_candidates()
        if table.primary_key:
            key = f"key ({', '.join(table.primary_key)})"
        else:
            key = "no primary key: loads in full (declare primary_key to merge incrementally)"
        comment = f"{key}; {_rows(table.estimated_rows)}"
        if candidates:
            comment += "; cursor candidates: " + ", ".join(
                f"{c.name} ({c.declared})" for c in candidates[:3]
            )
        lines.append(f"      {yaml_key(table.name)}:  # {comment}")
        if candidates and table.primary_key:
            # Uncomment to load only new and changed rows.
            lines.append("        # mode: incremental")
            lines.append(f"        # cursor_column: {yaml_key(candidates[0].name)}")
    views = [table.name for table in catalog if not table.is_base_table]
    if views:
        lines.append(
            "    # views, loaded only when listed under tables: "
            + ", ".join(yaml_key(view) for view in views)
        )
    return "\n".join(lines) + "\n"
