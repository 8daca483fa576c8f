"""Uploads straight to S3, for files too big to pass through API Gateway and Lambda.

API Gateway hands Lambda at most 6 MB per request (the invocation payload limit); a binary body
arrives base64-encoded, so about 4.4 MB of file. The app accepts files up to
``MAX_UPLOAD_BYTES`` (10 MB). For a bigger file the page first asks the API for a presigned
POST (``start_direct_upload``): a form, signed by the function's role, that lets the browser
POST that one file, and nothing else, straight to the bucket, at ``incoming/<random id>``:

- the key is chosen here and fixed in the signed policy;
- ``content-length-range`` bounds the size (1 byte .. ``MAX_UPLOAD_BYTES``), enforced by S3;
- the uploader's name, address and API key label travel as object metadata
  (``x-amz-meta-name``, ``x-amz-meta-email``, ``x-amz-meta-owner``, percent-encoded UTF-8),
  each fixed in the policy with an exact-match condition: S3 refuses a form whose fields differ
  from, or add to, what was signed, so a client cannot file a document under someone else;
- it expires after ``expires`` (10 minutes by default).

S3 then announces the object (EventBridge "Object Created", see template.yaml) to
``lambda_handlers.upload_arrived``, which reads it (``S3DirectUploads.fetch``), runs the same
checks as any upload (``validate_upload``), submits it, and deletes it from ``incoming/``.

Nothing here imports boto3 until an ``S3DirectUploads`` is made, so the local app can import
the protocol and the use case.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote, unquote

from billify.domain.uploads import (
    MAX_UPLOAD_BYTES,
    TOO_LARGE,
    UploadRejected,
    validate_email_address,
    validate_name,
)

INCOMING_PREFIX = "incoming/"
# Over this many bytes the page should upload directly (what base64 lets through Lambda's
# 6 MB request payload, with room for the form's other fields and framing).
PROXY_UPLOAD_LIMIT = 4 * 1024 * 1024
DIRECT_UPLOAD_EXPIRES = dt.timedelta(minutes=10)
# S3 allows 2 KB of user metadata per object (names and values, UTF-8).
_METADATA_BUDGET = 2000
_MAX_FILENAME = 120
# Kept as typed in the encoded metadata (readable in the console); the rest is %XX-encoded.
_SAFE = " @.+-_"


@dataclass(frozen=True)
class PresignedPost:
    """Where and how the browser POSTs the file: a multipart form to ``url`` with every one
    of ``fields`` first, then the file as the last field, named ``file``. S3 answers 204."""

    url: str
    fields: dict[str, str]
    key: str
    max_bytes: int
    expires_at: dt.datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "fields": dict(self.fields),
            "key": self.key,
            "max_bytes": self.max_bytes,
            "expires_at": self.expires_at.isoformat(),
        }


class DirectUploads(Protocol):
    """The optional capability of a store that can take a file from the client itself."""

    def presigned_post(
        self,
        key: str,
        max_bytes: int,
        expires: dt.timedelta,
        metadata: Mapping[str, str] | None = None,
    ) -> PresignedPost:
        """A signed form for one object at ``key`` of 1..``max_bytes`` bytes, valid for
        ``expires``, whose metadata must be exactly ``metadata``."""


@dataclass(frozen=True)
class ArrivedFile:
    """An object uploaded to ``incoming/``, with the uploader's details from its metadata."""

    key: str
    content: bytes
    name: str | None
    email: str | None
    owner: str | None = None
    filename: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


