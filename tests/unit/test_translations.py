"""The emails in the user's language: every message of the report and of the notices has a
German and a French translation, the catalogs compile, and money and dates follow the locale
(CLDR via Babel)."""

import datetime as dt
import gettext
import re
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from babel.numbers import format_currency

from billify.domain import formatting, notifications
from billify.domain.profiles import LOCALES
from billify.domain.translations import environment, po_path, translations
from tests.unit.test_report_email import report

DOMAIN = Path(str(files("billify.domain")))
REPORT_TEMPLATES = ("report.html.j2", "report.txt.j2")
NOTICE_TEMPLATES = ("notice.html.j2", "notice.txt.j2", "failed.html.j2", "failed.txt.j2")
TRANSLATED = [locale for locale in LOCALES if locale != "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def used_messages() -> set[str | tuple[str, str]]:
    """The msgids of the translated emails: their templates and the words ``notifications``
    translates itself."""
    return template_messages(REPORT_TEMPLATES + NOTICE_TEMPLATES) | python_messages()


def template_messages(names: tuple[str, ...]) -> set[str | tuple[str, str]]:
    """The msgids of ``names`` (Jinja's Babel extractor, trimmed as the environment renders
    them)."""
    found: set[str | tuple[str, str]] = set()
    options = {"trimmed": "true", "newstyle_gettext": "true"}
    for name in names:
        path = DOMAIN / "templates" / name
        for _, message, _, _ in extract_from_file(
            "jinja2.ext:babel_extract", str(path), options=options
        ):
            found.add(message)
    return found


def python_messages() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    keywords = {"_": None, "gettext": None, "N_": None}
    for _, message, _, _ in extract_from_file(
        "python", str(DOMAIN / "notifications.py"), keywords=keywords
    ):
        found.add(message)
    return found


def catalog(locale: str) -> Catalog:
    with (DOMAIN / po_path(locale)).open("rb") as po:
        return read_po(po, locale=locale)


def test_the_report_has_messages_to_translate() -> None:
    messages = used_messages()
    assert len(messages) > 40
    assert "Top vendors" in messages and "Groceries" in messages
    assert any(isinstance(m, tuple) for m in messages)  # plurals, with ngettext


def test_the_notices_have_messages_to_translate() -> None:
    notices = template_messages(NOTICE_TEMPLATES)
    assert len(notices) > 40
    assert "Your invoice has been processed." in notices and "Replace or delete it" in notices
    assert any(isinstance(m, tuple) for m in notices)  # "(1 invoice)", "7 days"
    words = python_messages()  # what notifications translates itself: subjects, problems
    assert "We could not read your invoice" in words and "Invoice: %(total)s" in words
    assert "vendor not read" in words and "its total and vendor" in words
    assert "≈ %(amount)s at the ECB rate of %(date)s" in words


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_message_has_a_translation_with_the_same_placeholders(locale: str) -> None:
    po = catalog(locale)
    for message in used_messages():
        msgid = message if isinstance(message, str) else message[0]
        entry = po.get(msgid)
        assert entry is not None, f"{locale}: {msgid!r} is not in {po_path(locale)}"
        assert not entry.fuzzy, f"{locale}: {msgid!r} is fuzzy"
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        originals = message if isinstance(message, tuple) else (message,)
        assert len(forms) == (po.num_plurals if isinstance(message, tuple) else 1)
        wanted = set().union(*(PLACEHOLDER.findall(o) for o in originals))
        for form in forms:
            assert form.strip(), f"{locale}: {msgid!r} has an empty translation"
            assert set(PLACEHOLDER.findall(form)) <= wanted | {"count"}, (locale, msgid)
            assert set(PLACEHOLDER.findall(form)) >= wanted - {"count"}, (locale, msgid)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_no_message_is_left_over_in_the_catalog(locale: str) -> None:
    used = {m if isinstance(m, str) else m[0] for m in used_messages()}
    ids = [e.id if isinstance(e.id, str) else e.id[0] for e in catalog(locale) if e.id]
    stale = set(ids) - used
    assert not stale, f"{locale}: no longer used: {sorted(map(str, stale))}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalogs_compile_with_their_plural_rules(locale: str) -> None:
    compiled = translations(locale)
    assert isinstance(compiled, gettext.GNUTranslations)
    one = compiled.ngettext("%(count)s invoice", "%(count)s invoices", 1)
    many = compiled.ngettext("%(count)s invoice", "%(count)s invoices", 3)
    assert one != many and "invoice" not in one + many
    # French counts 0 as singular, German as plural.
    zero = compiled.ngettext("%(count)s invoice", "%(count)s invoices", 0)
    assert zero == (one if locale == "fr" else many)
    assert translations(locale) is compiled  # compiled once
    for name in REPORT_TEMPLATES + NOTICE_TEMPLATES:
        assert environment(locale).get_template(name) is not None


def test_other_languages_get_the_english_report() -> None:
    assert translations("pt").gettext("Top vendors") == "Top vendors"
    assert "Top vendors" in report("pt").html


def _spaced(text: str) -> str:
    # CLDR spaces numbers with no-break and narrow no-break spaces.
    return text.replace("\xa0", " ").replace("\u202f", " ")


def test_a_german_report() -> None:
    email = report("de")
    assert email.subject.startswith("Ihre Ausgaben im November 2026: ")
    for part in (email.text, email.html):
        spaced = _spaced(part)
        assert "1.234,50 €" in spaced  # Stadtwerke's invoice, in utilities
        assert "Nebenkosten" in spaced and "Lebensmittel" in spaced and "Top-Händler" in spaced
        assert "gegenüber Oktober 2026" in spaced
        assert "1 MYR = 0,2034 EUR (01.11.2026)" in spaced
        assert "Groceries" not in part and "Top vendors" not in part
    assert '<html lang="de">' in email.html
    assert "12 Rechnungen eingegangen" in email.text and "1 Rechnung muss" in email.text


def test_a_french_report() -> None:
    email = report("fr")
    assert _spaced(email.subject).startswith("Vos dépenses en novembre 2026 : ")
    for part in (email.text, email.html):
        spaced = _spaced(part)
        assert "1 234,50 €" in spaced
        assert "Courses" in spaced and "Santé" in spaced and "Principaux fournisseurs" in spaced
        assert "par rapport à octobre 2026" in spaced and "185 000 ₫" in spaced
        assert "Groceries" not in part and "Top vendors" not in part
    assert "1 doublon probable" in email.text and "12 factures reçues" in email.text


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("currency", ["EUR", "MYR", "VND", "JPY", "GBP", "CHF", "USD"])
def test_money_is_written_as_babel_writes_it(locale: str, currency: str) -> None:
    for text in ("0", "1234.5", "-1234.56", "1234567.891", "999.995", "0.05"):
        amount = Decimal(text)
        babel = format_currency(amount, currency, locale=locale)
        # The same but for CLDR's currency spacing, which Babel leaves out: "MYR 812.40".
        assert formatting.money(amount, currency, locale).replace("\xa0", "") == babel.replace(
            "\xa0", ""
        )
    assert formatting.money(Decimal("812.4"), "MYR", "en") == "MYR\xa0812.40"
    assert formatting.money(Decimal("812.4"), "EUR", "en") == "€812.40"


def test_dates_months_percentages_and_rates_by_locale() -> None:
    day = dt.date(2026, 10, 30)
    assert [formatting.month_name(2026, 11, loc) for loc in LOCALES] == [
        "November 2026",
        "November 2026",
        "novembre 2026",
    ]
    assert [formatting.date(day, loc) for loc in LOCALES] == [
        "Oct 30, 2026",
        "30.10.2026",
        "30 oct. 2026",
    ]
    assert formatting.percent(12, "en", signed=True) == "+12%"
    assert _spaced(formatting.percent(-5, "de", signed=True)) == "-5 %"
    rate = formatting.rate("MYR", Decimal("0.20340512"), day, "EUR", "fr")
    assert _spaced(rate) == "1 MYR = 0,203405 EUR (30 oct. 2026)"


def test_notices_keep_their_english_money() -> None:
    assert notifications.format_money(Decimal("1234.50"), "EUR") == "EUR 1,234.50"
