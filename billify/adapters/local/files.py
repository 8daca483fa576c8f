"""Blobs as files under one folder, written atomically and fsynced before ``put`` returns."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from billify.ports import BlobNotFound


def write_durably(path: Path, data: bytes) -> None:
    """Write to a temporary file, fsync, rename over ``path``, fsync the folder.

    A reader never sees half a file, and once this returns the file survives a crash.
    """
    write_all_durably([(path, data)])


# fsyncs issued together share the file system's journal commits: a batch costs a fraction
# of syncing its files one by one.
_SYNC_THREADS = 8


def write_all_durably(files: Sequence[tuple[Path, bytes]]) -> None:
    """``write_durably`` for many files at once: each appears whole, and all survive a crash
    once this returns; written first, then synced together, then renamed in place."""
    written: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            written.append((_write_temporary(path, data), path))
        _fsync_together([temporary for temporary, _ in written])
        for temporary, path in written:
            os.replace(temporary, path)
    except BaseException:
        for temporary, _ in written:
            Path(temporary).unlink(missing_ok=True)
        raise
    for folder in {path.parent for path, _ in files}:
        _fsync_path(str(folder))


def _fsync_together(paths: list[str]) -> None:
    if len(paths) == 1:  # an upload: no thread to start, it has nothing to share with
        _fsync_path(paths[0])
        return
    with ThreadPoolExecutor(min(_SYNC_THREADS, len(paths)) or 1) as pool:
        list(pool.map(_fsync_path, paths))


def _write_temporary(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary


def _fsync_path(path: str) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class FileBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def put(self, key: str, data: bytes, media_type: str) -> None:
        write_durably(self._path(key), data)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as error:
            raise BlobNotFound(key) from error

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        # Keys are made by the server, but refuse any that would escape the root all the same.
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise ValueError(f"invalid blob key: {key!r}")
        return path


def load_or_create_secret(path: Path) -> bytes:
    """The server's secret key kept in ``path`` (made once, readable by its owner only): every
    process of one data folder signs and checks links with the same key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_hex(32))
                file.flush()
                os.fsync(file.fileno())
    text = path.read_text().strip()
    if len(text) < 32:
        raise ValueError(f"{path} must hold a secret of at least 32 characters")
    return text.encode()
