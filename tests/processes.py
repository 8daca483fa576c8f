"""Running `billify serve` as a real process in tests, and waiting on conditions."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import REPO
from tests.smtp_server import free_port


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def children_of(pid: int, marker: str = "") -> list[int]:
    """Processes whose parent is ``pid`` (and whose command line holds ``marker``)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if parent == pid and marker in command:
            found.append(int(stat.parent.name))
    return found


@contextmanager
def billify_serve(environment: dict[str, str], log_path: Path) -> Iterator[str]:
    """Start `billify serve` on a free port, wait until it answers, yield its base URL; the
    server's output goes to ``log_path`` (shown if it dies while starting)."""
    port = free_port()
    # Workers at normal priority: at idle priority (the default) they would wait for the
    # other tests running beside this one (pytest-xdist) to leave a core free. What idle
    # priority does is tested in tests/integration/test_report_worker.py.
    environment = {"BILLIFY_WORKER_NICE": "0", **environment}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "billify.entrypoints.cli", "serve", "--port", str(port)],
            env=environment,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            assert process.poll() is None, log_path.read_text()
            try:
                return httpx.get(f"{base}/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            wait_for(healthy, 60, "billify serve to answer")
            yield base
        finally:
            process.terminate()
            process.wait(30)
