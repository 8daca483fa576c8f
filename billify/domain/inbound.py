"""Mail sent to Billify: which files a message carries, the text of its body, and the thread a
reply belongs in. Read within limits, so a mail bomb costs a bounded amount of work.

Parsing is the stdlib's ``email`` package (policy ``default``); nothing here touches a network
or a store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses
from html.parser import HTMLParser

from PIL import Image, UnidentifiedImageError

# A message larger than this is refused whole (SMTP answers 552 before reading it all).
MAX_MESSAGE_BYTES = 25 * 1024 * 1024
# Files taken from one message; the rest are listed in the reply as skipped.
MAX_FILES = 20
# MIME parts looked at in one message (a bomb of thousands of parts stops here).
MAX_PARTS = 500
# Forwarded messages inside forwarded messages: deeper ones are not opened.
MAX_DEPTH = 3
# An inline picture this small on its shorter side is a logo, a signature or a tracking pixel.
MIN_PICTURE_SIDE = 300
# How long a message's Message-ID is remembered, so the same message delivered again (a retry,
# an IMAP re-poll) gives no second invoice.
MAIL_MEMORY = dt.timedelta(days=90)
# The body's text is read as a receipt only when it holds an amount.
_AMOUNT = re.compile(r"\d[.,]\d\d(?!\d)")
_FILE_TYPES = ("application/pdf", "image/")
_ARCHIVES = ("application/zip", "application/x-zip", "application/gzip", "application/x-rar")
_FILE_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff")
MAX_SUBJECT = 200


@dataclass(frozen=True)
class MailThread:
    """Where a reply belongs: the received message's Message-ID, the References a reply
    carries on, and the subject it answers."""

    message_id: str
    references: tuple[str, ...] = ()
    subject: str = ""

    @property
    def reply_references(self) -> tuple[str, ...]:
        return (*self.references, self.message_id)[-10:]  # bounded, newest kept

    def reply_subject(self, fallback: str) -> str:
        subject = self.subject or fallback
        return subject if subject.lower().startswith("re:") else f"Re: {subject}"

    def to_json(self) -> dict[str, object]:
        return {
            "message_id": self.message_id,
            "references": list(self.references),
            "subject": self.subject,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> MailThread:
        references = data.get("references") or []
        assert isinstance(references, list)
        return cls(
            message_id=str(data["message_id"]),
            references=tuple(map(str, references)),
            subject=str(data.get("subject") or ""),
        )


@dataclass(frozen=True)
class MailFile:
    """A PDF or a picture the message carries (attached, inline, or in a forwarded message)."""

    filename: str | None
    content: bytes


@dataclass(frozen=True)
class Skipped:
    """A part of the message that is not read, and why, in a person's words."""

    what: str
    reason: str


@dataclass(frozen=True)
class InboundMail:
    thread: MailThread
    sender_name: str
    sender_email: str | None
    files: tuple[MailFile, ...]
    skipped: tuple[Skipped, ...]
    # The body as rows of cells (an HTML table's row is one row), for a receipt in the text.
    body_rows: tuple[tuple[str, ...], ...] = field(default=())
    raw_hash: str = ""
    # The receiving server's verdicts on the sender (Authentication-Results, topmost).
    authentication: dict[str, str] = field(default_factory=dict)

    @property
    def sender_forged(self) -> bool:
        """The receiving server found the From not the sender's: DMARC failed, or SPF failed
        with no DKIM signature passing. No verdicts at all: not forged, as far as we know."""
        verdicts = self.authentication
        if verdicts.get("dmarc") == "fail":
            return True
        return verdicts.get("spf") in ("fail", "softfail") and verdicts.get("dkim") != "pass"

    @property
    def body_has_amount(self) -> bool:
        return any(_AMOUNT.search(cell) for row in self.body_rows for cell in row)

    def key(self, owner: str) -> str:
        """Names this message for this owner in the log of mail received (the Message-ID,
        else the bytes' hash): the same message delivered twice is recognised."""
        identity = self.thread.message_id or self.raw_hash
        return "mail:" + hashlib.sha256(f"{owner}\n{identity}".encode()).hexdigest()[:32]


