"""A temporary checkout of another commit (`--baseline REF`), whose loaders run beside today's.

It is a `git worktree` of the repository the benchmark runs from, detached at REF, in a
temporary folder; it is removed when the benchmark ends, however it ends short of a kill.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from runs import BenchError


def _git(repository: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repository), *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BenchError(f"git {' '.join(args)}: {result.stderr.strip() or result.stdout}")
    return result.stdout.strip()


@contextmanager
def baseline_checkout(ref: str) -> Iterator[Path]:
    """A worktree of `ref` with its own extract_load; removed on leaving."""
    repository = Path(_git(Path(__file__).resolve().parent, "rev-parse", "--show-toplevel"))
    try:
        commit = _git(repository, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except BenchError:
        raise SystemExit(f"--baseline {ref}: no such commit in {repository}") from None
    parent = Path(tempfile.mkdtemp(prefix="elt-bench-baseline-"))
    checkout = parent / commit[:12]
    _git(repository, "worktree", "add", "--detach", str(checkout), commit)
    try:
        if not (checkout / "extract_load" / "__init__.py").is_file():
            raise BenchError(f"--baseline {ref}: commit {commit[:12]} has no extract_load/")
        print(f"baseline {ref} = {commit[:12]}, checked out in {checkout}", file=sys.stderr)
        yield checkout
    finally:
        _git(repository, "worktree", "remove", "--force", str(checkout))
        parent.rmdir()
