"""The BlobStore contract on S3 (moto over HTTP), in the stack's bucket as the template makes
it (encrypted, private, lifecycle rules); and the one error of S3's a caller tells apart."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from billify.adapters.aws.clients import error_code
from billify.adapters.aws.s3 import S3BlobStore
from billify.ports import BlobStore
from tests.aws.conftest import Stack
from tests.contracts.blob_store import BlobStoreContract


class TestS3BlobStore(BlobStoreContract):
    @pytest.fixture
    def store(self, stack: Stack) -> BlobStore:
        return S3BlobStore(stack.bucket)


def test_a_missing_key_is_no_such_key(stack: Stack) -> None:
    """The mail receiver takes NoSuchKey for a message an earlier delivery already took."""
    with pytest.raises(ClientError) as raised:
        S3BlobStore(stack.bucket).get("mail/inbound/never-was")
    assert error_code(raised.value) in ("NoSuchKey", "404")
