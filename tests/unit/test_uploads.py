import pytest

from billify.domain.uploads import (
    MAX_UPLOAD_BYTES,
    UploadRejected,
    detect_media_type,
    validate_email_address,
    validate_name,
    validate_upload,
)
from tests.conftest import MINIMAL_PDF, jpeg_bytes, png_bytes


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (png_bytes(), "image/png"),
        (jpeg_bytes(), "image/jpeg"),
        (MINIMAL_PDF, "application/pdf"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"II*\x00rest", "image/tiff"),
    ],
)
def test_media_type_comes_from_content(content: bytes, media_type: str) -> None:
    assert detect_media_type(content)[0] == media_type


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b"", 400),
        (b"GIF89a....", 415),
        (b"<html><body>not an invoice</body></html>", 415),
        (b"PK\x03\x04 zip pretending", 415),
        (b"%PDF-" + b"x" * MAX_UPLOAD_BYTES, 413),
    ],
)
def test_unacceptable_files_are_rejected(content: bytes, status: int) -> None:
    with pytest.raises(UploadRejected) as caught:
        detect_media_type(content)
    assert caught.value.status == status
    assert caught.value.field == "file"


def test_file_of_exactly_the_limit_is_accepted() -> None:
    content = b"%PDF-" + b"x" * (MAX_UPLOAD_BYTES - 5)
    assert detect_media_type(content)[0] == "application/pdf"


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        None,
        "Eve\r\nBcc: victim@example.com",
        "A\x00B",
        "tab\tname",
        "x" * 201,
        "line\u2028sep",
    ],
)
def test_bad_names_are_rejected(name: str | None) -> None:
    with pytest.raises(UploadRejected) as caught:
        validate_name(name)
    assert caught.value.field == "name"


def test_name_is_trimmed_and_unicode_kept() -> None:
    assert validate_name("  Zoë O'Brien-Łukasz  ") == "Zoë O'Brien-Łukasz"


@pytest.mark.parametrize(
    "email",
    [
        "",
        None,
        "plainaddress",
        "a@b",
        "a@@example.com",
        "a@example.com\r\nBcc: x@y.z",
        "Joe <joe@example.com>",
        "a b@example.com",
        "x" * 65 + "@example.com",
    ],
)
def test_bad_emails_are_rejected(email: str | None) -> None:
    with pytest.raises(UploadRejected) as caught:
        validate_email_address(email)
    assert caught.value.field == "email"


def test_email_domain_is_normalised() -> None:
    assert validate_email_address(" ana@Example.COM ") == "ana@example.com"


def test_validated_upload_keeps_a_safe_filename_and_hash() -> None:
    upload = validate_upload("Ana", "ana@example.com", png_bytes(), "../../etc/passwd\x00.png")
    assert upload.original_filename == "passwd.png"
    assert upload.extension == ".png"
    assert len(upload.file_hash) == 64
