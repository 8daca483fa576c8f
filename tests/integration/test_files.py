from pathlib import Path

import pytest

from billify.adapters.local.files import FileBlobStore


def test_put_get_delete(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    store.put("invoices/2026/11/abc.pdf", b"%PDF-1.4", "application/pdf")
    assert store.get("invoices/2026/11/abc.pdf") == b"%PDF-1.4"
    assert not list((tmp_path / "invoices/2026/11").glob(".tmp-*"))
    store.delete("invoices/2026/11/abc.pdf")
    with pytest.raises(FileNotFoundError):
        store.get("invoices/2026/11/abc.pdf")


@pytest.mark.parametrize("key", ["../escape.pdf", "/etc/passwd", "a/../../b", ""])
def test_keys_cannot_escape_the_root(tmp_path: Path, key: str) -> None:
    store = FileBlobStore(tmp_path / "blobs")
    with pytest.raises(ValueError):
        store.put(key, b"x", "application/pdf")
