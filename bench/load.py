"""Load benchmark of `billify serve` on this machine, against a minimal baseline, in one run.

1. Baseline: a minimal FastAPI endpoint that fsyncs the file and inserts one SQLite row
   (bench/baseline_app.py), at RATE uploads/s: upload latency p50/p99.
2. Billify at the same rate while its worker is saturated (real receipts queued first).
3. A burst of BURST uploads as fast as CONCURRENCY clients can send: every answer is 202 or a
   clean 429/503, and every accepted invoice is processed in the end (none lost).
Prints figures and the Billify/baseline ratio; asserts nothing about speed.

    .venv/bin/python bench/load.py --rate 50 --seconds 20 --burst 2000
"""

from __future__ import annotations

import argparse
import io
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
RECEIPTS = REPO.parent / "shared" / "data" / "sroie-train" / "images"
FORM = {"name": "Load Test", "email": "load@example.com"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def small_pngs(count: int, seed: int) -> list[bytes]:
    """Distinct small images (noise), so no upload is a duplicate of another."""
    generator = random.Random(seed)
    images = []
    for _ in range(count):
        pixels = bytes(generator.getrandbits(8) for _ in range(48 * 48))
        buffer = io.BytesIO()
        Image.frombytes("L", (48, 48), pixels).save(buffer, format="PNG")
        images.append(buffer.getvalue())
    return images


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                time.sleep(0.5)
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{command} did not start")


def post(client: httpx.Client, content: bytes, name: str = "x.png") -> tuple[int, float, str]:
    started = time.perf_counter()
    try:
        response = client.post(
            "/upload-invoice", data=FORM, files={"file": (name, content, "image/png")}
        )
    except httpx.HTTPError as error:
        return 0, time.perf_counter() - started, type(error).__name__
    invoice_id = response.json().get("id", "") if response.status_code in (200, 202) else ""
    return response.status_code, time.perf_counter() - started, invoice_id


def open_loop(base: str, files: list[bytes], rate: float) -> list[tuple[int, float, str]]:
    """Send at a fixed rate whatever the answers' speed (arrivals do not wait for answers)."""
    results: list[tuple[int, float, str]] = []
    lock = threading.Lock()
    with (
        httpx.Client(base_url=base, timeout=60) as client,
        ThreadPoolExecutor(max_workers=32) as pool,
    ):

        def one(content: bytes) -> None:
            result = post(client, content)
            with lock:
                results.append(result)

        start_time = time.perf_counter()
        for n, content in enumerate(files):
            delay = start_time + n / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, content)
    return results


def burst(base: str, files: list[bytes], concurrency: int) -> list[tuple[int, float, str]]:
    with (
        httpx.Client(
            base_url=base, timeout=120, limits=httpx.Limits(max_connections=concurrency)
        ) as client,
        ThreadPoolExecutor(max_workers=concurrency) as pool,
    ):
        return list(pool.map(lambda content: post(client, content), files))


