"""What every mail adapter that delivers one message at a time shares."""

from __future__ import annotations

from collections.abc import Sequence

from billify.domain.emails import OutgoingEmail
from billify.ports import Mailer


def send_each(mailer: Mailer, emails: Sequence[OutgoingEmail]) -> list[Exception | None]:
    """``Mailer.send_batch`` as one ``send`` per email, each failure reported alone."""
    errors: list[Exception | None] = []
    for email in emails:
        try:
            mailer.send(email)
        except Exception as error:  # one refusal must not stop the rest of the batch
            errors.append(error)
        else:
            errors.append(None)
    return errors
