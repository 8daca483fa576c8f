"""What every ``BlobStore`` must do. Each adapter's test module subclasses the contract with a
``store`` fixture: the fake and the files in tests/integration, S3 in tests/aws.

Reading a missing key raises ``BlobNotFound`` in every store (the mail receiver and the
direct uploads tell a file taken already from a store that failed by it); deleting one is
harmless: an upload whose intake failed, an invoice deleted twice, a stored mail dropped by a
second delivery of its event all delete what may be gone."""

from __future__ import annotations

import pytest

from billify.ports import BlobNotFound, BlobStore

KEY = "invoices/2026/11/0123456789abcdef.pdf"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 64  # every byte value, 16 KB


class BlobStoreContract:
    def test_what_is_put_is_got_back(self, store: BlobStore) -> None:
        store.put(KEY, PDF, "application/pdf")
        assert store.get(KEY) == PDF
        store.put("mail/inbound/abc", b"", "message/rfc822")  # empty: still a blob
        assert store.get("mail/inbound/abc") == b""

    def test_a_put_replaces_what_the_key_held(self, store: BlobStore) -> None:
        store.put(KEY, PDF, "application/pdf")
        store.put(KEY, b"\xff\xd8\xff\xe0 a JPEG now", "image/jpeg")
        assert store.get(KEY) == b"\xff\xd8\xff\xe0 a JPEG now"

    def test_keys_are_separate(self, store: BlobStore) -> None:
        store.put(KEY, b"one", "application/pdf")
        store.put(KEY + ".png", b"two", "image/png")
        store.put("invoices/2026/12/other.pdf", b"three", "application/pdf")
        assert [store.get(k) for k in (KEY, KEY + ".png", "invoices/2026/12/other.pdf")] == [
            b"one",
            b"two",
            b"three",
        ]
        store.delete(KEY)
        assert store.get(KEY + ".png") == b"two"

    def test_a_missing_key_raises_on_get(self, store: BlobStore) -> None:
        with pytest.raises(BlobNotFound):
            store.get("invoices/never/was.pdf")

    def test_delete_forgets_and_a_missing_key_is_harmless(self, store: BlobStore) -> None:
        store.put(KEY, PDF, "application/pdf")
        store.delete(KEY)
        with pytest.raises(BlobNotFound):
            store.get(KEY)
        store.delete(KEY)  # again
        store.delete("invoices/never/was.pdf")
        store.put(KEY, b"again", "application/pdf")  # the key can be used again
        assert store.get(KEY) == b"again"