def latency_line(label: str, results: list[tuple[int, float, str]]) -> tuple[float, float]:
    ms = sorted(latency * 1000 for status, latency, _ in results if status in (200, 202))
    p50, p99 = ms[len(ms) // 2], ms[min(len(ms) - 1, int(0.99 * len(ms)))]
    codes = Counter(status for status, _, _ in results)
    print(
        f"{label:<34} n={len(results):<5} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  codes {dict(codes)}"
    )
    return p50, p99


def wait_drained(base: str, timeout: float) -> float:
    started = time.perf_counter()
    with httpx.Client(base_url=base, timeout=30) as client:
        while time.perf_counter() - started < timeout:
            queue = client.get("/health").json()["queue"]
            if queue["visible"] == 0 and queue["in_flight_or_delayed"] == 0:
                return time.perf_counter() - started
            time.sleep(1)
    raise SystemExit("queue did not drain in time")


def check_all_processed(base: str, ids: list[str]) -> Counter[str]:
    with httpx.Client(base_url=base, timeout=30) as client:
        return Counter(client.get(f"/invoices/{i}").json()["status"] for i in ids)


def rss_mb(pid: int) -> tuple[float, float]:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def start_baseline(scratch: str) -> tuple[subprocess.Popen[bytes], str]:
    """The baseline endpoint (bench/baseline_app.py) on a free port: the process and its URL."""
    port = free_port()
    env = {**os.environ, "BASELINE_DIR": f"{scratch}/baseline"}
    command = [sys.executable, "-m", "uvicorn", "bench.baseline_app:app", "--port", str(port)]
    baseline = start([*command, "--log-level", "warning"], env, port)
    return baseline, f"http://127.0.0.1:{port}"


def baseline_latency(
    scratch: str, count: int, rate: float, seed: int = 1
) -> list[tuple[int, float, str]]:
    """The baseline endpoint at ``rate`` uploads/s: its results."""
    baseline, url = start_baseline(scratch)
    try:
        return open_loop(url, small_pngs(count, seed), rate)
    finally:
        baseline.terminate()
        baseline.wait(30)


def start_billify(data_dir: str) -> tuple[subprocess.Popen[bytes], str]:
    """`billify serve` (outbox mailer, open API) on a free port: the process and its URL."""
    port = free_port()
    env = {**os.environ, "BILLIFY_DATA_DIR": data_dir, "BILLIFY_POLL_INTERVAL": "0.05"}
    env["BILLIFY_AUTH"] = "off"  # open mode: the bench reads each invoice's status back
    env.pop("BILLIFY_SMTP_HOST", None)
    env.pop("BILLIFY_API_KEYS", None)
    server = start(
        [sys.executable, "-m", "billify.entrypoints.cli", "serve", "--port", str(port)],
        env,
        port,
    )
    return server, f"http://127.0.0.1:{port}"


def saturate(base: str, receipts: int) -> None:
    """Queue that many real receipts, so the worker(s) are busy during what follows."""
    with httpx.Client(base_url=base, timeout=60) as client:
        for path in sorted(RECEIPTS.glob("*.jpg"))[:receipts]:
            post(client, path.read_bytes(), path.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--saturate", type=int, default=40, help="real receipts queued first")
    args = parser.parse_args()
    count = int(args.rate * args.seconds)
    print(
        f"{os.cpu_count()} cores; {args.rate:g} uploads/s for {args.seconds:g} s; "
        f"burst {args.burst} with {args.concurrency} clients"
    )

    with tempfile.TemporaryDirectory() as scratch:
        base_p50, base_p99 = latency_line(
            "baseline (fsync + 1 row)", baseline_latency(scratch, count, args.rate)
        )
        server, base = start_billify(f"{scratch}/billify")
        try:
            saturate(base, args.saturate)
            results = open_loop(base, small_pngs(count, 2), args.rate)
            p50, p99 = latency_line("billify, worker saturated", results)
            ratios = f"p50 x{p50 / base_p50:.2f}  p99 x{p99 / base_p99:.2f}"
            print(f"{'ratio billify/baseline':<34} {ratios}")

            started = time.perf_counter()
            burst_results = burst(base, small_pngs(args.burst, 3), args.concurrency)
            sent = time.perf_counter() - started
            latency_line("burst", burst_results)
            accepted = [i for status, _, i in burst_results if status == 202]
            refused = Counter(s for s, _, _ in burst_results if s not in (200, 202))
            print(
                f"burst sent in {sent:.1f} s ({len(burst_results) / sent:.0f}/s); "
                f"accepted {len(accepted)}, refused {dict(refused)}"
            )
            drained = wait_drained(base, timeout=3600)
            statuses = check_all_processed(base, accepted + [i for _, _, i in results if i])
            print(f"queue drained {drained:.0f} s after the burst; final statuses {dict(statuses)}")
            lost = sum(n for s, n in statuses.items() if s in ("queued", "processing"))
            print(f"lost or stuck: {lost}")
            now, peak = rss_mb(server.pid)
            print(f"server RSS {now:.0f} MB (peak {peak:.0f} MB)")
        finally:
            server.terminate()
            server.wait(60)


if __name__ == "__main__":
    main()
