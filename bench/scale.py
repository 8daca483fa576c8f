"""Billify at scale on this machine: a month of 1M invoices for 10k users, in one run.

1. Populate: INVOICES realistic processed invoices of USERS users in 2026-11 (UTC), bulk
   inserted into a fresh data dir's billify.sqlite3 (schema and indexes from the real
   SqliteInvoiceRepository; rows laid out as its ``_row``, checked against it and read back).
2. Bare SQL: the month's totals per user and currency, one GROUP BY with sqlite3 directly.
3. Whole report run: ``billify report --month 2026-11 --workers W`` (outbox mailer), wall
   time, emails written, peak RSS of every process of its tree.
4. Upload latency at 50 and 100 uploads/s with the workers saturated, against the minimal
   baseline endpoint (bench/load.py) run beside it under the same load, in turns.
5. Throughput: invoices per minute of ``billify serve`` vs one ``billify extract`` process on
   the same receipts (bench/upload_throughput.py).
6. Recovery: SIGKILL of ``serve`` (then restarted), and of one worker process, while it reads
   real receipts: seconds until every invoice is final, and notices per invoice counted by a
   real SMTP server (none lost, none doubled).
Prints figures and a summary block; asserts nothing about speed (machines here are shared
and noisy).

    .venv/bin/python bench/scale.py                      # 1M invoices, 10k users, everything
    .venv/bin/python bench/scale.py --invoices 20000 --users 200 --skip-uploads
    .venv/bin/python bench/scale.py --data-dir /tmp/scale --keep --skip-uploads --skip-throughput
"""

from __future__ import annotations

import argparse
import datetime as dt
import email
import json
import multiprocessing
import os
import random
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import httpx
import load as load_bench
import upload_throughput as throughput_bench
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from billify.adapters.local.sqlite_repository import _COLUMNS, SqliteInvoiceRepository, _row
from billify.domain.models import (
    EXTRACTED_FIELDS,
    Evidence,
    Extraction,
    Invoice,
    InvoiceStatus,
    LineItem,
    Rate,
    Uploader,
)
from billify.domain.money import convert

REPO = Path(__file__).resolve().parents[1]
BILLIFY = REPO / ".venv" / "bin" / "billify"
MONTH = "2026-11"
MONTH_START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
MONTH_END = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
BATCH = 50_000
HELPERS = 2  # processes making rows while the main one inserts them
BARE_SQL = (
    "SELECT email, currency, SUM(CAST(total AS REAL)), COUNT(*) FROM invoices"
    " WHERE received_at >= ? AND received_at < ? GROUP BY email, currency"
)
_NAMES = (
    "Aeon Nordic Bright Corner Delta Eastern Falcon Golden Harbour Island Jade Kedai Lotus"
    " Metro Northern Orchid Pacific Quay Royal Sunrise Tesco Urban Vista Western Zenith"
)
# Each kind of shop with the category its invoices are filed under.
_KINDS = {
    "Bookshop": "office",
    "Grocer": "groceries",
    "Pharmacy": "health",
    "Cafe": "dining",
    "Bakery": "groceries",
    "Hardware": "home",
    "Stationers": "office",
    "Petrol": "transport",
    "Optics": "health",
    "Florist": "shopping",
    "Deli": "dining",
    "Electronics": "shopping",
    "Textiles": "shopping",
    "Hotel": "travel",
    "Garage": "services",
}
_SUFFIXES = ("Sdn Bhd", "GmbH", "SARL", "Ltd", "B.V.", "S.L.")
CATEGORY_OF = {
    f"{name} {kind} {_SUFFIXES[(i + j) % len(_SUFFIXES)]}": category
    for i, name in enumerate(_NAMES.split())
    for j, (kind, category) in enumerate(_KINDS.items())
}
VENDORS = tuple(CATEGORY_OF)  # 375 distinct vendors
ITEMS = ("Assorted goods", "Service fee", "Coffee beans 1kg", "A4 paper x5", "Delivery")
EVIDENCE_FIELDS = ("date", "invoice_number", "tax", "total", "vendor")
CURRENCIES = ("EUR",) * 17 + ("MYR", "MYR", "USD")  # 85% EUR, 10% MYR, 5% USD
# Euros per unit on the invoice's date: every record keeps its conversion to the home
# currency (EUR), made when it was read, so the report converts nothing again.
TO_EUR = {"EUR": Decimal(1), "MYR": Decimal("0.20412"), "USD": Decimal("0.86105")}
FIELD_COUNT = len(_COLUMNS.split(","))
VENDOR_ADDRESS = "Hauptstrasse 12, 10115 Berlin"
CHECKED = 200  # rows of each batch compared with the real _row


