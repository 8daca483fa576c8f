"""Invoices by email from a shared mailbox: `serve` polls an IMAP folder (``BILLIFY_IMAP_*``)
and hands each new message to ``inbox.receive_from_sender``, so a known user's mail is read
the same way as mail to their forwarding address.

Each message is processed once, even across restarts: its key (server, user, folder,
UIDVALIDITY and UID) is kept in the inbox store, and the inbox itself recognises the same
Message-ID delivered again (a copy under a new UID). Only once a message's invoices are
durably queued and its key recorded is it marked done on the server (the ``$Billify`` keyword
and ``\\Seen``, or moved to ``BILLIFY_IMAP_DONE_FOLDER``); a crash in between marks it on the
next poll without fetching it again. A message refused for now (the sender's hourly limit,
a store or mail outage) is left as it is for the next poll.

Messages are read as the server holds them (``BODY.PEEK[]``: byte for byte, not marked seen
by the fetch), one at a time, their sizes asked for first in small batches, so a large
mailbox or a huge message costs bounded memory. imaplib's connection is driven through
imap-tools; flags are stored without imap-tools' ``flag`` (which expunges the whole folder).
"""

from __future__ import annotations

import imaplib
import logging
import re
import socket
import ssl
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import MailboxFolderSelectError, MailboxLoginError
from imap_tools.errors import UnexpectedCommandStatusError as ImapCommandError
from imap_tools.utils import encode_folder

from billify.config import Settings
from billify.domain.inbound import MAIL_MEMORY, MAX_MESSAGE_BYTES
from billify.inbox import Inbox, MailRefused, receive_from_sender

if TYPE_CHECKING:
    from billify.bootstrap import Billify

log = logging.getLogger(__name__)

KEYWORD = "$Billify"  # marks a processed message on the server
BATCH = 20  # messages whose sizes are asked for in one command
MAX_PER_POLL = 200  # message bodies fetched in one poll; the rest wait for the next
TIMEOUT_SECONDS = 60.0  # connecting, and each answer of the server
BACKOFF_MAX_SECONDS = 900.0  # the longest wait after repeated failures (unless the interval)

_UID = re.compile(rb"UID (\d+)", re.IGNORECASE)
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)", re.IGNORECASE)


class ImapError(Exception):
    """The mailbox could not be polled (unreachable, login refused, folder missing, connection
    dropped); the message says which and what to check. The next poll tries again."""


@dataclass(frozen=True)
class ImapConfig:
    """Where the mailbox is and how to log in (from ``BILLIFY_IMAP_*``)."""

    host: str
    user: str
    password: str = field(repr=False)
    port: int | None = None  # None: 993 for ssl, 143 otherwise
    folder: str = "INBOX"
    tls: Literal["ssl", "starttls", "none"] = "ssl"
    done_folder: str | None = None  # move processed mail there; None: flag it
    interval: float = 60.0
    timeout: float = TIMEOUT_SECONDS
    batch: int = BATCH
    max_per_poll: int = MAX_PER_POLL
    keyword: str = KEYWORD
    # None: the system's certificate authorities, host name checked.
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return 993 if self.tls == "ssl" else 143

    @property
    def where(self) -> str:
        return f"{self.host}:{self.effective_port}"

    @classmethod
    def from_settings(cls, settings: Settings) -> ImapConfig | None:
        """The settings' mailbox, or None when ``BILLIFY_IMAP_HOST`` is unset."""
        if not settings.imap_host:
            return None
        if not settings.imap_user or settings.imap_password is None:  # Settings checks this
            raise ValueError("BILLIFY_IMAP_USER and BILLIFY_IMAP_PASSWORD must be set")
        return cls(
            host=settings.imap_host,
            user=settings.imap_user,
            password=settings.imap_password.get_secret_value(),
            port=settings.imap_port,
            folder=settings.imap_folder,
            tls=settings.imap_tls,
            done_folder=settings.imap_done_folder,
            interval=settings.imap_interval,
        )


