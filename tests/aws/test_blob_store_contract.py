"""The BlobStore contract on S3 (moto over HTTP), in the stack's bucket as the template makes
it (encrypted, private, lifecycle rules)."""

from __future__ import annotations

import pytest

from billify.adapters.aws.s3 import S3BlobStore
from billify.ports import BlobStore
from tests.aws.conftest import Stack
from tests.contracts.blob_store import BlobStoreContract


class TestS3BlobStore(BlobStoreContract):
    @pytest.fixture
    def store(self, stack: Stack) -> BlobStore:
        return S3BlobStore(stack.bucket)
