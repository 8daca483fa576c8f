"""Settings, read once from ``BILLIFY_*`` environment variables and validated."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import list_currencies
from limits import parse_many
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from billify.domain.access import ApiKeys


def describe_invalid(error: ValidationError, prefix: str = "BILLIFY_") -> str:
    """One line per invalid setting, naming its environment variable, in words (pydantic's
    own text carries a documentation URL and the field's Python name)."""
    lines = []
    for problem in error.errors(include_url=False):
        name = "".join(str(part) for part in problem["loc"][:1]).upper()
        message = str(problem["msg"]).removeprefix("Value error, ")
        lines.append(f"  {prefix}{name}: {message}" if name else f"  {message}")
    return "\n".join(lines)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BILLIFY_", frozen=True)

    data_dir: Path = Path("./var")
    timezone: str = "UTC"
    mail_from: str = "Billify <billify@localhost>"
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_tls: Literal["none", "starttls", "ssl"] = "none"
    smtp_timeout: float = Field(default=30.0, gt=0)
    # An invoice whose total is read with less confidence than this is marked needs_review.
    review_threshold: float = Field(default=0.5, ge=0, le=1)
    # Likewise for its vendor (seller name).
    vendor_review_threshold: float = Field(default=0.35, ge=0, le=1)
    # Queue: a message leased and not finished within this many seconds is delivered again.
    # Workers extend their lease every third of it while they work, so it can be short.
    visibility_timeout: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    retry_backoff: float = Field(default=5.0, ge=0)
    retry_backoff_max: float = Field(default=600.0, ge=0)
    # Seconds a client has to send a whole request body (10 MB at ~170 kB/s by default).
    body_timeout: float = Field(default=60.0, gt=0)
    # Seconds a request waits for a database locked by another process before answering 503.
    db_busy_timeout: float = Field(default=15.0, gt=0)
    # How much lower the extraction workers' CPU priority is than the API's (0..19).
    worker_nice: int = Field(default=10, ge=0, le=19)
    # Worker processes of `billify serve`; unset: one per core.
    workers: int | None = Field(default=None, ge=0, le=64)
    # OCR threads per worker process; unset: the engine's default (2). `serve` sets it to
    # share the cores among its workers rather than oversubscribe them.
    ocr_threads: int | None = Field(default=None, ge=1, le=64)
    poll_interval: float = Field(default=0.5, gt=0)
    # Double opt-in: hold notices to an address until it confirms by a link sent to it.
    confirm_recipients: bool = False
    # Where users reach this server (links in emails).
    public_url: str = "http://127.0.0.1:8000"
    # Sign-in: "on" (default) lets each person see only their own invoices, after signing in
    # by an emailed link; "off" is the open single-user mode of a laptop: anyone who reaches
    # the server sees and changes every invoice.
    auth: Literal["on", "off"] = "on"
    # Signs the links in notices and reports (at least 32 characters). Unset locally: a
    # random key is made once and kept in the data folder (secret.key).
    secret_key: SecretStr | None = Field(default=None, min_length=32)
    # API keys as comma-separated ``label:sha256hex`` entries; unset means an open API.
    api_keys: str | None = None
    # Requests allowed per API key (``limits`` notation, e.g. ``120/minute``).
    rate_limit: str = "120/minute"
    # Seconds a report run's claim on one user's report lasts: longer than sending one email
    # takes; after it, a run that died mid-send is taken over by the next.
    report_claim_lease: float = Field(default=120.0, gt=0)
    # Invoices by email: each user's forwarding address is ``<token>@<inbound_domain>``
    # (unset: no addresses, and mail is taken only from the IMAP mailbox, if any).
    inbound_domain: str | None = Field(default=None, pattern=r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
    # `serve` receives that mail by SMTP on this port when set (an MTA or forwarding rule
    # delivers to it); STARTTLS is offered when a certificate and its key are given.
    inbound_smtp_port: int | None = Field(default=None, ge=1, le=65535)
    inbound_smtp_host: str = "127.0.0.1"
    inbound_tls_cert: Path | None = None
    inbound_tls_key: Path | None = None
    # Optional IMAP polling of a shared mailbox (mail from known users' addresses only). The
    # port defaults by ``imap_tls``: 993 for ssl, 143 otherwise. Processed messages get the
    # ``$Billify`` keyword and \Seen, or are moved to ``imap_done_folder`` when it is set.
    imap_host: str | None = None
    imap_port: int | None = Field(default=None, ge=1, le=65535)
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    imap_folder: str = Field(default="INBOX", min_length=1)
    imap_tls: Literal["ssl", "starttls", "none"] = "ssl"
    imap_done_folder: str | None = Field(default=None, min_length=1)
    # Seconds between two looks at the mailbox.
    imap_interval: float = Field(default=60.0, gt=0)
    # Monthly report: minute and hour on the 1st, in ``timezone``.
    report_hour: int = Field(default=0, ge=0, le=23)
    report_minute: int = Field(default=5, ge=0, le=59)
    # Reports are in each user's home currency: this one until they choose their own.
    home_currency: str = "EUR"
    # The ECB's reference rates ship with the package; when online they are fetched anew
    # from here once a day (empty: never, the shipped history only).
    rates_url: str = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @field_validator("home_currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        code = value.strip().upper()
        if code not in list_currencies():
            raise ValueError(f"unknown currency {value!r}: use an ISO 4217 code such as EUR")
        return code

    @field_validator("api_keys")
    @classmethod
    def _valid_keys(cls, value: str | None) -> str | None:
        ApiKeys.parse(value)
        return value

    @field_validator("rate_limit")
    @classmethod
    def _valid_rate(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError as error:
            raise ValueError(f"rate limit must look like 120/minute, got {value!r}") from error
        return value

    @model_validator(mode="after")
    def _tls_pair(self) -> Settings:
        if (self.inbound_tls_cert is None) != (self.inbound_tls_key is None):
            raise ValueError(
                "BILLIFY_INBOUND_TLS_CERT and BILLIFY_INBOUND_TLS_KEY go together: set both or"
                " neither"
            )
        return self

    @model_validator(mode="after")
    def _imap_complete(self) -> Settings:
        if not self.imap_host:
            return self
        password = self.imap_password.get_secret_value() if self.imap_password else ""
        given = {"BILLIFY_IMAP_USER": self.imap_user, "BILLIFY_IMAP_PASSWORD": password}
        missing = [name for name, value in given.items() if not value]
        if missing:
            raise ValueError(
                f"BILLIFY_IMAP_HOST is set, so {' and '.join(missing)} must be set too (the"
                " mailbox's login)"
            )
        if self.imap_tls == "starttls" and self.imap_port == 993:
            raise ValueError(
                "BILLIFY_IMAP_TLS=starttls does not work on port 993, which speaks TLS from the"
                " start: set BILLIFY_IMAP_TLS=ssl"
            )
        if self.imap_done_folder is not None and self.imap_done_folder == self.imap_folder:
            raise ValueError(
                "BILLIFY_IMAP_DONE_FOLDER must be another folder than BILLIFY_IMAP_FOLDER"
            )
        return self

    @property
    def keys(self) -> ApiKeys:
        return ApiKeys.parse(self.api_keys)

    @property
    def worker_count(self) -> int:
        return (os.cpu_count() or 1) if self.workers is None else self.workers

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def database_path(self) -> Path:
        return self.data_dir / "billify.sqlite3"

    @property
    def queue_path(self) -> Path:
        # The invoices' file: an upload records its invoice and queues it in one commit.
        return self.database_path

    @property
    def report_queue_path(self) -> Path:
        return self.data_dir / "report-queue.sqlite3"

    @property
    def secret_key_path(self) -> Path:
        return self.data_dir / "secret.key"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"


class AwsSettings(Settings):
    """Settings of the AWS deployment (Lambda), read once per cold start from ``BILLIFY_*``.

    Inherits the shared ones (``BILLIFY_TIMEZONE``, ``BILLIFY_REVIEW_THRESHOLD``...); the sender
    has no default here: it must be an address or domain verified in SES.
    """

    bucket: str = Field(min_length=3)
    queue_url: str = Field(pattern=r"^https?://")
    # The monthly run queues one job per user here; SendMonthlyReportFunction consumes it.
    report_queue_url: str = Field(pattern=r"^https?://")
    table: str = Field(min_length=3)
    mail_from: str = Field(min_length=3)
    # Required here: every function instance must sign and check links with the same key.
    secret_key: SecretStr = Field(min_length=32)
    extractor: Literal["textract", "bundled"] = "textract"
    # Month index partitions per UTC month; only ever raise it (reads cover shards 0..n-1).
    month_shards: int = Field(default=1, ge=1, le=64)
    # The queue's maxReceiveCount: on the last delivery a failing invoice is marked failed.
    max_receive_count: int = Field(default=5, ge=1, le=1000)
    ses_configuration_set: str | None = None
    # Emails per second one function instance sends at most (unset: as fast as SES answers).
    # The account's SES maximum send rate is shared: keep this times the report function's
    # maximum concurrency below it. Throttled sends are retried either way.
    ses_max_send_rate: float | None = Field(default=None, gt=0)
    # How long a finished message's result is remembered against redelivery.
    idempotency_ttl_seconds: int = Field(default=3600, ge=60)
