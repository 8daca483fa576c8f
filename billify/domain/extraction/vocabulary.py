"""Label words per language, in one table the layout rules share.

Each role lists, per language, the words a document prints as the *label* of a field (never
its value): ``Verkäufer`` heads the seller's block, ``Rechnungsnummer`` labels the invoice
number. Adding a language means adding its words here. Patterns are regular-expression
fragments, matched case-insensitively on whole words.
"""

from __future__ import annotations

import functools
import re
from enum import StrEnum

LANGUAGES = ("en", "de", "fr", "nl", "es", "it", "ms")


class Role(StrEnum):
    SELLER = "seller"  # heads the block of whoever issued the document
    BUYER = "buyer"  # heads the customer's (billed, shipped-to) block
    INVOICE_NUMBER = "invoice_number"
    TITLE = "title"  # what the document calls itself: ``Rechnung``, ``FATTURA``, ``INVOIS CUKAI``
    CREDIT_NOTE = "credit_note"  # a document title: the amounts are given back, not owed
    NAME = "name"  # the label of a party's name field: ``Name:``, ``Raison sociale:``
    CONTACT = "contact"  # a contact person's label: the person named after it is not the party
    FIELD = "field"  # other field labels inside a party block: name, address, number, ...


VOCABULARY: dict[Role, dict[str, tuple[str, ...]]] = {
    Role.SELLER: {
        "en": (
            r"seller",
            r"vendor",
            r"supplier",
            r"sold\s+by",
            r"from",
            r"issued\s+by",
            r"issuer",
            r"bill(?:ed)?\s+from",
            r"invoice\s+from",
            r"service\s+provider",
            r"payee",
            r"merchant",
        ),
        "de": (
            r"verk[äa]ufer(?:in)?",
            r"lieferant",
            r"rechnungs?steller",
            r"rechnungsersteller",
            r"absender",
            r"leistungserbringer",
            r"auftragnehmer",
            r"anbieter",
        ),
        "fr": (r"vendeur", r"fournisseur", r"[ée]metteur", r"prestataire", r"exp[ée]diteur"),
        "nl": (r"verkoper", r"leverancier", r"afzender", r"dienstverlener"),
        "es": (r"vendedor", r"proveedor", r"emisor", r"emitido\s+por"),
        "it": (r"venditore", r"fornitore", r"cedente(?:\s*/\s*prestatore)?", r"emittente"),
        "ms": (r"penjual", r"pembekal", r"daripada"),
    },
    Role.BUYER: {
        "en": (
            r"buyer",
            r"customer",
            r"client",
            r"bill(?:ed)?\s+to",
            r"ship(?:ped)?\s+to",
            r"sold\s+to",
            r"invoice\s+to",
            r"deliver(?:y|ed)?\s+to",
            r"recipient",
            r"purchaser",
            r"billing\s+address",
            r"shipping\s+address",
            r"delivery\s+address",
            r"to",
            r"attn",
        ),
        "de": (
            r"k[äa]ufer(?:in)?",
            r"kunde",
            r"kundin",
            r"rechnungsempf[äa]nger(?:in)?",
            r"leistungsempf[äa]nger(?:in)?",
            r"empf[äa]nger(?:in)?",
            r"lieferadresse",
            r"rechnungsadresse",
            r"auftraggeber(?:in)?",
            r"lieferanschrift",
            r"k[äa]ufer\s*/\s*leistungsempf[äa]nger",
        ),
        "fr": (
            r"acheteur",
            r"client",
            r"destinataire",
            r"factur[ée]\s+[àa]",
            r"livr[ée]\s+[àa]",
            r"adresse\s+de\s+(?:facturation|livraison)",
        ),
        "nl": (r"koper", r"klant", r"afnemer", r"factuuradres", r"afleveradres", r"geadresseerde"),
        "es": (r"comprador", r"cliente", r"destinatario", r"facturar\s+a", r"enviar\s+a"),
        "it": (
            r"acquirente",
            r"cliente",
            r"committente",
            r"destinatario",
            r"cessionario(?:\s*/\s*committente)?",
            r"intestatario",
        ),
        "ms": (r"pembeli", r"pelanggan", r"kepada", r"dibil\s+kepada", r"penerima"),
    },
    Role.INVOICE_NUMBER: {
        "en": (
            r"invoice\s*(?:no|number|num|nr|#|id)\.?",
            r"inv\.?\s*(?:no|number|#)\.?",
            r"credit\s*note\s*(?:no|number|#)\.?",
            r"bill\s*(?:no|number|#)\.?",
            r"document\s*(?:no|number)\.?",
        ),
        "de": (
            r"rechnungs?\s*-?\s*(?:nummer|nr)\.?",
            r"rechnung\s*(?:nr|nummer|#)\.?",
            r"gutschrift\s*(?:nr|nummer)\.?",
            r"gutschriftsnummer",
            r"beleg\s*-?\s*(?:nr|nummer)\.?",
        ),
        "fr": (
            r"facture\s*(?:n\s*[°o]|num[ée]ro)\.?",
            r"n\s*[°o]\.?\s*(?:de\s+)?facture",
            r"num[ée]ro\s+(?:de\s+)?facture",
            r"avoir\s*n\s*[°o]\.?",
        ),
        "nl": (r"factuur\s*-?\s*(?:nummer|nr|no)\.?", r"creditnota\s*(?:nummer|nr)\.?"),
        "es": (
            r"(?:n[úu]mero|n\.?\s*[°oº])\s+(?:de\s+)?factura",
            r"factura\s*(?:n\.?\s*[°oº]|no\.?)",
            r"n[úu]m\.?\s+factura",
        ),
        "it": (
            r"(?:numero|n\.?\s*[°o])\s+(?:della\s+)?fattura",
            r"fattura\s*(?:n\.?\s*[°o]?|nr\.?)",
        ),
        "ms": (r"no\.?\s*invois", r"nombor\s+invois", r"invois\s*(?:no|nombor)\.?"),
    },
    Role.TITLE: {
        "en": (
            r"(?:tax\s+|sales\s+|commercial\s+|pro-?forma\s+)?invoice",
            r"receipt",
            r"bill",
            r"statement",
        ),
        "de": (
            r"rechnung",
            r"quittung",
            r"beleg",
            r"kassenbon",
            r"abschlagsrechnung",
            r"schlussrechnung",
            r"teilrechnung",
        ),
        "fr": (r"facture", r"re[çc]u", r"ticket", r"note"),
        "nl": (r"factuur", r"kwitantie", r"bon", r"rekening"),
        "es": (r"factura", r"recibo", r"ticket", r"factura\s+simplificada"),
        "it": (r"fattura", r"ricevuta", r"scontrino", r"fattura\s+accompagnatoria"),
        "ms": (r"invois(?:\s+cukai)?", r"resit", r"bil"),
    },
    Role.CREDIT_NOTE: {
        "en": (r"credit\s*note", r"credit\s*memo", r"credit\s+invoice"),
        "de": (r"gutschrift", r"gutschriftsanzeige", r"stornorechnung", r"rechnungsstorno"),
        "fr": (r"avoir", r"facture\s+d'avoir", r"note\s+de\s+cr[ée]dit"),
        "nl": (r"creditnota", r"creditfactuur", r"credit\s*nota"),
        "es": (r"nota\s+de\s+cr[ée]dito", r"factura\s+rectificativa", r"abono"),
        "it": (r"nota\s+di\s+credito", r"nota\s+credito"),
        "ms": (r"nota\s+kredit",),
    },
    Role.CONTACT: {
        "en": (
            r"contact(?:\s+person)?",
            r"attn\.?",
            r"attention",
            r"your\s+contact",
            r"handled\s+by",
            r"sales\s*person",
        ),
        "de": (
            r"ansprechpartner(?:in)?",
            r"kontakt(?:person)?",
            r"bearbeiter(?:in)?",
            r"sachbearbeiter(?:in)?",
            r"ihr\s+ansprechpartner",
        ),
        "fr": (r"contact", r"interlocuteur", r"suivi\s+par", r"[àa]\s+l'attention\s+de"),
        "nl": (r"contactpersoon", r"t\.a\.v\.?", r"behandeld\s+door"),
        "es": (r"contacto", r"persona\s+de\s+contacto", r"atenci[óo]n"),
        "it": (r"referente", r"contatto", r"alla\s+c\.?a\.?"),
        "ms": (r"hubungi", r"untuk\s+perhatian", r"u/p"),
    },
    Role.NAME: {
        "en": (r"name", r"company(?:\s+name)?"),
        "de": (r"name", r"firma", r"firmenname"),
        "fr": (r"nom", r"raison\s+sociale"),
        "nl": (r"naam", r"bedrijfsnaam"),
        "es": (r"nombre", r"raz[óo]n\s+social"),
        "it": (r"nome", r"ragione\s+sociale", r"denominazione"),
        "ms": (r"nama",),
    },
    Role.FIELD: {
        "en": (
            r"number",
            r"no\.?",
            r"address",
            r"contact(?:\s+person)?",
            r"phone",
            r"telephone",
            r"e-?mail",
            r"vat\s*(?:id|no|number)?",
            r"tax\s*(?:id|no|number)",
            r"id",
            r"global\s+id",
            r"attention",
            r"street",
            r"city",
            r"country",
            r"bank(?:\s+details)?",
            r"payment(?:\s+terms)?",
            r"iban",
            r"bic",
            r"registered\s+office",
            r"post\s*code",
            r"zip",
            r"details",
        ),
        "de": (
            r"nummer",
            r"nr\.?",
            r"anschrift",
            r"adresse",
            r"kontakt",
            r"ansprechpartner(?:in)?",
            r"telefon",
            r"ust\.?\s*-?\s*id\.?\s*-?\s*nr\.?",
            r"steuernummer",
            r"globale\s+nummer",
            r"weitere\s+informationen",
            r"stra(?:ss|ß)e",
            r"ort",
            r"land",
            r"bearbeiter(?:in)?",
            r"bankverbindung",
            r"bank",
            r"zahlungsbedingungen",
            r"sitz(?:\s+der\s+gesellschaft)?",
        ),
        "fr": (
            r"num[ée]ro",
            r"adresse",
            r"contact",
            r"t[ée]l[ée]phone",
            r"soci[ée]t[ée]",
            r"n\s*[°o]\s*tva",
            r"siret",
            r"pays",
            r"ville",
            r"banque",
            r"coordonn[ée]es\s+bancaires",
            r"paiement",
            r"conditions\s+de\s+paiement",
            r"si[èe]ge(?:\s+social)?",
        ),
        "nl": (
            r"nummer",
            r"adres",
            r"contactpersoon",
            r"telefoon",
            r"bedrijf",
            r"land",
            r"bank",
            r"betaling(?:svoorwaarden)?",
            r"vestiging",
        ),
        "es": (
            r"n[úu]mero",
            r"direcci[óo]n",
            r"contacto",
            r"tel[ée]fono",
            r"empresa",
            r"nif",
            r"cif",
            r"pa[íi]s",
            r"banco",
            r"datos\s+bancarios",
            r"forma\s+de\s+pago",
            r"domicilio(?:\s+social)?",
        ),
        "it": (
            r"numero",
            r"indirizzo",
            r"contatto",
            r"telefono",
            r"partita\s+iva",
            r"p\.?\s*iva",
            r"paese",
            r"banca",
            r"coordinate\s+bancarie",
            r"pagamento",
            r"sede(?:\s+legale)?",
        ),
        "ms": (
            r"nombor",
            r"alamat",
            r"hubungi",
            r"telefon",
            r"syarikat",
            r"bank",
            r"pembayaran",
            r"butiran\s+bank",
        ),
    },
}


