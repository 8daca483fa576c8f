"""Email through Amazon SES, as the same MIME message the SMTP path sends (``to_mime``).

SES allows an account a maximum send rate (messages per second, shared by every function) and
answers ``Throttling`` / "Maximum sending rate exceeded" above it. Three layers keep a send
from being lost to that:

1. ``max_send_rate`` (``BILLIFY_SES_MAX_SEND_RATE``): this mailer spaces its sends evenly so
   that one container stays under its share of the rate;
2. the SES client retries throttled requests itself (botocore "adaptive" mode, see
   ``clients.py``: jittered backoff, and client-side rate limiting once throttled);
3. when those retries are used up and SES still throttles, the mailer waits longer and tries
   again ``throttle_retries`` times; after that it raises, so the report job fails and its
   queue delivers it again later (then to the dead-letter queue).

"Daily message quota exceeded" (also ``Throttling``) is not waited for: it raises at once.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from botocore.exceptions import ClientError

from billify.adapters.aws.clients import client, error_code
from billify.adapters.sending import send_each
from billify.domain.emails import OutgoingEmail, to_mime

log = logging.getLogger(__name__)

THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException"})
RATE_EXCEEDED = "maximum sending rate exceeded"


def is_rate_throttled(error: Exception) -> bool:
    """SES refused because of the per-second rate (worth waiting a few seconds for)."""
    if not isinstance(error, ClientError):
        return False
    message = str(error.response.get("Error", {}).get("Message", "")).lower()
    if "daily message quota" in message:  # waiting seconds would not help
        return False
    return error_code(error) in THROTTLING_CODES or RATE_EXCEEDED in message


class RateLimiter:
    """At most ``rate`` calls of ``wait`` return per second, evenly spaced (thread-safe)."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self._interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            at = max(now, self._next)
            self._next = at + self._interval
        if at > now:
            self._sleep(at - now)


class SesMailer:
    """SendRawEmail with our MIME bytes. SES gives no exactly-once delivery: the services record
    each notice as sent, and the message keeps our stable ``X-Billify-Key`` header."""

    replaces_duplicates = False

    def __init__(
        self,
        sender: str,
        configuration_set: str | None = None,
        ses: Any | None = None,
        *,
        max_send_rate: float | None = None,
        throttle_retries: int = 2,
        backoff: float = 1.0,
        backoff_max: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if throttle_retries < 0:
            raise ValueError("throttle_retries must be at least 0")
        self.sender = sender
        self.configuration_set = configuration_set
        self._ses = ses or client("ses")
        self.rate = RateLimiter(max_send_rate, sleep=sleep) if max_send_rate else None
        self.throttle_retries = throttle_retries
        self._backoff = backoff
        self._backoff_max = backoff_max
        self._sleep = sleep

    def send(self, email: OutgoingEmail) -> None:
        message = to_mime(email, self.sender)
        request: dict[str, Any] = {
            "Source": self.sender,
            "Destinations": [email.to.email],
            "RawMessage": {"Data": message.as_bytes()},
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        attempt = 0
        while True:
            if self.rate is not None:
                self.rate.wait()
            try:
                self._ses.send_raw_email(**request)
                return
            except ClientError as error:
                if attempt >= self.throttle_retries or not is_rate_throttled(error):
                    raise
                # Jittered: concurrent senders throttled together do not retry together.
                ceiling = min(self._backoff_max, self._backoff * 2**attempt)
                delay = ceiling / 2 + random.uniform(0, ceiling / 2)
                attempt += 1
                log.warning(
                    "SES throttled %s (%s); retry %d/%d in %.1f s",
                    email.key,
                    error,
                    attempt,
                    self.throttle_retries,
                    delay,
                )
                self._sleep(delay)

    def send_batch(self, emails: Sequence[OutgoingEmail]) -> list[Exception | None]:
        return send_each(self, emails)
