"""The BlobStore contract over the fake and the files (S3: tests/aws)."""

from __future__ import annotations

from pathlib import Path

import pytest

from billify.adapters.local.files import FileBlobStore
from billify.ports import BlobStore
from tests.contracts.blob_store import BlobStoreContract
from tests.fakes import FakeBlobStore


class TestFakeBlobStore(BlobStoreContract):
    @pytest.fixture
    def store(self) -> BlobStore:
        return FakeBlobStore()


class TestFileBlobStore(BlobStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> BlobStore:
        return FileBlobStore(tmp_path / "blobs")
