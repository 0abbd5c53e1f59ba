"""One measured run: a contender's processes (two joined by a pipe, for the PostgreSQL floor),
their wall time, peak memory and CPU, the client's and the server's."""

from __future__ import annotations

import compileall
import contextlib
import json
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from servers import Servers, server_cpu_seconds


class BenchError(RuntimeError):
    """A contender failed or loaded the wrong number of rows."""


@dataclass(frozen=True)
class Measurement:
    seconds: float  # wall, from the first process started to the last one ended
    peak_mb: float  # peak RSS, summed over the processes of a pipe
    cpu_seconds: float  # user + system of the client processes
    server_cpu_seconds: float | None  # of the servers it used, when they can be observed
    work_seconds: float | None  # a Python worker's time after its imports


@dataclass
class Plan:
    """How one contender runs: one command, or two joined by a pipe."""

    commands: list[list[str]]
    env: dict[str, str]
    cwd: Path | None = None  # where the processes run; None: the benchmark's own folder
    servers: tuple[str, ...] = ("postgres",)  # whose CPU time is counted: "postgres", "mysql"
    stdout_devnull: bool = False  # the last process writes into /dev/null, not a file


class PeakMemory(threading.Thread):
    """Samples the summed RSS of a process tree every few milliseconds; keeps the peak.

    Not `ru_maxrss` from wait4: a child started by fork/vfork from this (large) Python process
    inherits this process' high-water mark before it execs, so a 5 MB psql would report the
    benchmark's own 90 MB.
    """

    def __init__(self, pids: Sequence[int], interval: float = 0.005) -> None:
        super().__init__(daemon=True)
        import psutil

        self._psutil = psutil
        self._roots = [psutil.Process(pid) for pid in pids]
        self._tree = list(self._roots)
        self._interval = interval
        self._stop_event = threading.Event()
        self.peak_bytes = 0

    def _refresh_tree(self) -> None:
        # Listing descendants scans all of /proc: done every 0.25 s, not at every sample.
        tree = list(self._roots)
        for root in self._roots:
            with contextlib.suppress(self._psutil.Error):
                tree += root.children(recursive=True)
        self._tree = tree

    def _sample(self) -> int:
        total = 0
        for process in self._tree:
            # A process may end (or be a zombie) between listing and reading.
            with contextlib.suppress(self._psutil.Error):
                total += process.memory_info().rss
        return total

    def run(self) -> None:
        refreshed = 0.0
        while not self._stop_event.is_set():
            now = time.monotonic()
            if now - refreshed > 0.25:
                self._refresh_tree()
                refreshed = now
            self.peak_bytes = max(self.peak_bytes, self._sample())
            self._stop_event.wait(self._interval)

    def stop(self) -> float:
        """Stop sampling; the peak in MB."""
        self._stop_event.set()
        self.join()
        return self.peak_bytes / (1 << 20)


def cached_bytecode(checkout: Path) -> None:
    """Compile the checkout's Python to bytecode, as the first run of the project does on a
    user's machine. Where PYTHONDONTWRITEBYTECODE is set (this machine's shells, some CI
    images) every worker would compile the loaders again at each start (measured: 0.2-0.25 s
    a run, 30-50 modules), a cost that no installed library, nor a scheduled load after its
    first, pays. Up-to-date files are not compiled again."""
    for folder in ("extract_load", "bench"):
        if (checkout / folder).is_dir():
            compileall.compile_dir(checkout / folder, quiet=1)


def run_plan(plan: Plan, servers: Servers) -> tuple[Measurement, str]:
    """Run the plan's processes (a pipe if there are two), sample their memory, wait for each
    with wait4 (for exact CPU times); return the measurement and the last process' stdout.
    Python runs from bytecode compiled beforehand (`cached_bytecode`)."""
    cached_bytecode(plan.cwd or Path(__file__).resolve().parent.parent)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        # Backends of earlier runs (and of prepare()) must be reaped before the first reading.
        time.sleep(0.3)
        cpu_before = server_cpu_seconds(servers, plan.servers)
        processes: list[subprocess.Popen[bytes]] = []
        started = time.perf_counter()
        stdin: IO[bytes] | int | None = subprocess.DEVNULL
        for index, argv in enumerate(plan.commands):
            last = index == len(plan.commands) - 1
            process = subprocess.Popen(
                argv,
                stdin=stdin,
                stdout=(subprocess.DEVNULL if plan.stdout_devnull else out)
                if last
                else subprocess.PIPE,
                stderr=err,
                env=plan.env,
                cwd=plan.cwd,
            )
            if stdin is not subprocess.DEVNULL and stdin is not None:
                stdin.close()  # type: ignore[union-attr]  # only the reader keeps the pipe
            stdin = process.stdout
            processes.append(process)
        sampler = PeakMemory([p.pid for p in processes])
        sampler.start()
        cpu = 0.0
        statuses = []
        for process in processes:
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            statuses.append(process.returncode)
            cpu += usage.ru_utime + usage.ru_stime
        seconds = time.perf_counter() - started
        peak_mb = sampler.stop()
        time.sleep(0.3)
        cpu_after = server_cpu_seconds(servers, plan.servers)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if any(statuses):
        shown = " | ".join(" ".join(argv[:6]) for argv in plan.commands)
        raise BenchError(f"{shown} exited with {statuses}:\n{stderr[-3000:]}{stdout[-1000:]}")
    work = None
    if stdout.strip().startswith("{"):
        work = json.loads(stdout.strip().splitlines()[-1]).get("work_seconds")
    server_cpu = (
        None if cpu_before is None or cpu_after is None else max(0.0, cpu_after - cpu_before)
    )
    return Measurement(seconds, peak_mb, cpu, server_cpu, work), stdout