# ---------------------------------------------------------------------------- 1. populate


@dataclass(frozen=True, slots=True)
class Draw:
    """The random parts of one invoice: made into a row fast, or into a real Invoice."""

    id: str
    user: Uploader
    received: dt.datetime
    subtotal_cents: int
    currency: str
    vendor: str
    day: dt.date
    number: int
    items: tuple[str, ...]  # one or two descriptions
    confidence: int  # index into the CONFIDENCE and EVIDENCE pools
    evidence: int
    blob: str
    file_hash: str
    file_size: int
    filename: str


def pools(rng: random.Random, size: int = 1000) -> None:
    """Confidence and evidence maps to choose from (JSON of the real shape; a pool is enough
    for the report, which reads neither)."""
    for _ in range(size):
        CONFIDENCE.append(
            {name: round(rng.uniform(0.6, 1.0), 3) for name in sorted(EXTRACTED_FIELDS)}
        )
        EVIDENCE.append(
            {
                name: (0.1, round(0.05 + 0.15 * k + rng.random() * 0.05, 4), 0.6, 0.2 + 0.15 * k)
                for k, name in enumerate(EVIDENCE_FIELDS)  # sorted, as to_json sorts them
            }
        )
        CONFIDENCE_JSON.append(json.dumps(CONFIDENCE[-1]))
        EVIDENCE_JSON.append(
            json.dumps({k: {"page": 0, "box": list(v)} for k, v in EVIDENCE[-1].items()})
        )


CONFIDENCE: list[dict[str, float]] = []
EVIDENCE: list[dict[str, tuple[float, float, float, float]]] = []
CONFIDENCE_JSON: list[str] = []
EVIDENCE_JSON: list[str] = []


def draw(rng: random.Random, user: Uploader, received: dt.datetime) -> Draw:
    count = 1 if rng.random() < 0.7 else 2
    return Draw(
        id=f"{rng.getrandbits(128):032x}",
        user=user,
        received=received,
        subtotal_cents=rng.randint(300, 60_000),
        currency=rng.choice(CURRENCIES),
        vendor=rng.choice(VENDORS),
        day=max(MONTH_START.date(), (received - dt.timedelta(days=rng.randint(0, 2))).date()),
        number=rng.randint(100_000, 999_999),
        items=tuple(rng.choice(ITEMS) for _ in range(count)),
        confidence=rng.randrange(len(CONFIDENCE)),
        evidence=rng.randrange(len(EVIDENCE)),
        blob=f"blobs/{rng.getrandbits(64):016x}.jpg",
        file_hash=f"{rng.getrandbits(256):064x}",
        file_size=rng.randint(40_000, 900_000),
        filename=f"receipt-{rng.randint(1, 9999)}.jpg",
    )


def _amounts(d: Draw) -> tuple[int, int, list[tuple[str, int, int, int]]]:
    """Cents: tax, total, and line items (description, quantity, unit price, amount)."""
    tax = d.subtotal_cents * 19 // 100
    if len(d.items) == 1:
        lines = [(d.items[0], 1, d.subtotal_cents, d.subtotal_cents)]
    else:
        unit = d.subtotal_cents * 30 // 100
        rest = d.subtotal_cents - 2 * unit
        lines = [(d.items[0], 2, unit, 2 * unit), (d.items[1], 1, rest, rest)]
    return tax, d.subtotal_cents + tax, lines


def _home_cents(cents: int, currency: str) -> int:
    converted = (Decimal(cents) * TO_EUR[currency]).quantize(Decimal(1), ROUND_HALF_EVEN)
    return int(converted)


