"""The per-invoice emails in the uploader's language, as the report is: a German or French
notice has its subject, words, money, dates and month in that language; an English one is as
it always was; a total converted to another currency shows what it came to."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from billify.domain import notifications
from billify.domain.action_links import NoticeLinks
from billify.domain.emails import OutgoingEmail
from billify.domain.models import Conversion, Extraction, Invoice, InvoiceStatus, Uploader
from billify.domain.reports import Month, Spending

LINKS = NoticeLinks(
    view="https://b.example/v",
    fix="https://b.example/f",
    confirm="https://b.example/c",
    not_duplicate="https://b.example/n",
)
# 61.30 MYR at 0.2 EUR per MYR, the ECB rate of 1 November 2026.
TO_EURO = Conversion(Decimal("12.26"), "EUR", Decimal("0.2"), dt.date(2026, 11, 1))
# What only an English email says: none of it may be left in a translated one.
ENGLISH = (
    "Hello",
    "Your invoice",
    "Vendor",
    "not found",
    "Amount due",
    "Counted in",
    "so far",
    "Looks right",
    "Fix it",
    "Open this invoice",
    "The links in this email",
    "Invoice id",
    "uncertain",
    "not counted twice",
    "ECB rate",
)


def make_invoice(
    status: InvoiceStatus = InvoiceStatus.PROCESSED,
    total: str = "61.30",
    currency: str = "MYR",
    conversion: Conversion | None = TO_EURO,
) -> Invoice:
    return Invoice(
        id="abc123",
        uploader=Uploader("Ana", "ana@example.com"),
        blob_key="k",
        media_type="image/png",
        file_hash="h",
        file_size=1,
        received_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
        status=status,
        original_filename="beleg.pdf",
        extraction=Extraction(
            total=Decimal(total),
            currency=currency,
            vendor="Kedai Buku",
            date=dt.date(2026, 11, 1),
            invoice_number="R-7",
            amount_due=Decimal("20"),
            conversion=conversion,
        ),
    )


def notice(invoice: Invoice, **options: object) -> OutgoingEmail:
    return notifications.invoice_notice(
        invoice,
        Month(2026, 11),
        Spending(invoice.uploader, (invoice,)),
        links=LINKS,
        crop=b"jpeg",
        **options,  # type: ignore[arg-type]
    )


def failure(locale: str, reason: str = "cannot read image") -> OutgoingEmail:
    invoice = make_invoice(InvoiceStatus.FAILED, conversion=None)
    return notifications.failure_notice(invoice, reason, links=LINKS, locale=locale)


def spaced(text: str) -> str:
    """Compared with plain spaces and apostrophes: CLDR spaces numbers with no-break and
    narrow no-break spaces, French writes them before colons, and its apostrophe curls."""
    return text.replace("\xa0", " ").replace("\u202f", " ").replace("\u2019", "'")


def assert_no_english(email: OutgoingEmail) -> None:
    for part in (email.subject, email.text, email.html):
        left = [words for words in ENGLISH if words in part]
        assert not left, left


def test_a_german_notice() -> None:
    email = notice(make_invoice(), locale="de", home_currency="EUR")
    assert spaced(email.subject) == "Rechnung von Kedai Buku: 61,30 MYR"
    for part in (email.text, email.html):
        said = spaced(part)
        assert "Hallo Ana," in said and "Ihre Rechnung wurde verarbeitet." in said
        assert "61,30 MYR" in said and "20,00 MYR" in said and "01.11.2026" in said
        assert "≈ 12,26 € zum EZB-Kurs vom 01.11.2026" in said
        assert "Gezählt im November 2026, dem Monat, in dem sie hochgeladen wurde." in said
        assert "(1 Rechnung)." in said and "Die Links in dieser E-Mail gelten" in said
    assert "  Gesamtbetrag:    61,30 MYR\n" in spaced(email.text)  # one column for the values
    assert '<html lang="de">' in email.html and "<th>Händler</th>" in email.html
    assert "Stimmt so</a>" in email.html and "Korrigieren</a>" in email.html
    assert_no_english(email)


def test_a_german_review_notice_names_the_problems_in_german() -> None:
    invoice = make_invoice(InvoiceStatus.NEEDS_REVIEW)
    extraction = invoice.extraction
    assert extraction is not None
    unnamed = invoice.with_changes(extraction=replace(extraction, vendor=None))
    email = notice(unnamed, to_check=("total", "vendor"), locale="de")
    assert email.subject == "Bitte prüfen Sie Ihre Rechnung: Betrag unsicher, Händler nicht gelesen"
    assert "konnten den Betrag und den Händler aber nicht sicher lesen." in email.text
    assert "„zu prüfen“" in email.text and "<em>zu prüfen</em>" in email.html
    assert "(unsicher: bitte prüfen)" in email.text
    assert_no_english(email)


def test_a_french_notice_of_a_likely_duplicate() -> None:
    invoice = make_invoice().with_changes(duplicate_of="xyz")
    email = notice(invoice, locale="fr")
    assert spaced(email.subject) == "Facture de Kedai Buku : 61,30 MYR"
    for part in (email.text, email.html):
        said = spaced(part)
        assert "Bonjour Ana," in said and "1 nov. 2026" in said and "novembre 2026" in said
        assert "≈ 12,26 € au taux de la BCE du 1 nov. 2026" in said
        assert "Elle n'est pas comptée deux fois." in said
    assert "Pas un doublon :" in spaced(email.text)
    assert_no_english(email)


def test_a_french_failure_notice() -> None:
    email = failure("fr")
    assert spaced(email.subject) == "Nous n'avons pas pu lire votre facture"
    for part in (email.text, email.html):
        said = spaced(part)
        assert "Bonjour Ana," in said and "Nous n'avons pas pu lire la facture" in said
        assert "Elle n'est pas comptée dans vos totaux." in said
    assert "cannot read image." in email.text  # the reader's reason, as it gave it
    assert "La remplacer ou la supprimer" in email.html and '<html lang="fr">' in email.html
    assert_no_english(email)
    unexplained = failure("fr", reason="")
    assert "le fichier n'a pas pu être lu." in spaced(unexplained.text)


@pytest.mark.parametrize("locale", ["en", "pt"])  # a language emails are not written in: English
def test_an_english_notice_is_as_it_always_was(locale: str) -> None:
    invoice = make_invoice(total="1234.5", currency="EUR", conversion=None)
    email = notice(invoice, locale=locale)
    assert email == notice(invoice)
    assert email.subject == "Invoice from Kedai Buku: EUR 1,234.50"
    assert "  Total:       EUR 1,234.50\n" in email.text and "  Date:        2026-11-01\n" in (
        email.text
    )
    assert "Counted in November 2026, the month it was uploaded." in email.text
    assert '<html lang="en">' in email.html
    assert failure(locale) == failure("en")
    assert failure(locale).subject == "We could not read your invoice"


def test_an_english_notice_shows_the_converted_amount_in_its_own_words() -> None:
    email = notice(make_invoice(), home_currency="EUR")
    for part in (email.text, email.html):
        assert "≈ EUR 12.26 at the ECB rate of 2026-11-01" in part


@pytest.mark.parametrize(
    ("invoice", "home", "shown"),
    [
        (make_invoice(), None, True),
        (make_invoice(), "EUR", True),
        (make_invoice(conversion=None), "EUR", False),  # no rate for it
        (make_invoice(total="12.26", currency="EUR"), "EUR", False),  # printed in euros
        (make_invoice(), "USD", False),  # converted to a former home currency
    ],
)
def test_the_converted_amount_only_when_converted_to_another_currency(
    invoice: Invoice, home: str | None, shown: bool
) -> None:
    for locale in ("en", "de"):
        email = notice(invoice, locale=locale, home_currency=home)
        assert ("≈" in email.text) == shown and ("≈" in email.html) == shown
