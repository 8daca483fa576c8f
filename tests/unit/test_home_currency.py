"""Totals in each user's home currency, and categories learned from the owner's corrections:
what processing and correcting an invoice keep on its record."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from billify import services
from billify.config import Settings
from billify.domain.emails import OutgoingEmail
from billify.domain.models import (
    Conversion,
    Extraction,
    Invoice,
    UnreadableDocument,
    Uploader,
)
from billify.domain.profiles import Profile
from billify.domain.uploads import validate_upload
from billify.home_currency import HomeCurrency, refresh_if_stale
from tests.conftest import png_bytes
from tests.fake_rates import FakeRates
from tests.fakes import (
    FakeExtractor,
    FakeMailer,
    FakeProfileStore,
    FakeQueue,
    FakeRepository,
    FixedClock,
    fake_app,
)


class Owners:
    """The application over fakes, its rates the steady ones (MYR 5, USD 1.25 per euro)."""

    def __init__(self, home_currency: str = "EUR") -> None:
        self.queue = FakeQueue()
        self.repository = FakeRepository()
        self.extractor = FakeExtractor(vary=False)
        self.profiles = FakeProfileStore()
        self.clock = FixedClock()
        self.app = fake_app(
            Settings(home_currency=home_currency),
            queue=self.queue,
            repository=self.repository,
            extractor=self.extractor,
            profiles=self.profiles,
            clock=self.clock,
        )
        self.seed = 0

    def read(self, email: str = "ana@example.com", **fields: object) -> Invoice:
        """Upload a file whose reading gives the default receipt with ``fields`` changed."""
        self.extractor.result = replace(FakeExtractor().result, **fields)  # type: ignore[arg-type]
        self.seed += 1
        self.clock.advance(minutes=1)  # received one after the other
        upload = validate_upload("Ana", email, png_bytes(self.seed, 7), "r.png")
        submitted = self.app.submit(upload)
        services.process_invoice(self.queue.messages[-1], self.app.processing)
        stored = self.repository.get(submitted.invoice.id)
        assert stored is not None
        return stored


@pytest.fixture
def owners() -> Owners:
    return Owners()


def conversion_of(invoice: Invoice) -> Conversion | None:
    assert invoice.extraction is not None
    return invoice.extraction.conversion


def test_a_foreign_total_is_kept_in_the_home_currency_at_the_rate_of_its_date(
    owners: Owners,
) -> None:
    invoice = owners.read(total=Decimal("12.50"), currency="MYR", date=dt.date(2026, 11, 3))
    assert conversion_of(invoice) == Conversion(
        Decimal("2.50"), "EUR", Decimal("0.2"), dt.date(2026, 11, 3)
    )


def test_a_weekend_invoice_takes_the_fridays_rate(owners: Owners) -> None:
    invoice = owners.read(total=Decimal("10"), currency="USD", date=dt.date(2026, 11, 8))
    conversion = conversion_of(invoice)
    assert conversion is not None
    assert (conversion.amount, conversion.rate_date) == (Decimal("8.00"), dt.date(2026, 11, 6))


def test_the_users_own_home_currency_wins_over_the_servers(owners: Owners) -> None:
    owners.profiles.update_profile("ana@example.com", Profile(home_currency="MYR"))
    invoice = owners.read(total=Decimal("10.00"), currency="EUR")
    assert conversion_of(invoice) == Conversion(
        Decimal("50.00"), "MYR", Decimal("5"), dt.date(2026, 11, 3)
    )
    bob = owners.read("bob@example.com", total=Decimal("10.00"), currency="EUR")
    conversion = conversion_of(bob)
    assert conversion is not None and conversion.amount == Decimal("10.00")
    assert conversion.rate == 1


def sent_to(owners: Owners, email: str) -> OutgoingEmail:
    assert isinstance(owners.app.mailer, FakeMailer)
    return [e for e in owners.app.mailer.sent if e.to.email == email][-1]


def test_the_notice_is_in_the_users_language_with_the_home_amount(owners: Owners) -> None:
    owners.profiles.update_profile("ana@example.com", Profile(locale="de"))
    owners.read(total=Decimal("12.50"), currency="MYR", date=dt.date(2026, 11, 3))
    notice = sent_to(owners, "ana@example.com")
    assert notice.subject == "Rechnung von KEDAI BUKU: 12,50\xa0MYR"
    assert "Hallo Ana," in notice.text and '<html lang="de">' in notice.html
    assert "≈ 2,50\xa0€ zum EZB-Kurs vom 03.11.2026" in notice.text
    owners.read("bob@example.com", total=Decimal("12.50"), currency="MYR")  # no profile
    english = sent_to(owners, "bob@example.com")
    assert english.subject == "Invoice from KEDAI BUKU: MYR 12.50"
    assert "≈ EUR 2.50 at the ECB rate of" in english.text


def test_a_notice_of_an_unreadable_file_is_in_the_users_language(owners: Owners) -> None:
    owners.profiles.update_profile("ana@example.com", Profile(locale="fr"))
    owners.extractor.error = UnreadableDocument("not a PDF (no %PDF header)")
    owners.read()
    notice = sent_to(owners, "ana@example.com")
    assert notice.subject == "Nous n\u2019avons pas pu lire votre facture"
    assert "Bonjour Ana," in notice.text and "not a PDF (no %PDF header)." in notice.text


def test_a_currency_the_ecb_does_not_publish_stays_unconverted(owners: Owners) -> None:
    invoice = owners.read(total=Decimal("99.00"), currency="AED")
    assert invoice.total == Decimal("99.00") and conversion_of(invoice) is None


def test_an_invoice_without_a_printed_date_is_converted_at_the_day_it_came(
    owners: Owners,
) -> None:
    invoice = owners.read(total=Decimal("5.00"), currency="USD", date=None)
    conversion = conversion_of(invoice)
    assert conversion is not None
    assert conversion.rate_date <= invoice.received_at.date()
    assert conversion.amount == Decimal("4.00")


def test_correcting_the_total_or_currency_converts_again_and_other_fields_do_not(
    owners: Owners,
) -> None:
    invoice = owners.read(total=Decimal("12.50"), currency="MYR")
    home = owners.app.home
    corrected = services.correct_invoice(
        invoice.id, {"total": "25.00"}, owners.repository, home=home
    )
    assert corrected is not None and conversion_of(corrected) is not None
    assert conversion_of(corrected).amount == Decimal("5.00")  # type: ignore[union-attr]
    in_usd = services.correct_invoice(invoice.id, {"currency": "USD"}, owners.repository, home=home)
    assert in_usd is not None
    assert conversion_of(in_usd).amount == Decimal("20.00")  # type: ignore[union-attr]
    renamed = services.correct_invoice(
        invoice.id, {"vendor": "Kedai"}, owners.repository, home=home
    )
    assert renamed is not None and conversion_of(renamed) == conversion_of(in_usd)


def test_a_kept_conversion_is_reused_and_one_made_with_stale_rates_looked_up_again() -> None:
    day = dt.date(2026, 11, 20)
    invoice = Invoice(
        id="i1",
        uploader=Uploader("Ana", "ana@example.com"),
        blob_key="k",
        media_type="image/png",
        file_hash="h",
        file_size=1,
        received_at=dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC),
        extraction=Extraction(total=Decimal("10"), currency="USD", date=day),
    )
    stale_rates = FakeRates({dt.date(2026, 11, 2): {"USD": "2"}})  # offline: ends on the 2nd
    fresh_rates = FakeRates({dt.date(2026, 11, 2): {"USD": "2"}, day: {"USD": "1.25"}})
    stale = HomeCurrency(stale_rates, None, "EUR").converted(invoice, "EUR")
    assert conversion_of(stale) == Conversion(
        Decimal("5.00"), "EUR", Decimal("0.5"), dt.date(2026, 11, 2)
    )
    kept = HomeCurrency(fresh_rates, None, "EUR").converted(stale, "EUR")  # refreshed since
    assert conversion_of(kept) == Conversion(Decimal("8.00"), "EUR", Decimal("0.8"), day)
    assert HomeCurrency(stale_rates, None, "EUR").converted(kept, "EUR") is kept


def test_a_category_correction_teaches_that_users_next_invoice_from_the_vendor(
    owners: Owners,
) -> None:
    first = owners.read(vendor="Kedai Buku Popular", category="shopping")
    services.correct_invoice(first.id, {"category": "office"}, owners.repository)
    later = owners.read(vendor="KEDAI BUKU POPULAR", category="shopping", total=Decimal("3"))
    assert later.extraction is not None
    assert later.extraction.category == "office"
    assert later.extraction.confidence["category"] > 0.9
    assert "category" not in later.extraction.user_edited  # learned, not typed
    elsewhere = owners.read(vendor="Another Shop", category="shopping", total=Decimal("4"))
    assert elsewhere.extraction is not None and elsewhere.extraction.category == "shopping"


def test_one_users_correction_never_changes_another_users_category(owners: Owners) -> None:
    first = owners.read(vendor="Kedai Buku Popular", category="shopping")
    services.correct_invoice(first.id, {"category": "office"}, owners.repository)
    bobs = owners.read("bob@example.com", vendor="Kedai Buku Popular", category="shopping")
    assert bobs.extraction is not None and bobs.extraction.category == "shopping"


def test_the_latest_correction_for_a_vendor_is_the_one_learned(owners: Owners) -> None:
    first = owners.read(vendor="Shell Bangsar", category="shopping")
    services.correct_invoice(first.id, {"category": "travel"}, owners.repository)
    second = owners.read(vendor="Shell Bangsar", total=Decimal("40"))
    services.correct_invoice(second.id, {"category": "transport"}, owners.repository)
    third = owners.read(vendor="Shell Bangsar", total=Decimal("41"))
    assert third.extraction is not None and third.extraction.category == "transport"


def test_stale_rates_are_fetched_anew_and_fresh_ones_are_not() -> None:
    rates = FakeRates({dt.date(2026, 10, 30): {"USD": "1.16"}})
    url = "https://rates.example/eurofxref-hist.zip"
    assert not refresh_if_stale(rates, url, dt.date(2026, 11, 2))  # 3 days: fresh enough
    assert rates.refreshes == []
    assert refresh_if_stale(rates, url, dt.date(2026, 12, 2))
    assert rates.refreshes == [url]
    assert not refresh_if_stale(rates, "", dt.date(2026, 12, 2))  # BILLIFY_RATES_URL="": never
    offline = FakeRates({dt.date(2026, 10, 30): {"USD": "1.16"}}, online=False)
    assert not refresh_if_stale(offline, url, dt.date(2026, 12, 2))
    assert offline.refreshes == [url]
