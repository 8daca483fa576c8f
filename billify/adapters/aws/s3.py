"""Invoice files in an S3 bucket (private, encrypted at rest by the bucket's default)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from billify.adapters.aws.clients import client, error_code
from billify.ports import BlobNotFound


def get_object(s3: Any, bucket: str, key: str) -> dict[str, Any]:
    """S3's GetObject answer (body unread); ``BlobNotFound`` for a missing key."""
    try:
        response: dict[str, Any] = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error_code(error) in ("NoSuchKey", "404"):
            raise BlobNotFound(key) from error
        raise
    return response


class S3BlobStore:
    def __init__(self, bucket: str, s3: Any | None = None) -> None:
        self.bucket = bucket
        self._s3 = s3 or client("s3")

    def put(self, key: str, data: bytes, media_type: str) -> None:
        # S3 acknowledges a PUT only once the object is stored redundantly.
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=media_type)

    def get(self, key: str) -> bytes:
        body: bytes = get_object(self._s3, self.bucket, key)["Body"].read()
        return body

    def delete(self, key: str) -> None:
        self._s3.delete_object(Bucket=self.bucket, Key=key)