def _cents(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def fast_row(d: Draw) -> tuple[object, ...]:
    """What ``_row(invoice_of(d))`` gives, without building domain objects (10x faster)."""
    tax, total, lines = _amounts(d)
    received = d.received.isoformat(timespec="microseconds")
    extraction = {
        "total": _cents(total),
        "subtotal": _cents(d.subtotal_cents),
        "tax": _cents(tax),
        "amount_due": _cents(total),
        "currency": d.currency,
        "vendor": d.vendor,
        "vendor_address": VENDOR_ADDRESS,
        "date": d.day.isoformat(),
        "invoice_number": f"INV-{d.number}",
        "line_items": [
            {
                "description": text,
                "quantity": str(quantity),
                "unit_price": _cents(unit),
                "amount": _cents(amount),
            }
            for text, quantity, unit, amount in lines
        ],
        "category": CATEGORY_OF[d.vendor],
    }
    conversion = {
        "amount": _cents(_home_cents(total, d.currency)),
        "currency": "EUR",
        "rate": format(TO_EUR[d.currency], "f"),
        "rate_date": d.day.isoformat(),
    }
    # The pooled maps' JSON is made once: float repr is most of json.dumps's time.
    extraction_json = (
        f'{json.dumps(extraction)[:-1]}, "confidence": {CONFIDENCE_JSON[d.confidence]}, '
        f'"source": "ocr", "pages": 1, "evidence": {EVIDENCE_JSON[d.evidence]}, '
        f'"conversion": {json.dumps(conversion)}}}'
    )
    return (
        d.id,
        received,
        d.user.name,
        d.user.email,
        extraction["total"],
        d.currency,
        d.vendor,
        extraction["date"],
        extraction["invoice_number"],
        extraction["subtotal"],
        extraction["tax"],
        "processed",
        CONFIDENCE_JSON[d.confidence],
        extraction_json,
        d.blob,
        "image/jpeg",
        d.file_hash,
        d.file_size,
        d.filename,
        received,
        (d.received + dt.timedelta(seconds=3)).isoformat(timespec="microseconds"),
        (d.received + dt.timedelta(seconds=4)).isoformat(timespec="microseconds"),
        None,
        None,
        None,
    )


def invoice_of(d: Draw) -> Invoice:
    """The same invoice as a real domain object (to check ``fast_row`` against ``_row``)."""
    tax, total, lines = _amounts(d)

    def money(cents: int) -> Decimal:
        return Decimal(cents) / 100

    extraction = Extraction(
        total=money(total),
        subtotal=money(d.subtotal_cents),
        tax=money(tax),
        amount_due=money(total),
        currency=d.currency,
        vendor=d.vendor,
        vendor_address=VENDOR_ADDRESS,
        date=d.day,
        invoice_number=f"INV-{d.number}",
        line_items=tuple(
            LineItem(text, Decimal(quantity), money(unit), money(amount))
            for text, quantity, unit, amount in lines
        ),
        confidence=dict(CONFIDENCE[d.confidence]),
        source="ocr",
        pages=1,
        evidence={k: Evidence(0, v) for k, v in EVIDENCE[d.evidence].items()},
        category=CATEGORY_OF[d.vendor],
        conversion=convert(money(total), Rate(TO_EUR[d.currency], d.day), "EUR"),
    )
    return Invoice(
        id=d.id,
        uploader=d.user,
        blob_key=d.blob,
        media_type="image/jpeg",
        file_hash=d.file_hash,
        file_size=d.file_size,
        received_at=d.received,
        original_filename=d.filename,
        status=InvoiceStatus.PROCESSED,
        extraction=extraction,
        processed_at=d.received + dt.timedelta(seconds=3),
        notice_sent_at=d.received + dt.timedelta(seconds=4),
    )


def row_count(database: Path) -> tuple[int, int]:
    """(invoices, distinct users) in the database."""
    with sqlite3.connect(database) as db:
        count, users = db.execute("SELECT COUNT(*), COUNT(DISTINCT email) FROM invoices").fetchone()
    return int(count), int(users)


def make_rows(seed: int, owners: list[int], offsets: list[float]) -> list[tuple[object, ...]]:
    """One batch of rows (run in a helper process), the first CHECKED compared with the real
    ``_row`` of the same invoice: the stored layout is the repository's, exactly."""
    rng = random.Random(seed)
    if not CONFIDENCE:
        pools(random.Random(0))
    draws = [
        draw(rng, Uploader(f"User {u}", f"user{u:05d}@example.com"), MONTH_START + offset)
        for u, offset in zip(owners, map(_seconds, offsets), strict=True)
    ]
    rows = [fast_row(d) for d in draws]
    for d, row in zip(draws[:CHECKED], rows, strict=False):
        if row != _row(invoice_of(d)):
            raise SystemExit(f"fast_row differs from _row:\n{row}\n{_row(invoice_of(d))}")
    return rows


def _seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)


