"""boto3 clients, one per service and container. Endpoints come from the environment
(``AWS_ENDPOINT_URL``, ``AWS_ENDPOINT_URL_<SERVICE>``), so tests point them at an emulator."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4},
    connect_timeout=5,
    read_timeout=30,
)


@cache
def client(service: str) -> Any:
    """A shared client (boto3 clients are thread-safe; creating one costs ~50 ms)."""
    return boto3.session.Session().client(service, config=_CONFIG)


def error_code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))
