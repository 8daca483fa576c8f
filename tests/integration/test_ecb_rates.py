"""``EcbRates``: the contract over the recorded ECB file (CSV and zipped), the history shipped with
the package, and ``refresh`` from a loopback server standing in for the ECB."""

from __future__ import annotations

import datetime as dt
import io
import logging
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from billify.adapters.local.ecb_rates import EcbRates
from billify.domain.models import Rate
from billify.ports import ExchangeRates
from tests.conftest import REPO
from tests.contracts.exchange_rates import ExchangeRatesContract

SAMPLE = REPO / "tests" / "data" / "ecb" / "eurofxref-hist-sample.csv"
RECORDED_LAST = dt.date(2026, 1, 16)
NEWER = dt.date(2026, 1, 19)


def zipped(csv: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("eurofxref-hist.csv", csv)
    return buffer.getvalue()


def sample_lines() -> list[str]:
    return SAMPLE.read_text().splitlines(keepends=True)


def with_newer_day() -> str:
    """The recording with one more publication on top: 2026-01-19, one euro = 1.2 USD."""
    header, newest, *older = sample_lines()
    columns = header.split(",")
    values = newest.split(",")
    values[0], values[columns.index("USD")] = NEWER.isoformat(), "1.2"
    return "".join([header, ",".join(values), newest, *older])


def without_newest_days() -> str:
    """The recording up to 2025-12-31 only: older than the recording itself."""
    header, *rows = sample_lines()
    return "".join([header, *(row for row in rows if row[:10] <= "2025-12-31")])


class TestEcbRatesFromTheRecordedCsv(ExchangeRatesContract):
    @pytest.fixture
    def rates(self, tmp_path: Path) -> ExchangeRates:
        return EcbRates(tmp_path / "ecb-rates.zip", shipped=SAMPLE)


class TestEcbRatesFromTheRecordedZip(ExchangeRatesContract):
    @pytest.fixture
    def rates(self, tmp_path: Path) -> ExchangeRates:
        shipped = tmp_path / "eurofxref-hist.zip"
        shipped.write_bytes(zipped(SAMPLE.read_text()))
        return EcbRates(tmp_path / "ecb-rates.zip", shipped=shipped)


def test_the_shipped_history_has_recent_rates_and_agrees_with_the_recording(
    tmp_path: Path,
) -> None:
    rates = EcbRates(tmp_path / "ecb-rates.zip")  # the package's own file
    last = rates.last_date
    assert last is not None and last >= dt.date(2026, 10, 30)
    assert rates.rate("USD", "EUR", last) is not None
    recorded = EcbRates(tmp_path / "ecb-rates.zip", shipped=SAMPLE)
    for on in (dt.date(2022, 12, 30), dt.date(2025, 12, 22), dt.date(2025, 12, 27)):
        for pair in (("EUR", "USD"), ("MYR", "EUR"), ("USD", "GBP"), ("HRK", "EUR")):
            assert rates.rate(*pair, on) == recorded.rate(*pair, on)
    assert rates.refreshed_at is None


def test_threads_share_one_load(tmp_path: Path) -> None:
    rates = EcbRates(tmp_path / "ecb-rates.zip", shipped=SAMPLE)
    start = threading.Barrier(8)
    tables: list[object] = []

    def look_up() -> None:
        start.wait()
        tables.append(rates._loaded())

    threads = [threading.Thread(target=look_up) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tables) == 8 and all(table is tables[0] for table in tables)


class Ecb:
    """A loopback HTTP server answering ``answers[path]`` (status, body); ``hold`` delays each
    answer until set."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, bytes]] = {}
        self.hold = threading.Event()
        self.hold.set()
        ecb = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                ecb.hold.wait(10)
                status, body = ecb.answers.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def serve(self, path: str, body: bytes, status: int = 200) -> str:
        self.answers[path] = (status, body)
        return self.url + path


@pytest.fixture
def ecb() -> Iterator[Ecb]:
    server = Ecb()
    thread = threading.Thread(target=server.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.hold.set()
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "data" / "ecb-rates.zip"


def test_a_refresh_keeps_the_download_and_uses_it(ecb: Ecb, cache: Path) -> None:
    rates = EcbRates(cache, shipped=SAMPLE)
    assert rates.rate("EUR", "USD", NEWER) == Rate(Decimal("1.1617"), RECORDED_LAST)
    assert rates.refreshed_at is None

    assert rates.refresh(ecb.serve("/eurofxref-hist.zip", zipped(with_newer_day())), timeout=5)

    assert rates.rate("EUR", "USD", NEWER) == Rate(Decimal("1.2"), NEWER)
    assert rates.last_date == NEWER
    assert zipfile.ZipFile(cache).read("eurofxref-hist.csv").decode() == with_newer_day()
    refreshed = rates.refreshed_at
    assert refreshed is not None and abs(dt.datetime.now(dt.UTC) - refreshed).total_seconds() < 60
    assert [path.name for path in cache.parent.iterdir()] == ["ecb-rates.zip"]  # no temp left


def test_the_next_start_reads_the_newer_of_cache_and_shipped(ecb: Ecb, cache: Path) -> None:
    assert EcbRates(cache, shipped=SAMPLE).refresh(ecb.serve("/new", zipped(with_newer_day())))
    assert EcbRates(cache, shipped=SAMPLE).last_date == NEWER

    cache.write_bytes(zipped(without_newest_days()))  # the package was updated since
    assert EcbRates(cache, shipped=SAMPLE).last_date == RECORDED_LAST


def test_another_process_picks_up_the_download_in_the_background(ecb: Ecb, cache: Path) -> None:
    worker = EcbRates(cache, shipped=SAMPLE, recheck=0)
    assert worker.rate("EUR", "USD", NEWER) == Rate(Decimal("1.1617"), RECORDED_LAST)
    scheduler = EcbRates(cache, shipped=SAMPLE)
    assert scheduler.refresh(ecb.serve("/new", zipped(with_newer_day())))
    deadline = time.monotonic() + 10
    while worker.rate("EUR", "USD", NEWER) != Rate(Decimal("1.2"), NEWER):
        assert time.monotonic() < deadline, "the worker never read the newer file"
        time.sleep(0.01)


def test_an_unreadable_cache_falls_back_to_the_shipped_file(
    cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"PK\x03\x04 cut short")
    rates = EcbRates(cache, shipped=SAMPLE)
    assert rates.last_date == RECORDED_LAST
    assert "ecb-rates.zip unreadable" in caplog.text


BAD_ANSWERS = {
    "a 404": (404, b"<html>not here</html>"),
    "a 500": (500, b"oops"),
    "no zip": (200, b"<html>maintenance</html>"),
    "an empty zip": (200, zipped("")),
    "no ECB columns": (200, zipped("Date,XYZ,\n2026-01-19,1.5,\n")),
    "a broken row": (200, zipped("Date,USD,\n2026-01-19,one,\n")),
    "a broken date": (200, zipped("Date,USD,\n19.01.2026,1.2,\n")),
    "a zero rate": (200, zipped("Date,USD,GBP,\n2026-01-19,1.2,0,\n")),
    "a rate of NaN": (200, zipped("Date,USD,\n2026-01-19,NaN,\n")),
    "older rates": (200, zipped(without_newest_days())),
    "an empty body": (200, b""),
}


@pytest.mark.parametrize("answer", BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
def test_a_bad_answer_keeps_the_rates_in_use(
    ecb: Ecb, cache: Path, answer: tuple[int, bytes], caplog: pytest.LogCaptureFixture
) -> None:
    rates = EcbRates(cache, shipped=SAMPLE)
    status, body = answer
    with caplog.at_level(logging.WARNING):
        assert not rates.refresh(ecb.serve("/eurofxref-hist.zip", body, status), timeout=5)
    assert_unchanged(rates, cache)
    assert_one_warning_line(caplog)


def test_a_server_that_never_answers_times_out(
    cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rates = EcbRates(cache, shipped=SAMPLE)
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/eurofxref-hist.zip"
        started = time.monotonic()
        assert not rates.refresh(url, timeout=0.3)
        assert time.monotonic() - started < 5
    assert_unchanged(rates, cache)
    assert_one_warning_line(caplog)


def test_offline_keeps_the_rates_in_use(cache: Path, caplog: pytest.LogCaptureFixture) -> None:
    rates = EcbRates(cache, shipped=SAMPLE)
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]  # nothing listens there once closed
    assert not rates.refresh(f"http://127.0.0.1:{port}/eurofxref-hist.zip", timeout=5)
    assert_unchanged(rates, cache)
    assert_one_warning_line(caplog)


def test_lookups_go_on_during_a_download(ecb: Ecb, cache: Path) -> None:
    rates = EcbRates(cache, shipped=SAMPLE)
    assert rates.last_date == RECORDED_LAST  # loaded before: the refresh only downloads
    url = ecb.serve("/slow", zipped(with_newer_day()))
    ecb.hold.clear()
    refreshed: list[bool] = []
    download = threading.Thread(target=lambda: refreshed.append(rates.refresh(url, timeout=10)))
    download.start()
    started = time.monotonic()
    assert rates.rate("EUR", "USD", NEWER) == Rate(Decimal("1.1617"), RECORDED_LAST)
    assert time.monotonic() - started < 0.5 and download.is_alive()
    ecb.hold.set()
    download.join(10)
    assert refreshed == [True]
    assert rates.rate("EUR", "USD", NEWER) == Rate(Decimal("1.2"), NEWER)


def assert_unchanged(rates: EcbRates, cache: Path) -> None:
    assert rates.last_date == RECORDED_LAST
    assert rates.rate("EUR", "USD", RECORDED_LAST) == Rate(Decimal("1.1617"), RECORDED_LAST)
    assert not cache.exists() and rates.refreshed_at is None
    assert not cache.parent.exists() or list(cache.parent.iterdir()) == []


def assert_one_warning_line(caplog: pytest.LogCaptureFixture) -> None:
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].exc_info is None and "\n" not in warnings[0].getMessage()
    assert warnings[0].getMessage().startswith("exchange rates not refreshed from http://")
