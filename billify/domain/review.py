"""When an invoice needs the user's review: its total or its vendor is missing or was read with
less confidence than that field's threshold. The one place this rule lives."""

from __future__ import annotations

from dataclasses import dataclass

from billify.domain.models import Extraction, InvoiceStatus

# The fields that must be read with confidence for an invoice to count, in the order the
# notice names them.
REVIEWED_FIELDS = ("total", "vendor")


@dataclass(frozen=True)
class ReviewThresholds:
    """The least confidence at which each reviewed field is trusted (0..1)."""

    total: float = 0.5
    vendor: float = 0.35

    def fields_to_check(self, extraction: Extraction | None) -> tuple[str, ...]:
        """The reviewed fields that are missing or read with too little confidence."""
        return tuple(
            name
            for name in REVIEWED_FIELDS
            if extraction is None
            or getattr(extraction, name) is None
            or extraction.confidence_of(name) < getattr(self, name)
        )

    def status_for(self, extraction: Extraction | None) -> InvoiceStatus:
        trusted = not self.fields_to_check(extraction)
        return InvoiceStatus.PROCESSED if trusted else InvoiceStatus.NEEDS_REVIEW