def words(role: Role) -> tuple[str, ...]:
    """Every language's patterns for ``role``, longest first (``bill to`` before ``to``)."""
    found = {p for patterns in VOCABULARY[role].values() for p in patterns}
    return tuple(sorted(found, key=len, reverse=True))


@functools.cache
def label_pattern(role: Role) -> re.Pattern[str]:
    """A label of ``role`` at the start of a text, with its colon and the rest as ``value``:
    ``Verkäufer: ACME GmbH`` -> value ``ACME GmbH``; ``Seller`` -> value ``""``."""
    alternatives = "|".join(words(role))
    return re.compile(
        rf"^\s*(?:{alternatives})(?![\w])\s*(?P<colon>[:#]|-\s)?\s*(?P<value>.*)$", re.IGNORECASE
    )


@functools.cache
def _only_labels_pattern() -> re.Pattern[str]:
    every = "|".join(w for role in Role for w in words(role))
    separator = r"[\s:/&,.\-|()]*"
    return re.compile(rf"^{separator}(?:(?:{every})(?![\w]){separator})+$", re.IGNORECASE)


def is_label_only(text: str) -> bool:
    """True when ``text`` is nothing but label words (``Seller``, ``Käufer/Leistungsempfänger``,
    ``Name:``, ``Acheteur``): a label, never a value."""
    return bool(text.strip()) and _only_labels_pattern().match(text) is not None


