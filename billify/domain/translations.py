"""The report's words in the user's language: gettext catalogs compiled in memory from the
committed ``locale/<lang>/LC_MESSAGES/billify.po`` (the source of truth: no binary ``.mo`` in
git, no build step), and one Jinja environment per language with them installed.

English is the source language: its messages are the msgids themselves.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from importlib.resources import files

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from billify.domain.profiles import DEFAULT_LOCALE, LOCALES

DOMAIN = "billify"
SOURCE_LOCALE = "en"


def N_(message: str) -> str:
    """Marks a message for extraction, translated later (where the language is known)."""
    return message


def supported(locale: str) -> str:
    """``locale`` if emails are written in it, else the default."""
    return locale if locale in LOCALES else DEFAULT_LOCALE


def po_path(locale: str) -> str:
    return f"locale/{locale}/LC_MESSAGES/{DOMAIN}.po"


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalog of ``locale`` (English: the messages as written). Compiling reads
    and parses the .po, a few ms: once per process and language."""
    if supported(locale) == SOURCE_LOCALE or locale != supported(locale):
        return gettext.NullTranslations()
    with (files("billify.domain") / po_path(locale)).open("rb") as po:
        catalog = read_po(po, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out: they fall back to English
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@cache
def environment(locale: str) -> Environment:
    """Templates rendered in ``locale``: ``_()``, ``ngettext()`` and ``{% trans %}`` use its
    catalog. One environment per language, so concurrent reports never swap catalogs."""
    env = Environment(
        loader=PackageLoader("billify.domain", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True  # msgids without the template's line breaks
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    return env