def populate(data_dir: Path, invoices: int, users: int, seed: int = 7) -> tuple[float, float]:
    """Bulk insert the month; returns seconds taken, and of them those spent waiting for rows.
    Every user gets one invoice at least. Helper processes make the next batches while this
    one inserts."""
    started = time.perf_counter()
    database = data_dir / "billify.sqlite3"
    repository = SqliteInvoiceRepository(database)  # the real schema and indexes
    repository.close()
    rng = random.Random(seed)
    # Many light users, a few heavy ones (log-normal weights: the largest ~40x the median),
    # every one present.
    weights = [rng.lognormvariate(0, 1) for _ in range(users)]
    owners = list(range(users)) + rng.choices(range(users), weights, k=invoices - users)
    rng.shuffle(owners)
    span = (MONTH_END - MONTH_START).total_seconds()
    offsets = sorted(rng.random() * span for _ in range(invoices))  # arrivals in time order
    placeholders = ", ".join("?" * FIELD_COUNT)
    sql = f"INSERT INTO invoices ({_COLUMNS}) VALUES ({placeholders})"
    db = sqlite3.connect(database, isolation_level=None)
    # A bench's bulk load: no WAL (each page written once, not again at checkpoints), no
    # syncs; the file is left in WAL mode as the app makes it, which keeps synchronous=FULL.
    db.execute("PRAGMA journal_mode=MEMORY")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-400000")
    spawn = multiprocessing.get_context("spawn")
    waited = 0.0
    with ProcessPoolExecutor(max_workers=HELPERS, mp_context=spawn) as helper:
        pending: deque[Future[list[tuple[object, ...]]]] = deque()
        for number, low in enumerate(range(0, invoices, BATCH)):
            high = min(invoices, low + BATCH)
            pending.append(
                helper.submit(make_rows, seed + number, owners[low:high], offsets[low:high])
            )
            if len(pending) > HELPERS + 1:  # a bounded number of batches in memory
                waited += _insert(db, sql, pending.popleft())
        while pending:
            waited += _insert(db, sql, pending.popleft())
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    return time.perf_counter() - started, waited


def _insert(db: sqlite3.Connection, sql: str, batch: Future[list[tuple[object, ...]]]) -> float:
    """Insert a batch in one transaction; returns the seconds spent waiting for it."""
    started = time.perf_counter()
    rows = batch.result()
    waited = time.perf_counter() - started
    db.execute("BEGIN")
    db.executemany(sql, rows)
    db.execute("COMMIT")
    return waited


def check_rows(data_dir: Path) -> str:
    """Read a day back through the real repository: the rows decode as Invoices."""
    repository = SqliteInvoiceRepository(data_dir / "billify.sqlite3")
    try:
        day = list(repository.received_between(MONTH_START, MONTH_START + dt.timedelta(hours=6)))
    finally:
        repository.close()
    if not day or any(i.extraction is None or i.total is None for i in day):
        raise SystemExit("stored rows do not decode as processed invoices")
    sample = day[0]
    with sqlite3.connect(data_dir / "billify.sqlite3") as db:
        size = db.execute("SELECT AVG(LENGTH(extraction)) FROM invoices").fetchone()[0]
        counts = sorted(n for (n,) in db.execute("SELECT COUNT(*) FROM invoices GROUP BY email"))
    return (
        f"read back {len(day)} invoices of the first 6 h; e.g. {sample.uploader.email} "
        f"{sample.extraction.vendor if sample.extraction else ''} {sample.total} "
        f"{sample.currency}; extraction JSON {size:.0f} B on average\n"
        f"invoices per user: min {counts[0]}, median {counts[len(counts) // 2]}, "
        f"p99 {counts[int(0.99 * (len(counts) - 1))]}, max {counts[-1]}"
    )


# ---------------------------------------------------------------------------- 2. bare SQL


def bare_sql(database: Path, repeats: int = 3) -> list[float]:
    times = []
    for _ in range(repeats):
        with sqlite3.connect(database) as db:
            started = time.perf_counter()
            db.execute(BARE_SQL, (_iso(MONTH_START), _iso(MONTH_END))).fetchall()
            times.append(time.perf_counter() - started)
    return times


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