def is_credit_note_title(text: str) -> bool:
    """A title such as ``Gutschrift``, ``Credit note no. 12``, ``AVOIR N° A-17``: the row
    starts with a credit-note word and is short (``Avoir`` in a sentence is a verb)."""
    match = label_pattern(Role.CREDIT_NOTE).match(text)
    return match is not None and len(text.split()) <= 6


def is_contact(text: str) -> bool:
    """``Attn: Anna Berg``, ``t.a.v. Joris Jansen``, ``Alla c.a. Matteo``: a contact person,
    labelled in the same cell (a bare ``Contact`` word may start a company's name)."""
    match = label_pattern(Role.CONTACT).match(text)
    if match is None or not match["value"].strip():
        return False
    label = text[: match.start("value")]
    return bool(match["colon"]) or "." in label or "/" in label


def heading(text: str) -> tuple[Role, str] | None:
    """The party a cell heads and the value printed after its label, when the cell is a seller
    or buyer label alone (``Käufer``) or a label, a colon and a value (``Seller: ACME``);
    ``Client Services Ltd`` is a name, not a heading."""
    for role in (Role.SELLER, Role.BUYER):
        match = label_pattern(role).match(text)
        if match and (match["colon"] or not match["value"].strip()):
            return role, match["value"].strip()
    return None


