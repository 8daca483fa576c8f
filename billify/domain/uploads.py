"""What an upload must be before Billify accepts it: a real document and a reachable person."""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# What a person is told, in the unit they think in.
TOO_LARGE = f"file is larger than {MAX_UPLOAD_BYTES / 2**20:g} MB"
# A whole upload request: the file plus room for the name, email and multipart framing.
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 64 * 1024
MAX_NAME_LENGTH = 200
MAX_EMAIL_LOCAL_PART = 64

# Magic bytes -> (media type, file extension). Content decides, never the client's filename.
_SIGNATURES: tuple[tuple[bytes, int, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", ".png"),
    (b"\xff\xd8\xff", 0, "image/jpeg", ".jpg"),
    (b"%PDF-", 0, "application/pdf", ".pdf"),
    (b"II*\x00", 0, "image/tiff", ".tif"),
    (b"MM\x00*", 0, "image/tiff", ".tif"),
    (b"WEBP", 8, "image/webp", ".webp"),
)
SUPPORTED_MEDIA_TYPES = tuple(sorted({sig[2] for sig in _SIGNATURES}))


class UploadRejected(ValueError):
    """The upload is not acceptable; ``field`` names the culprit, ``status`` the HTTP answer."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Upload:
    """A validated upload: normalised name and email, detected media type, content hash."""

    name: str
    email: str
    content: bytes
    media_type: str
    extension: str
    file_hash: str
    original_filename: str | None = None


def validate_upload(
    name: str | None, email: str | None, content: bytes, filename: str | None = None
) -> Upload:
    """Check every part of an upload; raise ``UploadRejected`` on the first problem found."""
    clean_name = validate_name(name)
    clean_email = validate_email_address(email)
    media_type, extension = detect_media_type(content)
    return Upload(
        name=clean_name,
        email=clean_email,
        content=content,
        media_type=media_type,
        extension=extension,
        file_hash=hashlib.sha256(content).hexdigest(),
        original_filename=_safe_filename(filename),
    )


def validate_name(name: str | None) -> str:
    clean = (name or "").strip()
    if not clean:
        raise UploadRejected("name", "name must not be empty")
    if len(clean) > MAX_NAME_LENGTH:
        raise UploadRejected("name", f"name must be at most {MAX_NAME_LENGTH} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in clean):
        raise UploadRejected("name", "name must not contain control characters or line breaks")
    return clean


def validate_email_address(email: str | None) -> str:
    raw = (email or "").strip()
    if not raw:
        raise UploadRejected("email", "email is required")
    return _checked_address(raw)


@functools.lru_cache(maxsize=4096)
def _checked_address(raw: str) -> str:
    """The normalised address, checked once per address seen (a person sends many files,
    and the check parses the whole address: a tenth of an upload's CPU)."""
    try:
        # No DNS look-up: uploads must not depend on the network, and tests run offline.
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as error:
        raise UploadRejected("email", f"email is not valid: {error}") from error
    if len(result.local_part) > MAX_EMAIL_LOCAL_PART:  # RFC 5321; the library lets it pass
        raise UploadRejected("email", "email is not valid: too long before the @-sign")
    return result.normalized


def detect_media_type(content: bytes) -> tuple[str, str]:
    if not content:
        raise UploadRejected("file", "file is empty")
    if len(content) > MAX_UPLOAD_BYTES:
        raise UploadRejected("file", TOO_LARGE, status=413)
    for signature, offset, media_type, extension in _SIGNATURES:
        if content[offset : offset + len(signature)] == signature:
            if media_type == "image/webp" and not content.startswith(b"RIFF"):
                continue
            return media_type, extension
    raise UploadRejected(
        "file",
        "unsupported file type: upload a PNG, JPEG, WEBP or TIFF image or a PDF",
        status=415,
    )


def _safe_filename(filename: str | None) -> str | None:
    """Keep the client's name for display only: last path part, printable, bounded."""
    if not filename:
        return None
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    printable = "".join(
        ch for ch in base if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " "
    )
    return printable.strip()[:255] or None