# ---------------------------------------------------------------------------- 3. report run


@dataclass
class TreeSample:
    """Peak RSS seen per process of a tree, and the peak of their sum."""

    peak_kb: dict[int, int] = field(default_factory=dict)
    label: dict[int, str] = field(default_factory=dict)
    max_sum_kb: int = 0
    max_processes: int = 0

    def sample(self, root: int) -> None:
        total = 0
        pids = process_tree(root)
        for pid in pids:
            status = proc_status(pid)
            if not status:
                continue
            total += status.get("VmRSS", 0)
            self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), status.get("VmHWM", 0))
            if pid not in self.label:
                self.label[pid] = command_of(pid)
        self.max_sum_kb = max(self.max_sum_kb, total)
        self.max_processes = max(self.max_processes, len(pids))


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def proc_status(pid: int) -> dict[str, int]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    values = {}
    for line in lines:
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(value.split()[0])
    return values


def command_of(pid: int) -> str:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    words = [Path(a.decode()).name if n == 0 else a.decode() for n, a in enumerate(argv) if a]
    return " ".join(words)[:70]


@dataclass
class ReportRun:
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    emails: int
    tree: TreeSample


def reset_reports(data_dir: Path) -> None:
    """So every report is built again: no sent records, no outbox, no report queue."""
    with sqlite3.connect(data_dir / "billify.sqlite3") as db:
        db.execute("DELETE FROM monthly_reports")
    shutil.rmtree(data_dir / "outbox", ignore_errors=True)
    for path in data_dir.glob("report-queue.sqlite3*"):
        path.unlink()


def report_run(data_dir: Path, workers: int) -> ReportRun:
    reset_reports(data_dir)
    env = {**os.environ, "BILLIFY_DATA_DIR": str(data_dir), "BILLIFY_TIMEZONE": "UTC"}
    for name in ("BILLIFY_SMTP_HOST", "BILLIFY_CONFIRM_RECIPIENTS"):
        env.pop(name, None)  # the outbox mailer; every user gets a report
    tree = TreeSample()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(BILLIFY), "report", "--month", MONTH, "--workers", str(workers)],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=err,
        )
        while process.poll() is None:
            tree.sample(process.pid)
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    emails = sum(1 for _ in (data_dir / "outbox").glob("*.eml"))
    return ReportRun(seconds, process.returncode, stdout, stderr, emails, tree)


# ---------------------------------------------------------------------------- 4. uploads


@dataclass
class UploadFigures:
    rate: float
    base_p50: float
    base_p99: float
    p50: float
    p99: float
    base_errors: int
    errors: int
    backlog: int


def errors_of(results: list[tuple[int, float, str]]) -> int:
    return sum(1 for status, _, _ in results if status not in (200, 202))


def upload_latency(rate: float, seconds: float, saturate: int) -> UploadFigures:
    """Billify and the baseline beside it, under the same load: Billify's workers saturated
    with real receipts, then windows of ``rate`` uploads/s sent to each in turn (so a burst of
    OCR or of disk writes falls on both alike)."""
    windows = 6
    count = int(rate * seconds / windows)
    base: list[tuple[int, float, str]] = []
    results: list[tuple[int, float, str]] = []
    with tempfile.TemporaryDirectory() as scratch:
        server, url = load_bench.start_billify(f"{scratch}/billify")
        baseline, base_url = load_bench.start_baseline(scratch)
        try:
            load_bench.saturate(url, saturate)
            for window in range(windows):
                files = load_bench.small_pngs(2 * count, int(rate) * windows + window)
                base += load_bench.open_loop(base_url, files[:count], rate)
                results += load_bench.open_loop(url, files[count:], rate)
            base_p50, base_p99 = load_bench.latency_line(f"baseline at {rate:g}/s, beside", base)
            p50, p99 = load_bench.latency_line(f"billify at {rate:g}/s, saturated", results)
            queue = httpx.get(f"{url}/health", timeout=30).json()["queue"]
            backlog = int(queue["visible"]) + int(queue["in_flight_or_delayed"])
            print(f"  queue right after: {queue} (backlog > 0: the workers were still busy)")
        finally:
            for process in (server, baseline):
                process.terminate()
                process.wait(60)
    return UploadFigures(
        rate, base_p50, base_p99, p50, p99, errors_of(base), errors_of(results), backlog
    )


