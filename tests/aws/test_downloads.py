"""A month's ZIP on AWS: stored under packs/ and fetched over HTTP by its presigned link, as a
browser does (Lambda's answers are capped at 6 MB; S3's are not)."""

from __future__ import annotations

import io
import urllib.request

from billify.adapters.aws.downloads import PACKS_PREFIX, S3Downloads
from tests.aws.conftest import Stack


def test_an_offered_file_downloads_by_its_link_under_its_name(stack: Stack) -> None:
    content = b"PK\x03\x04" + bytes(range(256)) * 4096  # 1 MB, binary
    url = S3Downloads(stack.bucket).offer(
        io.BytesIO(content), "billify-2026-11.zip", "application/zip"
    )
    with urllib.request.urlopen(url, timeout=30) as answer:
        assert answer.read() == content
        assert answer.headers["Content-Type"] == "application/zip"
        assert "billify-2026-11.zip" in answer.headers["Content-Disposition"]
    listed = stack.client("s3").list_objects_v2(Bucket=stack.bucket, Prefix=PACKS_PREFIX)
    (stored,) = listed["Contents"]
    assert stored["Key"].endswith("/billify-2026-11.zip") and stored["Size"] == len(content)


def test_two_offers_of_the_same_name_never_share_a_link(stack: Stack) -> None:
    downloads = S3Downloads(stack.bucket)
    first = downloads.offer(io.BytesIO(b"one"), "billify-2026-11.zip", "application/zip")
    second = downloads.offer(io.BytesIO(b"two"), "billify-2026-11.zip", "application/zip")
    assert first.split("?")[0] != second.split("?")[0]
    with urllib.request.urlopen(first, timeout=30) as answer:
        assert answer.read() == b"one"