class Column(StrEnum):
    """What a line-item table's column holds, read from its header cell."""

    NUMBER = "number"  # position, article or item number
    DESCRIPTION = "description"
    QUANTITY = "quantity"
    UNIT_PRICE = "unit_price"
    AMOUNT = "amount"  # the line's amount (net or gross, as printed)
    TAX_RATE = "tax_rate"


# The header words of a line-item table, per column kind and language. Kept apart from
# ``VOCABULARY``: these words (``Total``, ``Menge``, ``Description``) are column headers, not
# labels of a party block, and ``is_label_only`` must not take them for one. German compounds
# take any prefix (``Nettobetrag``, ``Positionsbetrag``, ``Artikelbeschreibung``).
ITEM_HEADER: dict[Column, dict[str, tuple[str, ...]]] = {
    Column.NUMBER: {
        "en": (
            r"no\.?",
            r"#",
            r"item\s*(?:no|#|code|id)\.?",
            r"sku",
            r"code",
            r"ref\.?",
            r"line",
            r"pos\.?",
            r"s/?n",
        ),
        "de": (
            r"pos\.?",
            r"position",
            r"art\.?\s*-?\s*nr\.?(?:-\w+\.?)?",
            r"artikel\s*-?\s*nr\.?",
            r"artikelnummer",
            r"nr\.?",
            r"referenzen",
            r"unsere\s+art\.?\s*nr\.?",
        ),
        "fr": (r"r[ée]f\.?", r"r[ée]f[ée]rence", r"code", r"n\s*[°o]", r"ligne"),
        "nl": (r"nr\.?", r"artikelnummer", r"art\.?\s*nr\.?", r"code", r"regel"),
        "es": (r"ref\.?", r"c[óo]digo", r"n\.?\s*[°ºo]", r"l[íi]nea"),
        "it": (r"cod\.?", r"codice", r"rif\.?", r"n\.?\s*[°o]", r"riga"),
        "ms": (r"bil\.?", r"no\.?", r"kod", r"nombor"),
    },
    Column.DESCRIPTION: {
        "en": (
            r"description",
            r"desc\.?",
            r"item",
            r"items",
            r"product",
            r"products",
            r"article",
            r"details",
            r"particulars",
            r"services?",
            r"goods",
        ),
        "de": (r"\w*beschreibung", r"\w*bezeichnung", r"artikel", r"leistung", r"produkt", r"text"),
        "fr": (
            r"d[ée]signation",
            r"description",
            r"libell[ée]",
            r"article",
            r"produit",
            r"prestation",
        ),
        "nl": (r"omschrijving", r"beschrijving", r"artikel", r"product", r"dienst"),
        "es": (r"descripci[óo]n", r"concepto", r"art[íi]culo", r"producto", r"detalle"),
        "it": (r"descrizione", r"articolo", r"prodotto", r"oggetto", r"servizio"),
        "ms": (r"keterangan", r"perihal", r"butiran", r"perkara", r"barang", r"item"),
    },
    Column.QUANTITY: {
        "en": (r"qty\.?", r"quantity", r"quantities", r"units", r"hours", r"hrs\.?"),
        "de": (r"menge", r"anzahl", r"anz\.?", r"stk\.?", r"st[üu]ck"),
        "fr": (r"qt[ée]\.?", r"quantit[ée]", r"qt\.?"),
        "nl": (r"aantal", r"hoeveelheid", r"aant\.?"),
        "es": (r"cantidad", r"cant\.?", r"uds\.?", r"unidades"),
        "it": (r"quantit[àa]", r"q\.\s*t[àa]\.?", r"qt[àa]\.?"),
        "ms": (r"kuantiti", r"kuan\.?", r"unit"),
    },
    Column.UNIT_PRICE: {
        "en": (r"unit\s+price", r"price", r"rate", r"unit\s+cost", r"u/?p", r"price\s+per\s+unit"),
        "de": (r"\w*preis", r"e-?preis", r"preis\s*/\s*einheit"),
        "fr": (
            r"prix\s+unitaire(?:\s+ht)?",
            r"prix(?:\s+ht)?",
            r"p\.\s*u\.?(?:\s*ht)?",
            r"pu(?:\s*ht)?",
            r"tarif",
        ),
        "nl": (r"\w*prijs", r"tarief"),
        "es": (r"precio\s+unitario", r"precio(?:\s+ud\.?)?", r"p\.\s*unit\.?", r"tarifa"),
        "it": (r"prezzo\s+unitario", r"prezzo(?:\s+un\.?)?", r"p\.\s*unit\.?", r"tariffa"),
        "ms": (r"harga\s+seunit", r"harga\s+unit", r"harga(?:\s+per\s+unit)?", r"kadar"),
    },
    Column.AMOUNT: {
        "en": (
            r"amount",
            r"amt\.?",
            r"total",
            r"line\s+total",
            r"sub\s*-?total",
            r"net\s+amount",
            r"sum",
            r"value",
            r"ext(?:ended|\.)?\s*(?:price|amount)?",
            r"total\s+price",
        ),
        "de": (r"\w*betrag", r"gesamt\w*", r"\w*summe", r"entgelt", r"\w*wert", r"endpreis"),
        "fr": (r"montant(?:\s+ht|\s+ttc)?", r"total(?:\s+ht|\s+ttc)?", r"prix\s+total", r"valeur"),
        "nl": (r"\w*bedrag", r"totaal", r"subtotaal", r"waarde"),
        "es": (r"importe", r"total", r"subtotal", r"valor"),
        "it": (r"importo", r"totale", r"valore", r"imponibile"),
        "ms": (r"jumlah(?:\s+harga)?", r"amaun"),
    },
    Column.TAX_RATE: {
        "en": (r"vat(?:\s*%|\s+rate)?", r"tax(?:\s*%|\s+rate)?", r"gst", r"%"),
        "de": (r"ust\.?", r"mwst\.?", r"\w*steuer\w*", r"st\.?\s*-?\s*satz"),
        "fr": (r"tva", r"taux"),
        "nl": (r"btw",),
        "es": (r"iva", r"impuesto"),
        "it": (r"iva", r"aliquota", r"imposta"),
        "ms": (r"cukai", r"sst", r"gst"),
    },
}