def read_mail(raw: bytes) -> InboundMail:
    """The files and body text of a raw RFC 5322 message, within the limits above."""
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    walk = _Walk()
    walk.visit(message, depth=0)
    name, address = _sender(message)
    raw_hash = hashlib.sha256(raw).hexdigest()
    return InboundMail(
        thread=MailThread(
            message_id=_message_id(message.get("Message-ID")),
            references=_references(message),
            subject=clean_header_text(str(message.get("Subject") or ""))[:MAX_SUBJECT],
        ),
        sender_name=name,
        sender_email=address,
        files=tuple(walk.files),
        skipped=tuple(walk.skipped),
        body_rows=tuple(walk.body_rows),
        raw_hash=raw_hash,
        authentication=_authentication(message),
    )


_VERDICT = re.compile(r"\b(spf|dkim|dmarc)=([a-z]+)", re.IGNORECASE)


def _authentication(message: Message) -> dict[str, str]:
    """The verdicts of the topmost Authentication-Results header (RFC 8601): the one added by
    the server that received the message for this mailbox. A passing DKIM signature anywhere
    in it counts (a message may carry several)."""
    headers = message.get_all("Authentication-Results") or []
    verdicts: dict[str, str] = {}
    for method, result in _VERDICT.findall(str(headers[0])) if headers else ():
        method, result = method.lower(), result.lower()
        if verdicts.get(method) != "pass":
            verdicts[method] = result
    return verdicts


class _Walk:
    """One pass over the MIME tree, counting parts and depth."""

    def __init__(self) -> None:
        self.files: list[MailFile] = []
        self.skipped: list[Skipped] = []
        self.body_rows: list[tuple[str, ...]] = []
        self.parts = 0
        self._body_kind = ""  # "html" once an HTML body is read, "text" for plain text

    def visit(self, part: Message, depth: int) -> None:
        self.parts += 1
        if self.parts == MAX_PARTS + 1:
            self.skipped.append(Skipped("the rest of the message", f"more than {MAX_PARTS} parts"))
        if self.parts > MAX_PARTS:
            return
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            self._forwarded(part, depth)
        elif part.is_multipart():
            for child in part.iter_parts() if isinstance(part, EmailMessage) else ():
                self.visit(child, depth)
        elif _is_file(part):
            self._file(part)
        elif content_type in ("text/html", "text/plain") and not _is_attachment(part):
            self._body(part, content_type)
        elif _is_attachment(part):
            self._other_attachment(part)

    def _forwarded(self, part: Message, depth: int) -> None:
        if depth + 1 > MAX_DEPTH:
            self.skipped.append(
                Skipped("a forwarded message", f"forwarded more than {MAX_DEPTH} levels deep")
            )
            return
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, Message):
            self.visit(inner, depth + 1)

    def _file(self, part: Message) -> None:
        name = _filename(part)
        content = part.get_payload(decode=True)
        if not isinstance(content, bytes) or not content:
            self.skipped.append(Skipped(name or "an attachment", "it is empty"))
            return
        if part.get_content_type().startswith("image/") and _decoration(content, part):
            return  # a logo or a tracking pixel: not an expense, not worth a word
        if len(self.files) >= MAX_FILES:
            self.skipped.append(
                Skipped(name or "an attachment", f"only {MAX_FILES} files are read per email")
            )
            return
        self.files.append(MailFile(name, content))

    def _body(self, part: Message, content_type: str) -> None:
        kind = "html" if content_type == "text/html" else "text"
        if self._body_kind == "html" or (self._body_kind == "text" and kind == "text"):
            return  # the first HTML body wins over any plain one; one body in all
        try:
            text = part.get_content() if isinstance(part, EmailMessage) else ""
        except (LookupError, ValueError):  # an unknown charset
            payload = part.get_payload(decode=True)
            text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
        rows = html_rows(text) if kind == "html" else text_rows(text)
        self.body_rows = rows
        self._body_kind = kind

    def _other_attachment(self, part: Message) -> None:
        name = _filename(part) or "an attachment"
        if part.get_content_type() in _ARCHIVES or name.lower().endswith((".zip", ".rar", ".gz")):
            reason = "archives are not opened: attach the PDF or picture itself"
        else:
            reason = "it is not a PDF or a picture"
        self.skipped.append(Skipped(name, reason))