@dataclass(frozen=True)
class PollResult:
    """What one poll did with the messages it looked at."""

    taken: int = 0  # a known user's message, read (its invoices queued, or answered)
    again: int = 0  # processed before (its UID or its Message-ID): only marked done
    ignored: int = 0  # not a known user's, refused for good, or too large: marked done
    deferred: int = 0  # refused for now or failed: left unmarked for the next poll
    remaining: int = 0  # not looked at in this poll (over ``max_per_poll``)


@dataclass
class _Tally:
    taken: int = 0
    again: int = 0
    ignored: int = 0
    deferred: int = 0
    remaining: int = 0
    fetched: int = 0

    def result(self) -> PollResult:
        return PollResult(self.taken, self.again, self.ignored, self.deferred, self.remaining)


class ImapPoller:
    """Polls one IMAP folder for invoices: ``poll_once`` looks once, ``run`` until stopped."""

    def __init__(self, config: ImapConfig, inbox: Inbox) -> None:
        self.config = config
        self.inbox = inbox
        self._put_off: set[str] = set()  # keys of messages deferred: looked at last
        self._warned_keywords = False
        self._connected = False  # in this poll, the server answered (so a failure is a drop)

    # -- one poll ------------------------------------------------------------------------------

    def poll_once(self) -> PollResult:
        """Connect, look at the folder's messages not yet marked done, log out. Raises
        ``ImapError`` (with what to check) when the mailbox cannot be polled."""
        tally = _Tally()
        self._connected = False
        with self._errors(), self._session() as mailbox:
            uidvalidity = self._select(mailbox)
            uids = mailbox.uids(f"UNKEYWORD {self.config.keyword} UNDELETED", charset=None)
            keys = {uid: self._key(uidvalidity, uid) for uid in uids}
            ordered = sorted(uids, key=lambda uid: (keys[uid] in self._put_off, int(uid)))
            for start in range(0, len(ordered), self.config.batch):
                self._poll_batch(mailbox, ordered[start : start + self.config.batch], keys, tally)
        result = tally.result()
        if any((result.taken, result.ignored, result.deferred, result.remaining)):
            log.info(
                "IMAP %s/%s: %d taken, %d again, %d ignored, %d put off, %d left for later",
                self.config.where,
                self.config.folder,
                result.taken,
                result.again,
                result.ignored,
                result.deferred,
                result.remaining,
            )
        return result

    def _poll_batch(
        self, mailbox: BaseMailBox, uids: Sequence[str], keys: dict[str, str], tally: _Tally
    ) -> None:
        now = self.inbox.clock.now()
        fresh = []
        for uid in uids:
            if self.inbox.store.mail_received(keys[uid], now):  # marking it failed last time
                self._mark_done(mailbox, uid)
                self._put_off.discard(keys[uid])
                tally.again += 1
            elif tally.fetched >= self.config.max_per_poll:
                tally.remaining += 1
            else:
                fresh.append(uid)
        if not fresh:
            return
        sizes = self._sizes(mailbox, fresh)
        for uid in fresh:
            size = sizes.get(uid)
            if size is None:  # expunged meanwhile
                continue
            if tally.fetched >= self.config.max_per_poll:
                tally.remaining += 1
                continue
            if size > MAX_MESSAGE_BYTES:
                log.warning(
                    "IMAP message %s in %s is %d bytes, more than %d: not read, marked done",
                    uid,
                    self.config.folder,
                    size,
                    MAX_MESSAGE_BYTES,
                )
                self._done(mailbox, uid, keys[uid])
                tally.ignored += 1
                continue
            tally.fetched += 1
            raw = self._body(mailbox, uid)
            if raw is None:
                continue
            self._take(mailbox, uid, keys[uid], raw, tally)

    def _take(self, mailbox: BaseMailBox, uid: str, key: str, raw: bytes, tally: _Tally) -> None:
        try:
            received = receive_from_sender(raw, self.inbox)  # None: not a known user's
        except MailRefused as refused:
            if not refused.permanent:
                log.info("IMAP message %s put off for the next poll: %s", uid, refused.message)
                self._put_off.add(key)
                tally.deferred += 1
                return
            log.info("IMAP message %s refused: %s", uid, refused.message)
            received = None
        except Exception:  # a store or mail outage: nothing is marked, the next poll retries
            log.exception("IMAP message %s could not be taken; trying again next poll", uid)
            self._put_off.add(key)
            tally.deferred += 1
            return
        try:
            self.inbox.store.record_mail(key, self.inbox.clock.now(), MAIL_MEMORY)
        except Exception:  # its Message-ID is recorded: the next poll finds it "again"
            log.exception("IMAP message %s taken but not recorded; marking it next poll", uid)
            self._put_off.add(key)
            tally.deferred += 1
            return
        self._put_off.discard(key)
        if received is None:
            tally.ignored += 1
        elif received.again:
            tally.again += 1
        else:
            tally.taken += 1
        self._mark_done(mailbox, uid)

    def _done(self, mailbox: BaseMailBox, uid: str, key: str) -> None:
        self.inbox.store.record_mail(key, self.inbox.clock.now(), MAIL_MEMORY)
        self._put_off.discard(key)
        self._mark_done(mailbox, uid)

    def _key(self, uidvalidity: str, uid: str) -> str:
        config = self.config
        return f"imap:{config.host.lower()}:{config.user}:{config.folder}:{uidvalidity}:{uid}"

    # -- the IMAP conversation -----------------------------------------------------------------

    @contextmanager
    def _session(self) -> Iterator[BaseMailBox]:
        mailbox = self._connect()
        self._connected = True
        try:
            self._login(mailbox)
            yield mailbox
        finally:
            with suppress(Exception):  # the connection may be gone already
                mailbox.logout()

    def _connect(self) -> BaseMailBox:
        config = self.config
        port, timeout = config.effective_port, config.timeout
        if config.tls == "none":
            return MailBoxUnencrypted(config.host, port, timeout=timeout)
        context = config.ssl_context or ssl.create_default_context()
        if config.tls == "starttls":
            return MailBoxStartTls(config.host, port, timeout=timeout, ssl_context=context)
        return MailBox(config.host, port, timeout=timeout, ssl_context=context)

    def _login(self, mailbox: BaseMailBox) -> None:
        config = self.config
        plain_ok = config.user.isascii() and config.password.isascii()
        try:
            if plain_ok and "LOGINDISABLED" not in mailbox.client.capabilities:
                mailbox.login(config.user, config.password, initial_folder=None)
            else:  # LOGIN carries ASCII only: AUTHENTICATE PLAIN sends UTF-8
                mailbox.login_utf8(config.user, config.password, initial_folder=None)
        except imaplib.IMAP4.abort:
            raise
        except (MailboxLoginError, imaplib.IMAP4.error) as error:
            raise ImapError(
                f"the IMAP server {config.where} refused the login of {config.user!r}:"
                f" {_server_text(error)} (check BILLIFY_IMAP_USER and BILLIFY_IMAP_PASSWORD)"
            ) from error
        # The capabilities before login are often fewer (MOVE, UIDPLUS come after).
        typ, data = mailbox.client.capability()
        if typ == "OK" and data and isinstance(data[0], bytes):
            mailbox.client.capabilities = tuple(data[0].decode(errors="replace").upper().split())

    def _select(self, mailbox: BaseMailBox) -> str:
        """Select the folder (and create the done folder if missing); its UIDVALIDITY."""
        config = self.config
        client = mailbox.client
        try:
            mailbox.folder.set(config.folder)
        except imaplib.IMAP4.readonly as error:
            raise ImapError(
                f"the IMAP folder {config.folder!r} on {config.where} is read-only for"
                f" {config.user!r}: Billify must mark the messages it has processed"
            ) from error
        except MailboxFolderSelectError as error:
            raise ImapError(
                f"the IMAP folder {config.folder!r} on {config.where} cannot be opened:"
                f" {_server_text(error)} (check BILLIFY_IMAP_FOLDER)"
            ) from error
        _, flags = client.response("PERMANENTFLAGS")
        permanent = b" ".join(f for f in flags if isinstance(f, bytes))
        if (
            config.done_folder is None
            and b"\\*" not in permanent
            and config.keyword.encode() not in permanent
            and not self._warned_keywords
        ):
            self._warned_keywords = True
            log.warning(
                "the IMAP folder %r on %s does not keep the %s keyword: processed messages are"
                " recognised from Billify's records only, and looked at again on each poll (set"
                " BILLIFY_IMAP_DONE_FOLDER to move them out instead)",
                config.folder,
                config.where,
                config.keyword,
            )
        _, found = client.response("UIDVALIDITY")
        if found and isinstance(found[0], bytes) and found[0].strip().isdigit():
            uidvalidity = found[0].strip().decode()
        else:
            uidvalidity = str(mailbox.folder.status(config.folder, ["UIDVALIDITY"])["UIDVALIDITY"])
        if config.done_folder is not None and not mailbox.folder.exists(config.done_folder):
            mailbox.folder.create(config.done_folder)
            log.info("created the IMAP folder %r for processed mail", config.done_folder)
        return uidvalidity

    def _sizes(self, mailbox: BaseMailBox, uids: Sequence[str]) -> dict[str, int]:
        typ, data = mailbox.client.uid("FETCH", ",".join(uids), "(UID RFC822.SIZE)")
        _check(typ, data, "FETCH (RFC822.SIZE)")
        sizes = {}
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            if not isinstance(line, bytes):
                continue
            uid, size = _UID.search(line), _SIZE.search(line)
            if uid and size:
                sizes[uid.group(1).decode()] = int(size.group(1))
        return sizes

    def _body(self, mailbox: BaseMailBox, uid: str) -> bytes | None:
        """The message's bytes exactly as the server keeps them (PEEK: \\Seen is not set)."""
        typ, data = mailbox.client.uid("FETCH", uid, "(UID BODY.PEEK[])")
        _check(typ, data, "FETCH (BODY[])")
        for index, item in enumerate(data):
            if not (isinstance(item, tuple) and b"BODY[]" in item[0].upper()):
                continue
            after = data[index + 1] if index + 1 < len(data) else b""
            found = _UID.search(item[0] + b" " + (after if isinstance(after, bytes) else b""))
            if found is None or found.group(1).decode() == uid:  # not another's update
                return bytes(item[1])
        return None

    def _mark_done(self, mailbox: BaseMailBox, uid: str) -> None:
        config, client = self.config, mailbox.client
        if config.done_folder is None:
            self._store(mailbox, uid, f"({config.keyword} \\Seen)")
            return
        self._store(mailbox, uid, "(\\Seen)")
        folder = encode_folder(config.done_folder).decode("ascii")  # modified UTF-7, quoted
        if "MOVE" in client.capabilities:
            typ, data = client.uid("MOVE", uid, folder)
            _check(typ, data, "MOVE")
            return
        typ, data = client.uid("COPY", uid, folder)
        _check(typ, data, "COPY")
        # Marked done too, so that if it cannot be expunged it is still not taken again.
        self._store(mailbox, uid, f"({config.keyword} \\Seen \\Deleted)")
        if "UIDPLUS" in client.capabilities:  # expunge this one only, not others' deletions
            typ, data = client.uid("EXPUNGE", uid)
            _check(typ, data, "UID EXPUNGE")

    def _store(self, mailbox: BaseMailBox, uid: str, flags: str) -> None:
        typ, data = mailbox.client.uid("STORE", uid, "+FLAGS.SILENT", flags)
        _check(typ, data, "STORE")

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Any failure of the conversation as an ``ImapError`` saying what went wrong."""
        config = self.config
        try:
            yield
        except ImapError:
            raise
        except ssl.SSLCertVerificationError as error:
            raise ImapError(
                f"the certificate of the IMAP server {config.where} is not trusted:"
                f" {error.verify_message} (BILLIFY_IMAP_TLS={config.tls})"
            ) from error
        except ssl.SSLError as error:
            raise ImapError(
                f"TLS with the IMAP server {config.where} failed: {error.reason or error}"
                f" (is BILLIFY_IMAP_TLS={config.tls} right for port {config.effective_port}?)"
            ) from error
        except socket.gaierror as error:
            raise ImapError(f"the IMAP host {config.host!r} is not known: {error}") from error
        except TimeoutError as error:
            raise ImapError(
                f"the IMAP server {config.where} did not answer within {config.timeout:g} s"
                f" (is BILLIFY_IMAP_TLS={config.tls} right for port {config.effective_port}?)"
            ) from error
        except OSError as error:
            if self._connected:
                raise ImapError(
                    f"the connection to the IMAP server {config.where} broke: {error}"
                ) from error
            raise ImapError(f"cannot reach the IMAP server {config.where}: {error}") from error
        except imaplib.IMAP4.abort as error:
            raise ImapError(
                f"the connection to the IMAP server {config.where} broke: {error}"
            ) from error
        except (imaplib.IMAP4.error, ImapCommandError) as error:
            raise ImapError(f"the IMAP server {config.where} refused a command: {error}") from error

    # -- polling until stopped -----------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Poll every ``interval`` seconds until ``stop`` is set. Never raises: a failure is
        logged with what to check and retried, waiting longer after each one in a row."""
        config = self.config
        log.info(
            "polling the IMAP folder %r on %s as %r every %g s",
            config.folder,
            config.where,
            config.user,
            config.interval,
        )
        failures = 0
        while not stop.is_set():
            wait = config.interval
            try:
                result = self.poll_once()
            except ImapError as error:
                failures += 1
                wait = self.backoff(failures)
                log.error("IMAP polling failed: %s; trying again in %g s", error, wait)
            except Exception:
                failures += 1
                wait = self.backoff(failures)
                log.exception("IMAP polling failed; trying again in %g s", wait)
            else:
                if failures:
                    log.info("IMAP polling of %s works again", config.where)
                failures = 0
                if result.remaining and (result.taken or result.again or result.ignored):
                    wait = 0  # more waiting and the last round got on: go on at once
            stop.wait(wait)

    def backoff(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failed polls in a row: the interval, doubled
        after each further one, up to ``BACKOFF_MAX_SECONDS`` (or the interval if longer)."""
        interval = self.config.interval
        return min(interval * 2.0 ** min(failures - 1, 16), max(interval, BACKOFF_MAX_SECONDS))


def _check(typ: str, data: list[object], command: str) -> None:
    if typ != "OK":
        raise ImapCommandError(command_result=(typ, data), expected="OK")


def _server_text(error: Exception) -> str:
    """What the server said, for a person: the text of a NO answer."""
    result = getattr(error, "command_result", None)
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], list):
        parts = [p.decode(errors="replace") if isinstance(p, bytes) else str(p) for p in result[1]]
        return " ".join(parts).strip() or str(result[0])
    return str(error)


def start_imap_poller(app: Billify, stop: threading.Event) -> threading.Thread | None:
    """Poll the settings' mailbox in a daemon thread until ``stop`` is set; None when
    ``BILLIFY_IMAP_HOST`` is unset."""
    config = ImapConfig.from_settings(app.settings)
    if config is None:
        return None
    poller = ImapPoller(config, app.inbox)
    thread = threading.Thread(target=poller.run, args=(stop,), name="imap-poller", daemon=True)
    thread.start()
    return thread
