"""Benchmark `billify serve` on this machine: upload latency and invoices processed per minute.

Starts the real server (real OCR, outbox mailer) in its own process on loopback, uploads real
receipts from ../shared/data/sroie-train at a fixed rate, then waits until every invoice is
processed. Prints figures; asserts nothing about speed (machines here are shared and noisy).

    .venv/bin/python bench/upload_throughput.py --uploads 60 --rate 10
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
RECEIPTS = REPO.parent / "shared" / "data" / "sroie-train" / "images"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_server(
    data_dir: Path, port: int, workers: int | None, smtp: tuple[str, int] | None = None
) -> subprocess.Popen[bytes]:
    """`billify serve` on ``port``; ``workers=None`` leaves serve's default (one per core);
    mail goes to the outbox, or to the SMTP server at ``smtp`` (host, port)."""
    env = {
        **os.environ,
        "BILLIFY_DATA_DIR": str(data_dir),
        "BILLIFY_POLL_INTERVAL": "0.05",
        "BILLIFY_AUTH": "off",  # open mode: the bench reads each invoice's status back
    }
    env.pop("BILLIFY_WORKERS", None)
    if workers is not None:
        env["BILLIFY_WORKERS"] = str(workers)
    env.pop("BILLIFY_SMTP_HOST", None)  # outbox: measure Billify, not a mail server
    if smtp is not None:
        env.update(BILLIFY_SMTP_HOST=smtp[0], BILLIFY_SMTP_PORT=str(smtp[1]))
    process = subprocess.Popen(
        [sys.executable, "-m", "billify.entrypoints.cli", "serve", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("server did not start")


def upload_all(base: str, files: list[Path], rate: float) -> tuple[list[str], list[float]]:
    latencies: list[float] = []
    ids: list[str] = []
    lock = threading.Lock()
    client = httpx.Client(base_url=base, timeout=60)

    def upload(path: Path) -> None:
        content = path.read_bytes()
        started = time.perf_counter()
        response = client.post(
            "/upload-invoice",
            data={"name": "Bench", "email": "b@example.com"},
            files={"file": (path.name, content, "image/jpeg")},
        )
        elapsed = time.perf_counter() - started
        if response.status_code not in (200, 202):
            raise SystemExit(f"upload refused: {response.status_code} {response.text}")
        with lock:
            latencies.append(elapsed)
            ids.append(response.json()["id"])

    with ThreadPoolExecutor(max_workers=16) as pool:
        start = time.perf_counter()
        for n, path in enumerate(files):
            # Open-loop arrivals at a fixed rate, so slow answers do not slow the offered load.
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(upload, path)
    client.close()
    return ids, latencies


def wait_processed(base: str, ids: list[str]) -> dict[str, int]:
    pending = set(ids)  # the same receipt twice is one invoice
    statuses: dict[str, int] = {}
    with httpx.Client(base_url=base, timeout=30) as client:
        while pending:
            for invoice_id in list(pending):
                status = client.get(f"/invoices/{invoice_id}").json()["status"]
                if status not in ("queued", "processing"):
                    pending.discard(invoice_id)
                    statuses[status] = statuses.get(status, 0) + 1
            time.sleep(0.5)
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=60)
    parser.add_argument("--rate", type=float, default=10.0, help="uploads per second")
    parser.add_argument("--workers", type=int, default=1, help="worker threads in serve")
    args = parser.parse_args()
    files = sorted(RECEIPTS.glob("*.jpg"))[: args.uploads]
    if len(files) < args.uploads:
        raise SystemExit(f"need {args.uploads} receipts in {RECEIPTS}")
    with tempfile.TemporaryDirectory() as data_dir:
        port = free_port()
        server = start_server(Path(data_dir), port, args.workers)
        base = f"http://127.0.0.1:{port}"
        try:
            started = time.perf_counter()
            ids, latencies = upload_all(base, files, args.rate)
            uploaded = time.perf_counter() - started
            statuses = wait_processed(base, ids)
            processed = time.perf_counter() - started
            rss = peak_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(30)
    ms = [latency * 1000 for latency in latencies]
    print(f"uploads: {len(ids)} at {args.rate:g}/s offered, done in {uploaded:.1f} s")
    print(
        f"upload latency ms: p50 {percentile(ms, 0.5):.1f}  p99 {percentile(ms, 0.99):.1f}  "
        f"max {max(ms):.1f}  mean {statistics.mean(ms):.1f}"
    )
    distinct = len(set(ids))  # a receipt uploaded twice is one invoice
    print(f"{distinct} distinct invoices ({len(ids) - distinct} answered as duplicates)")
    print(
        f"processed: {statuses} in {processed:.1f} s -> "
        f"{distinct / processed * 60:.1f} invoices/min with {args.workers} worker thread(s)"
    )
    print(f"server peak RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()