class S3DirectUploads:
    """``DirectUploads`` on the invoice bucket, and the reading of what arrived."""

    def __init__(self, bucket: str, s3: Any | None = None) -> None:
        from billify.adapters.aws.clients import client

        self.bucket = bucket
        self._s3 = s3 or client("s3")
        self._signer = s3 or signing_client()

    def presigned_post(
        self,
        key: str,
        max_bytes: int,
        expires: dt.timedelta,
        metadata: Mapping[str, str] | None = None,
    ) -> PresignedPost:
        if not key.startswith(INCOMING_PREFIX):
            raise ValueError(f"direct uploads go under {INCOMING_PREFIX}, not {key!r}")
        fields = {f"x-amz-meta-{name}": value for name, value in (metadata or {}).items()}
        conditions: list[Any] = [{name: value} for name, value in fields.items()]
        conditions.append(["content-length-range", 1, max_bytes])
        seconds = max(1, int(expires.total_seconds()))
        expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
        answer = self._signer.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,  # boto3 adds the exact-key condition itself
            Fields=fields,
            Conditions=conditions,
            ExpiresIn=seconds,
        )
        return PresignedPost(
            url=str(answer["url"]),
            fields={str(k): str(v) for k, v in answer["fields"].items()},
            key=key,
            max_bytes=max_bytes,
            expires_at=expires_at,
        )

    def fetch(self, key: str) -> ArrivedFile:
        """The object and its uploader; ``BlobNotFound`` once deleted. Reads one byte past
        ``MAX_UPLOAD_BYTES`` at most (the upload check then refuses it)."""
        from billify.adapters.aws.s3 import get_object

        response = get_object(self._s3, self.bucket, key)
        body = response["Body"]
        try:
            content: bytes = body.read(MAX_UPLOAD_BYTES + 1)
        finally:
            body.close()
        metadata = {str(k).lower(): str(v) for k, v in (response.get("Metadata") or {}).items()}
        fields = decode_metadata(metadata)
        return ArrivedFile(
            key=key,
            content=content,
            name=fields.get("name"),
            email=fields.get("email"),
            owner=fields.get("owner"),
            filename=fields.get("filename"),
            metadata=metadata,
        )

    def discard(self, key: str) -> None:
        self._s3.delete_object(Bucket=self.bucket, Key=key)


def signing_client() -> Any:
    """An S3 client for presigning: Signature Version 4 (the default client's presigned POST
    is still version 2, which newer regions refuse) and, on AWS, the bucket's regional
    virtual-hosted address (the global one redirects for a while after a bucket is created,
    which a browser's cross-origin POST does not follow). An emulator's endpoint
    (``AWS_ENDPOINT_URL``) keeps path-style addresses."""
    import boto3
    from botocore.config import Config

    from billify.adapters.aws.clients import config

    emulated = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    addressing = {} if emulated else {"addressing_style": "virtual"}
    signing = Config(signature_version="s3v4", s3=addressing)
    return boto3.session.Session().client("s3", config=config("s3").merge(signing))


def start_direct_upload(
    uploads: DirectUploads,
    *,
    name: str | None,
    email: str | None,
    owner: str | None = None,
    filename: str | None = None,
    size: int | None = None,
    expires: dt.timedelta = DIRECT_UPLOAD_EXPIRES,
) -> PresignedPost:
    """Check the uploader's details now (the same rules as an upload: the file itself is
    checked once it has arrived) and sign a form for one new ``incoming/`` object. ``size``,
    if the client says it, is refused early when over the limit (S3 enforces it anyway).
    Raises ``UploadRejected``."""
    clean_name = validate_name(name)
    clean_email = validate_email_address(email)
    if size is not None and size <= 0:
        raise UploadRejected("file", "file is empty")
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise UploadRejected("file", TOO_LARGE, status=413)
    values = {"name": clean_name, "email": clean_email}
    if owner:
        values["owner"] = owner
    metadata = encode_metadata(values)
    if filename:
        with_name = {**metadata, **encode_metadata({"filename": filename[-_MAX_FILENAME:]})}
        if _metadata_size(with_name) <= _METADATA_BUDGET:
            metadata = with_name  # else kept without it: the name is only shown, never needed
    if _metadata_size(metadata) > _METADATA_BUDGET:
        raise UploadRejected("name", "name is too long for an upload of this size")
    key = f"{INCOMING_PREFIX}{uuid.uuid4().hex}"
    return uploads.presigned_post(key, MAX_UPLOAD_BYTES, expires, metadata)


def encode_metadata(values: Mapping[str, str]) -> dict[str, str]:
    """S3 metadata values must be ASCII: UTF-8, percent-encoded (spaces and @ kept)."""
    return {name: quote(value, safe=_SAFE) for name, value in values.items()}


def decode_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    return {name: unquote(value) for name, value in metadata.items()}


def _metadata_size(metadata: Mapping[str, str]) -> int:
    return sum(len(f"x-amz-meta-{k}") + len(v) for k, v in metadata.items())