# ---------------------------------------------------------------------------- 5. throughput


@dataclass
class Throughput:
    receipts: int
    distinct: int  # invoices serve made of them (an identical receipt is a duplicate)
    serve_seconds: float
    serve_statuses: dict[str, int]
    extract_seconds: float
    extract_busy: float  # the sum of per-file seconds it printed (model loading excluded)
    extract_failures: int


def throughput(receipts: int) -> Throughput:
    files = sorted(throughput_bench.RECEIPTS.glob("*.jpg"))[:receipts]
    if len(files) < receipts:
        raise SystemExit(f"need {receipts} receipts in {throughput_bench.RECEIPTS}")
    with tempfile.TemporaryDirectory() as data_dir:
        port = throughput_bench.free_port()
        server = throughput_bench.start_server(Path(data_dir), port, workers=None)
        url = f"http://127.0.0.1:{port}"
        try:
            started = time.perf_counter()
            ids, _ = throughput_bench.upload_all(url, files, rate=50)
            statuses = throughput_bench.wait_processed(url, ids)
            serve_seconds = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(60)
    started = time.perf_counter()
    done = subprocess.run(
        [str(BILLIFY), "extract", "--json", *map(str, files)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    extract_seconds = time.perf_counter() - started
    busy = 0.0
    for line in done.stdout.splitlines():
        try:
            busy += float(json.loads(line)["seconds"])
        except (ValueError, KeyError, TypeError):
            continue
    failures = done.stderr.count("error:")
    if done.returncode:
        print(f"  billify extract exited {done.returncode}:\n{done.stderr[-2000:]}")
    return Throughput(
        len(files), len(set(ids)), serve_seconds, statuses, extract_seconds, busy, failures
    )


# ---------------------------------------------------------------------------- 6. recovery


class CountingSmtp:
    """An SMTP server's handler (aiosmtpd) counting the messages of each X-Billify-Key: a
    notice sent twice shows as 2 (the outbox would overwrite it and hide the double)."""

    def __init__(self) -> None:
        self.keys: Counter[str] = Counter()

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        self.keys[str(email.message_from_bytes(raw).get("X-Billify-Key", ""))] += 1
        return "250 OK"


@dataclass
class Recovery:
    killed: str  # what was killed with SIGKILL
    invoices: int  # distinct invoices made of the receipts (an identical receipt is one)
    unfinished: int  # invoices queued or being read at the kill
    seconds: float  # from the restart (or the kill, for a worker) to the last invoice final
    statuses: dict[str, int]
    notices: Counter[int]  # how many invoices got how many notices (1 each: none lost or doubled)


def recovery(receipts: int, kill_serve: bool) -> Recovery:
    """``billify serve`` (real OCR, SMTP) reading ``receipts`` receipts; once the first ones are
    done, SIGKILL of the whole serve (then started again) or of one worker process."""
    files = sorted(throughput_bench.RECEIPTS.glob("*.jpg"))[:receipts]
    handler = CountingSmtp()
    smtp = Controller(handler, hostname="127.0.0.1", port=throughput_bench.free_port())
    smtp.start()
    mail = ("127.0.0.1", smtp.port)
    try:
        with tempfile.TemporaryDirectory() as folder:
            data_dir, port = Path(folder), throughput_bench.free_port()
            url = f"http://127.0.0.1:{port}"
            server = throughput_bench.start_server(data_dir, port, None, mail)
            try:
                ids = list(dict.fromkeys(throughput_bench.upload_all(url, files, rate=50)[0]))
                _wait_some_final(url, ids, 2)
                unfinished = len(ids) - _final_count(url, ids)
                if kill_serve:
                    server.kill()
                    server.wait(30)
                    started = time.perf_counter()
                    server = throughput_bench.start_server(data_dir, port, None, mail)
                else:
                    started = time.perf_counter()
                    workers = [p for p in process_tree(server.pid) if "spawn_main" in command_of(p)]
                    os.kill(workers[0], signal.SIGKILL)  # serve starts another at once
                statuses = throughput_bench.wait_processed(url, ids)
                seconds = time.perf_counter() - started
            finally:
                server.terminate()
                server.wait(60)
    finally:
        smtp.stop()
    per_invoice = Counter(handler.keys[f"notice:{invoice_id}"] for invoice_id in ids)
    killed = "serve (API, scheduler and workers)" if kill_serve else "one worker process"
    return Recovery(killed, len(ids), unfinished, seconds, statuses, per_invoice)


def _final_count(url: str, ids: list[str]) -> int:
    with httpx.Client(base_url=url, timeout=30) as client:
        answers = [client.get(f"/invoices/{i}") for i in ids]
    for answer in answers:
        if answer.status_code != 200:
            raise SystemExit(f"GET {answer.url}: {answer.status_code} {answer.text}")
    return sum(a.json()["status"] not in ("queued", "processing") for a in answers)


def _wait_some_final(url: str, ids: list[str], count: int) -> None:
    deadline = time.monotonic() + 300
    while _final_count(url, ids) < count:
        if time.monotonic() > deadline:
            raise SystemExit("no invoice was read within 5 minutes")
        time.sleep(0.2)


# ---------------------------------------------------------------------------- main


def prepare(args: argparse.Namespace, data_dir: Path, summary: list[str]) -> None:
    database = data_dir / "billify.sqlite3"
    if database.exists():
        count, users = row_count(database)
        if args.keep and (count, users) == (args.invoices, args.users):
            print(f"populate: reusing {data_dir} ({count} invoices, {users} users)")
            summary.append(f"populate: reused {count} invoices / {users} users")
            return
        raise SystemExit(
            f"{database} holds {count} invoices of {users} users, not {args.invoices} of "
            f"{args.users}: remove it or choose another --data-dir"
        )
    seconds, waited = populate(data_dir, args.invoices, args.users)
    size = sum(p.stat().st_size for p in data_dir.glob("billify.sqlite3*")) / 1e6
    print(
        f"populate: {args.invoices} invoices, {args.users} users in {seconds:.1f} s "
        f"({size:.0f} MB; the inserts waited {waited:.1f} s for rows from the helpers)"
    )
    summary.append(
        f"populate {args.invoices} invoices / {args.users} users: {seconds:.1f} s, {size:.0f} MB"
    )


def report_part(args: argparse.Namespace, data_dir: Path, summary: list[str]) -> None:
    print(check_rows(data_dir))
    times = bare_sql(data_dir / "billify.sqlite3")
    bare = min(times)
    shown = ", ".join(f"{t:.2f}" for t in times)
    print(f"bare SQL GROUP BY over the month: {shown} s (best {bare:.2f} s)")
    summary.append(f"bare SQL GROUP BY email, currency over the month: {bare:.2f} s (best of 3)")

    run = report_run(data_dir, args.workers)
    print(
        f"billify report --workers {args.workers}: {run.seconds:.1f} s wall, "
        f"x{run.seconds / bare:.1f} bare SQL"
    )
    print(f"  exit {run.returncode}; stdout: {run.stdout.strip()}")
    if run.returncode:
        print(f"  stderr (last 4000 chars):\n{run.stderr[-4000:]}")
    print(f"  reports written (.eml in outbox): {run.emails} of {args.users} users")
    if run.emails != args.users:
        print(f"  WARNING: {run.emails} reports written for {args.users} users !!!")
    print(f"  peak RSS per process (MB), {len(run.tree.peak_kb)} processes seen:")
    for pid, kb in sorted(run.tree.peak_kb.items()):
        print(f"    {pid:>8} {kb / 1024:7.0f}  {run.tree.label.get(pid, '?')}")
    peak = max(run.tree.peak_kb.values(), default=0) / 1024
    together = run.tree.max_sum_kb / 1024
    print(f"  max peak RSS {peak:.0f} MB; max sum of concurrent RSS {together:.0f} MB")
    summary.append(
        f"billify report --workers {args.workers}: {run.seconds:.1f} s wall "
        f"(x{run.seconds / bare:.0f} bare SQL), {run.emails}/{args.users} reports, "
        f"exit {run.returncode}, peak RSS {peak:.0f} MB/process, {together:.0f} MB together"
    )
    summary.append(f"  CLI: {run.stdout.strip()}")


def uploads_part(args: argparse.Namespace, summary: list[str]) -> None:
    for rate in (50.0, 100.0):
        figures = upload_latency(rate, args.upload_seconds, args.saturate)
        ratio = figures.p99 / figures.base_p99
        print(f"  p99 ratio billify/baseline at {rate:g}/s: x{ratio:.2f}")
        summary.append(
            f"uploads {rate:g}/s, workers saturated: billify p50 {figures.p50:.1f} ms, "
            f"p99 {figures.p99:.1f} ms; baseline p50 {figures.base_p50:.1f} ms, "
            f"p99 {figures.base_p99:.1f} ms; p99 x{ratio:.2f}; errors "
            f"{figures.errors} (baseline {figures.base_errors}); backlog after {figures.backlog}"
        )


def throughput_part(args: argparse.Namespace, summary: list[str]) -> None:
    result = throughput(args.receipts)
    serve_rate = result.distinct / result.serve_seconds * 60
    extract_rate = result.receipts / result.extract_seconds * 60
    print(
        f"billify serve (default workers): {result.receipts} receipts uploaded, "
        f"{result.distinct} distinct invoices processed in {result.serve_seconds:.1f} s -> "
        f"{serve_rate:.1f} invoices/min; statuses {result.serve_statuses}"
    )
    print(
        f"billify extract (one process): {result.extract_seconds:.1f} s wall -> "
        f"{extract_rate:.1f} invoices/min ({result.extract_busy:.1f} s in extraction itself, "
        f"{result.extract_failures} failures)"
    )
    print(f"ratio serve/extract: x{serve_rate / extract_rate:.2f}")
    summary.append(
        f"throughput on {result.receipts} receipts ({result.distinct} distinct): serve "
        f"{serve_rate:.1f}/min, one extract "
        f"process {extract_rate:.1f}/min (wall incl. start), ratio x{serve_rate / extract_rate:.2f}"
    )


def recovery_part(args: argparse.Namespace, summary: list[str]) -> None:
    for kill_serve in (True, False):
        result = recovery(args.receipts // 2, kill_serve)
        notices = ", ".join(f"{n} invoices x{k}" for k, n in sorted(result.notices.items()))
        line = (
            f"SIGKILL of {result.killed} with {result.unfinished} of {result.invoices} invoices "
            f"unfinished: all final {result.seconds:.1f} s after the "
            f"{'restart' if kill_serve else 'kill'}; statuses {result.statuses}; "
            f"notices: {notices}"
        )
        print(line)
        summary.append(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="report workers")
    parser.add_argument("--skip-uploads", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-report", action="store_true", help="no populate/SQL/report")
    parser.add_argument("--skip-recovery", action="store_true")
    parser.add_argument("--data-dir", type=Path, help="default: a temporary folder")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) --data-dir")
    parser.add_argument("--upload-seconds", type=float, default=15)
    parser.add_argument("--saturate", type=int, default=40, help="real receipts queued first")
    parser.add_argument("--receipts", type=int, default=40, help="for the throughput part")
    args = parser.parse_args()
    if args.users > args.invoices:
        parser.error("--users must not exceed --invoices")
    if args.keep and args.data_dir is None:
        parser.error("--keep needs --data-dir")
    command = "python bench/scale.py " + shlex.join(sys.argv[1:])
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; {command}")
    summary: list[str] = []
    timings: list[str] = []

    def timed(name: str, part: Callable[..., None], *part_args: object) -> None:
        started = time.perf_counter()
        part(*part_args)
        seconds = time.perf_counter() - started
        timings.append(f"{name} {seconds:.0f} s, load avg {os.getloadavg()[1]:.1f} at its end")

    if not args.skip_report:
        # Removed at the end unless --keep, but only a folder this run created.
        created = args.data_dir is None or not args.data_dir.exists()
        data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="billify-scale-"))
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            timed("populate", prepare, args, data_dir, summary)
            timed("SQL+report", report_part, args, data_dir, summary)
        finally:
            if created and not args.keep:
                shutil.rmtree(data_dir, ignore_errors=True)
    if not args.skip_uploads:
        timed("uploads", uploads_part, args, summary)
    if not args.skip_throughput:
        timed("throughput", throughput_part, args, summary)
    if not args.skip_recovery:
        timed("recovery", recovery_part, args, summary)

    print("\n---- summary ----")
    print(f"$ {command}   ({os.cpu_count()} cores, shared)")
    print("took: " + "; ".join(timings))
    for line in summary:
        print(line)


if __name__ == "__main__":
    main()
