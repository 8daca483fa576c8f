"""``Downloads`` on the invoice bucket: a month's ZIP under ``packs/`` (expired by the bucket's
lifecycle after a day), fetched by the browser through a presigned GET."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import IO, Any
from urllib.parse import quote

from billify.adapters.aws.direct_upload import signing_client

PACKS_PREFIX = "packs/"
# Long enough to start a download of a large month, short enough that a forwarded link dies.
LINK_LIFETIME = dt.timedelta(minutes=15)


class S3Downloads:
    def __init__(self, bucket: str, s3: Any | None = None) -> None:
        from billify.adapters.aws.clients import client

        self.bucket = bucket
        self._s3 = s3 or client("s3")
        self._signer = s3 or signing_client()

    def offer(self, content: IO[bytes], filename: str, media_type: str) -> str:
        # A random key: the link is the only way to it.
        key = f"{PACKS_PREFIX}{uuid.uuid4().hex}/{filename}"
        self._s3.upload_fileobj(content, self.bucket, key, ExtraArgs={"ContentType": media_type})
        url: str = self._signer.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            },
            ExpiresIn=int(LINK_LIFETIME.total_seconds()),
        )
        return url
