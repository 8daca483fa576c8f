"""boto3 clients, one per service and container. Endpoints come from the environment
(``AWS_ENDPOINT_URL``, ``AWS_ENDPOINT_URL_<SERVICE>``), so tests point them at an emulator."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Every request: botocore's "standard" retries (throttling, 5xx, connection errors; jittered
# exponential backoff), 4 attempts in all.
_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4},
    connect_timeout=5,
    read_timeout=30,
)
# SES on top: "adaptive" mode, i.e. standard's retries plus client-side rate limiting that
# slows this container's sends down once SES answers "Throttling" (Maximum sending rate
# exceeded), the rate SES allows being account-wide and shared by every function.
_SERVICE_CONFIG = {
    "ses": _CONFIG.merge(Config(retries={"mode": "adaptive", "max_attempts": 4})),
}


def config(service: str) -> Config:
    """The botocore configuration of ``service``'s client (retries, timeouts)."""
    return _SERVICE_CONFIG.get(service, _CONFIG)


@cache
def client(service: str) -> Any:
    """A shared client (boto3 clients are thread-safe; creating one costs ~50 ms)."""
    return boto3.session.Session().client(service, config=config(service))


def error_code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))