@functools.cache
def _item_header_patterns() -> tuple[tuple[Column, re.Pattern[str]], ...]:
    found = []
    for column, per_language in ITEM_HEADER.items():
        every = {p for patterns in per_language.values() for p in patterns}
        alternatives = "|".join(sorted(every, key=len, reverse=True))
        pattern = re.compile(rf"(?<![\w#%])(?:{alternatives})(?![\w])", re.IGNORECASE)
        found.append((column, pattern))
    return tuple(found)


def item_column(text: str) -> Column | None:
    """The kind of line-item column a header cell names (``Einzelpreis`` -> unit price,
    ``Positionsbetrag ohne USt.`` -> amount, ``VAT amount`` -> tax): the word found first in the
    cell decides; at the same place the tax rate wins over the amount (``Steuerbetrag``)."""
    best: tuple[int, int, Column] | None = None
    priority = (
        Column.TAX_RATE,
        Column.AMOUNT,
        Column.UNIT_PRICE,
        Column.QUANTITY,
        Column.NUMBER,
        Column.DESCRIPTION,
    )
    for column, pattern in _item_header_patterns():
        match = pattern.search(text)
        if match is None:
            continue
        key = (match.start(), priority.index(column), column)
        if best is None or key[:2] < best[:2]:
            best = key
    return None if best is None else best[2]