def _is_attachment(part: Message) -> bool:
    return part.get_content_disposition() == "attachment"


def _is_file(part: Message) -> bool:
    content_type = part.get_content_type()
    if content_type.startswith(_FILE_TYPES):
        return True
    name = (_filename(part) or "").lower()
    return content_type == "application/octet-stream" and name.endswith(_FILE_SUFFIXES)


def _decoration(content: bytes, part: Message) -> bool:
    """An inline picture too small to be a receipt (a logo, a signature, a tracking pixel).
    An attached one is always read: the person chose to send it."""
    if _is_attachment(part):
        return False
    try:
        with Image.open(io.BytesIO(content)) as image:
            return min(image.size) < MIN_PICTURE_SIDE
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return False  # let the upload's checks say what is wrong with it


def _filename(part: Message) -> str | None:
    name = part.get_filename()
    return clean_header_text(name)[:255] or None if name else None


def clean_header_text(text: str) -> str:
    """A header's decoded text safe to show and to put in another header: control characters
    (CR and LF among them) become spaces, runs of space one."""
    printable = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in str(text))
    return " ".join(printable.split())


def _sender(message: Message) -> tuple[str, str | None]:
    pairs = getaddresses([str(message.get("From") or "")])
    if not pairs or "@" not in pairs[0][1]:
        return "", None
    name, address = pairs[0]
    return clean_header_text(name)[:200], address.strip().lower()


_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")


def _message_id(value: object) -> str:
    found = _MESSAGE_ID.search(str(value or ""))
    return found.group(0) if found else ""


def _references(message: Message) -> tuple[str, ...]:
    found = _MESSAGE_ID.findall(str(message.get("References") or ""))
    if not found:
        found = _MESSAGE_ID.findall(str(message.get("In-Reply-To") or ""))
    return tuple(found[-9:])


def text_rows(text: str) -> list[tuple[str, ...]]:
    """Plain text as rows: one per line, cells split where two or more spaces or a tab part
    them (the columns of a text receipt)."""
    rows = []
    for line in text.splitlines()[:2000]:
        cells = tuple(c.strip() for c in re.split(r"\t|\s{2,}", line) if c.strip())
        if cells:
            rows.append(cells)
    return rows


def html_rows(html: str) -> list[tuple[str, ...]]:
    """An HTML body as rows of cells, the way it reads on screen: a table row is one row with
    its cells, a paragraph or a line break ends a row; scripts, styles and the head are not
    text."""
    parser = _RowParser()
    parser.feed(html[:2_000_000])
    parser.close()
    return parser.rows[:2000]


_BLOCKS = frozenset(
    {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead"}
    | {"tbody", "tfoot", "ul", "ol", "section", "header", "footer", "article", "address"}
    | {"blockquote", "pre", "hr", "dt", "dd", "center"}
)
_CELLS = frozenset({"td", "th"})
_HIDDEN = frozenset({"script", "style", "head", "title", "template"})


class _RowParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[str, ...]] = []
        self._cells: list[str] = []
        self._text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _CELLS:
            self._end_cell()
        elif tag in _BLOCKS:
            self._end_row()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self._end_row()

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _CELLS:
            self._end_cell()
        elif tag in _BLOCKS:
            self._end_row()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._end_row()

    def _end_cell(self) -> None:
        text = " ".join("".join(self._text).split())
        self._text = []
        if text:
            self._cells.append(text)

    def _end_row(self) -> None:
        self._end_cell()
        if self._cells:
            self.rows.append(tuple(self._cells))
        self._cells = []


def recipients_in(values: list[str]) -> Iterator[str]:
    """The addresses in envelope or header values, lower-cased."""
    for _, address in getaddresses(values):
        if "@" in address:
            yield address.strip().lower()
