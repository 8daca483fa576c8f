from pathlib import Path

import pytest

from billify.adapters.local.files import FileBlobStore
from billify.ports import BlobNotFound


def test_a_put_leaves_the_file_only(tmp_path: Path) -> None:
    """Written to a temporary file, then renamed over the key's: none is left behind. (What
    every BlobStore does: test_blob_store_contract.py.)"""
    store = FileBlobStore(tmp_path)
    store.put("invoices/2026/11/abc.pdf", b"%PDF-1.4", "application/pdf")
    store.put("invoices/2026/11/abc.pdf", b"%PDF-1.7", "application/pdf")
    assert [p.name for p in (tmp_path / "invoices/2026/11").iterdir()] == ["abc.pdf"]
    with pytest.raises(BlobNotFound):
        store.get("invoices/2026/11/other.pdf")


@pytest.mark.parametrize("key", ["../escape.pdf", "/etc/passwd", "a/../../b", ""])
def test_keys_cannot_escape_the_root(tmp_path: Path, key: str) -> None:
    store = FileBlobStore(tmp_path / "blobs")
    with pytest.raises(ValueError):
        store.put(key, b"x", "application/pdf")
