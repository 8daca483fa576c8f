"""Label words per language, in one table the field rules share (``VOCABULARY``).

The table is keyed by concept, then by language: a party or document label (``Role``: the
heading ``Verkäufer`` of the seller's block, the label ``Rechnungsnummer``), a line-item column
(``Column``: the header ``Einzelpreis``) or a term the rules look for inside a row (``Term``:
``Gesamtbetrag``, ``MwSt``, ``Lieferdatum``, ``Kunde``). Every entry is a regular-expression
fragment, matched case-insensitively; a pattern listed for two languages counts once.
Adding a language means adding its entries here: the rules (``labels``, ``fields``, ``dates``,
``identifiers``, ``vendor``, ``layout``, ``items``, ``currency``) read their words from this
table (``alternatives``, ``words``) and keep only what is written in no language (anchors,
separators, digits).
"""

from __future__ import annotations

import functools
import re
from enum import StrEnum

LANGUAGES = ("en", "de", "fr", "nl", "es", "it", "ms")


class Role(StrEnum):
    """A label of a party block or of the document. Its patterns are whole words at the start
    of a cell (``label_pattern``), and a cell of nothing but them is a label, never a value
    (``is_label_only``)."""

    SELLER = "seller"  # heads the block of whoever issued the document
    BUYER = "buyer"  # heads the customer's (billed, shipped-to) block
    INVOICE_NUMBER = "invoice_number"
    TITLE = "title"  # what the document calls itself: ``Rechnung``, ``FATTURA``, ``INVOIS CUKAI``
    CREDIT_NOTE = "credit_note"  # a document title: the amounts are given back, not owed
    NAME = "name"  # the label of a party's name field: ``Name:``, ``Raison sociale:``
    CONTACT = "contact"  # a contact person's label: the person named after it is not the party
    FIELD = "field"  # other field labels inside a party block: name, address, number, ...


class Column(StrEnum):
    """What a line-item table's column holds, read from its header cell."""

    NUMBER = "number"  # position, article or item number
    DESCRIPTION = "description"
    QUANTITY = "quantity"
    UNIT_PRICE = "unit_price"
    AMOUNT = "amount"  # the line's amount (net or gross, as printed)
    TAX_RATE = "tax_rate"


class Term(StrEnum):
    """Words the field rules look for inside a row's text (amount labels, date labels, ...).

    A term's patterns are searched anywhere in the text unless its comment says *whole words*
    (its rule then puts them between word boundaries). ``{total}`` in a pattern stands for
    every pattern of ``Term.TOTAL`` (as a group): ``{total}\\s*brutto``.
    """

    # -- amounts (labels.py: what a label next to an amount means) --
    TOTAL = "total"  # the word "total" in every language (and as OCR misreads it)
    GRAND_TOTAL = "grand_total"  # a total label that names the document's total for sure
    ROUNDED_TOTAL = "rounded_total"  # the total after rounding: what was paid
    PAID_INCLUDING_TAX = "paid_including_tax"  # ``Amount paid incl. GST``: the total
    NET_AMOUNT = "net_amount"  # ``Nett amt``: the total on a Malaysian receipt
    SUBTOTAL = "subtotal"
    DUE = "due"  # the amount still to pay
    TAX = "tax"  # the tax's name: ``GST``, ``MwSt``, ``TVA``
    TAX_INCLUDED = "tax_included"  # ``includes 6% GST``: the tax inside a total
    TAX_ID = "tax_id"  # a tax registration or a ``Tax invoice`` title, not a tax amount
    ID_SUFFIX = "id_suffix"  # what follows a tax's name in a registration label (``VAT no``)
    INCLUDING = "including"  # ``incl.``, ``TTC``: with the tax
    EXCLUDING = "excluding"  # ``excl.``, ``HT``, ``ohne``: before the tax
    COUNT = "count"  # a quantity or a number of items, not money
    CHANGE = "change"  # the change given back
    TENDERED = "tendered"  # whole words: what the customer handed over (cash, card)
    PREPAID = "prepaid"  # whole words: paid before (a deposit), not the total
    ROUNDING = "rounding"  # the rounding adjustment
    DISCOUNT = "discount"  # a discount (or a surcharge): not a total
    # -- dates (fields.py, dates.py) --
    DATE = "date"  # whole words: the label of the document's date
    OTHER_DATE = "other_date"  # starts a word: a date that is not the document's (due, delivery)
    ORDER = "order"  # starts a word: an order's date, less likely the document's
    DAY_FIRST = "day_first"  # whole words of languages that write dates day first
    # -- numbers (identifiers.py) --
    DOCUMENT_NUMBER = "document_number"  # the document's own number, besides Role.INVOICE_NUMBER
    NUMBERED = "numbered"  # what a weak number label names: ``Order no``, ``Ref #``
    WEAK_NUMBER = "weak_number"  # a label that may give the document's number, or another's
    DATE_HEADER = "date_header"  # a date column next to a number label: ``Invoice No | Date``
    # -- the seller's name (vendor.py) --
    SELLER_LABEL = "seller_label"  # names the seller on its row: ``Sold by: ACME``
    SELLER_OPENING = "seller_opening"  # names the seller at the start of a row only: ``From``
    SELLER_HEADING = "seller_heading"  # a row of its own over the seller's block
    OWNER = "owner"  # ``Owned by``: the company that owns the shop named above
    CUSTOMER = "customer"  # starts the customer's block: its rows are not the seller's
    SALUTATION = "salutation"  # whole words: ``Herrn`` opens a person's (the customer's) address
    NOT_A_NAME = "not_a_name"  # a row with one of these is a label or a notice, not a name
    HEADER_END = "header_end"  # whole words: the document's header (where names are) ends here
    TRAILING_TITLE = "trailing_title"  # whole words: a title printed after the name
    TITLE_QUALIFIER = "title_qualifier"  # a word before a generic title: ``Simplified``
    GENERIC_TITLE = "generic_title"  # a title that is no name: ``Tax invoice``, ``Rechnung``
    LEGAL_NOTICE = "legal_notice"  # a company's legal notice: its registration, capital, court
    LEGAL_TAIL = "legal_tail"  # where a legal notice continues a name: ``ACME SAS au capital``
    REGISTRATION = "registration"  # the label of a company or tax registration number
    COMPANY_NUMBER = "company_number"  # a company number printed after the name (``Co. Reg``)
    ADDRESS_END = "address_end"  # a contact or registration label: the address is over
    # -- line items (items.py) and currency (currency.py) --
    ITEM_HEADER = "item_header"  # whole words of a receipt's item header row
    NOTE = "note"  # starts a note on an item's amount: ``Enthält 19% ...``, not a total
    CURRENCY = "currency"  # whole words: the label of the document's currency field


# A concept of the vocabulary: a party or document label, a line-item column, a term.
Concept = Role | Column | Term

VOCABULARY: dict[Concept, dict[str, tuple[str, ...]]] = {
    # -- party blocks and document labels (layout.py, vendor.py, identifiers.py) -----------
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
    # The header words of a line-item table, per column kind and language (the ``Column`` rows
    # of the table) are column headers (``Total``, ``Menge``, ``Description``), not labels of a
    # party block: ``is_label_only`` does not take them for one. German compounds take any
    # prefix (``Nettobetrag``, ``Positionsbetrag``, ``Artikelbeschreibung``).
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
    # -- amounts (labels.py) ---------------------------------------------------------------
    Term.TOTAL: {
        "en": (  # "total" as OCR reads it (``TOTAI``, ``IUIAL``, ``1otal``); also fr, es, de
            r"t\s?[o0]\s?t\s?a\s?[l1it]",
            r"\b[i1]\s?[u0]\s?[i1]\s?a\s?[l1]\b",
            r"\b[lf1][o0]tal\b",
        ),
        "de": (r"gesamt", r"summe", r"betrag"),
        "fr": (r"montant",),
        "nl": (r"totaal",),
        "es": (r"importe",),
        "it": (r"importo",),
        "ms": (r"jumlah",),
    },
    Term.GRAND_TOTAL: {
        "en": (
            r"grand\W*{total}",
            r"{total}\W*(?:amount|amt|payable|due|sales|to\s+pay)",
            r"invoice\s+total",
            r"total\s+(?:for|of)\s+this",
            r"amount\s+payable",
            r"\ba[mn]ount\s+{including}\.?\s*{tax}",  # ``Amount incl. GST``
        ),
        "de": (
            r"gesamtbetrag",
            r"endbetrag",
            r"rechnungsbetrag",
            r"bruttobetrag",
            r"bruttosumme",
            r"gesamtsumme",
            r"endsumme",
            r"rechnungssumme",
            r"{total}\s*brutto",
        ),
        "fr": (r"montant\s+ttc", r"total\s+ttc"),
        "nl": (r"totaal\s*(?:te\s+betalen)?", r"totaalbedrag"),
        "es": (r"importe\s+total", r"total\s+factura"),
        "it": (r"totale\s+(?:fattura|documento|complessivo)",),
        "ms": (r"jumlah\s+(?:besar|keseluruhan)",),
    },
    Term.ROUNDED_TOTAL: {
        "en": (
            r"{total}\W*(?:after\s+)?round",
            r"round(?:ed|ing)?\W*{total}",
            r"{total}.*\bafter\s+(?:adj|round)",
            r"\bnett?\W*{total}",
            r"{total}\W*nett?\b",
        ),
    },
    Term.PAID_INCLUDING_TAX: {
        "en": (r"\b(?:amt|amount)\s+paid\b.*{including}\W*{tax}",),
    },
    Term.NET_AMOUNT: {
        "en": (r"\bnett?\s*am(?:oun)?t\b",),
    },
    Term.SUBTOTAL: {
        "en": (r"sub\W?[ti1]\s?[o0u]\s?[ti1]\s?al", r"\bsubtot", r"taxable", r"tax\s*base"),
        "de": (
            r"zwischensumme",
            r"nettobetrag",
            r"\bnetto\b",
            r"steuerbasis",
            r"positionssumme",
            r"summe\s+(?:der\s+)?positionen",
            r"warenwert",
        ),
        "fr": (r"montant\s+ht", r"total\s+ht"),
        "nl": (r"sub\W?totaal", r"nettobedrag"),
        "es": (r"base\s+imponible", r"importe\s+neto", r"total\s+neto"),
        "it": (r"imponibile", r"totale\s+netto"),
        "ms": (r"jumlah\s+kecil", r"subjumlah", r"jumlah\s+sebelum"),
    },
    Term.DUE: {
        "en": (
            r"amount\s+due",
            r"balance\s+due",
            r"\bdue\b",
            r"payable",
            r"to\s+pay",
            r"balance\s+to",
            r"residual",
            r"remaining\s+(?:balance|amount)",
        ),
        "de": (r"zu\s+zahlen", r"zahlbetrag", r"restbetrag"),
        "fr": (r"[àa]\s+payer", r"reste\s+[àa]\s+payer"),
        "nl": (r"te\s+betalen", r"openstaand"),
        "es": (r"a\s+pagar",),
        "it": (r"da\s+pagare", r"a\s+pagare"),
        "ms": (r"perlu\s+dibayar", r"jumlah\s+(?:perlu\s+)?dibayar"),
    },
    Term.TAX: {
        "en": (r"gst", r"vat", r"tax"),
        "de": (r"mwst", r"m\.?w\.?st", r"ust\b", r"umsatzsteuer", r"mehrwertsteuer"),
        "fr": (r"tva",),
        "nl": (r"btw",),
        "es": (r"\biva\b", r"impuesto"),
        "it": (r"\biva\b", r"imposta"),
        "ms": (r"sst", r"cukai", r"pajak"),
    },
    Term.TAX_INCLUDED: {
        "en": (
            r"includ(?:es|ed)\b.*{tax}",
            r"%.*{tax}\s+includ",
            r"\binc\.?\s*\d+(?:\.\d+)?\s*%\s*{tax}",  # ``INC 6% GST``
        ),
    },
    Term.TAX_ID: {
        "en": (r"tax\s+invoice", r"(?:gst|tax|vat)\W*{id_suffix}\b", r"\bgstin\b"),
        "de": (r"ust\W*{id_suffix}\b", r"\bust-?id"),
        "fr": (r"tva\W*{id_suffix}\b",),
        "nl": (r"btw\W*{id_suffix}\b",),
        "ms": (r"sst\W*{id_suffix}\b",),
    },
    Term.ID_SUFFIX: {
        "en": (r"id", r"no", r"reg", r"number", r"registration", r"summary"),
        "de": (r"nr",),
    },
    Term.INCLUDING: {
        "en": (
            r"[il1]ncl",
            r"inclusive",
            r"including",
            r"inc\.",
            r"after",
            r"w/\s?(?:gst|tax)",
            r"with\s+(?:gst|tax)",
        ),
        "de": (r"inkl",),
        "fr": (r"ttc",),
    },
    Term.EXCLUDING: {
        "en": (  # ``excl``, ``excluding``, and the Dutch ``exclusief``
            r"excl(?:uded|uding|usive|usief)?\b",
            r"before",
            r"w/o",
            r"without",
            r"net\s+of",
        ),
        "de": (r"exkl", r"ohne"),
        "fr": (r"ht\b", r"sans"),
        "nl": (r"zonder",),
        "es": (r"sin\s+iva",),
        "it": (r"senza\s+iva",),
        "ms": (r"sebelum\s+cukai",),
    },
    Term.COUNT: {
        "en": (
            r"\b(?:qty|quantity|items?|pcs|units?|no\.?\s*of|item\s*count)\b",
            r"\bitem\(s\)",
            r"qty\(s\)",
        ),
        "de": (r"\bmenge\b",),
        "nl": (r"\baantal\b",),
        "ms": (r"\bbil\.?\s*item\b",),
    },
    Term.CHANGE: {
        "en": (r"\bchange\b", r"\bchg\b", r"^\W*ch\W*$"),
        "de": (r"r[üu]ckgeld",),
        "fr": (r"rendu",),
        "nl": (r"wisselgeld",),
        "es": (r"\bcambio\b", r"\bresto\b", r"\bvuelto\b"),
        "it": (r"\bresto\b",),
        # ``Baki`` is the change on a Malay receipt, but ``Baki perlu dibayar`` the balance due
        "ms": (r"\bbaki\b(?!\s+(?:perlu|tertunggak|akaun))", r"kembali"),
    },
    Term.TENDERED: {
        "en": (
            r"cash",
            r"tendered",
            r"tender",
            r"paid",
            r"payment",
            r"card",
            r"visa",
            r"master\s?card",
            r"mastercard",
            r"amex",
            r"debit",
            r"credit\s*card",
            r"e-?wallet",
            r"received",
            r"accepted",
        ),
        "de": (r"bezahlt", r"gegeben"),
        "fr": (r"esp[eè]ces", r"pay[eé]"),
        "nl": (r"betaald", r"contant", r"pin"),
        "es": (r"pagado", r"efectivo", r"tarjeta"),
        "it": (r"pagato", r"contanti", r"carta"),
        "ms": (r"tunai", r"bayar", r"kad"),
    },
    Term.PREPAID: {
        "en": (r"prepaid", r"paid\s+amount", r"amount\s+paid", r"already\s+paid", r"deposit"),
        "de": (r"anzahlung", r"bereits\s+(?:bezahlt|gezahlt)", r"vorauszahlung"),
        "fr": (r"acompte", r"d[ée]j[àa]\s+(?:pay[ée]|r[ée]gl[ée])"),
        "nl": (r"reeds\s+betaald", r"vooruitbetaald", r"aanbetaling"),
        "es": (r"anticipo", r"pagado\s+a\s+cuenta", r"a\s+cuenta"),
        "it": (r"acconto", r"gi[àa]\s+pagato", r"anticipo"),
        "ms": (r"wang\s+pendahuluan", r"sudah\s+dibayar"),
    },
    Term.ROUNDING: {
        "en": (r"round", r"\badj(?:ustment)?\b"),
        "de": (r"rundung",),
        "fr": (r"arrondi",),
        "nl": (r"afronding",),
        "ms": (r"pembundaran",),
    },
    Term.DISCOUNT: {
        "en": (r"disc", r"saving", r"voucher", r"coupon", r"promo", r"allowance"),
        # ``Gesamtbetrag der Zuschläge``: the sum of the surcharges, not a total
        "de": (r"rabatt", r"abschl[äa]g", r"zuschl[äa]g"),
        "fr": (r"remise",),
        "nl": (r"korting",),
    },
    # -- dates (fields.py, dates.py) -------------------------------------------------------
    Term.DATE: {
        "en": (r"date", r"dated", r"issued", r"invoice\s+date"),
        "de": (r"datum", r"vom", r"rechnungsdatum", r"belegdatum"),
        "fr": (r"date", r"du", r"le", r"date\s+de\s+(?:la\s+)?facture"),
        "nl": (r"datum", r"factuurdatum"),
        "es": (r"fecha", r"fecha\s+(?:de\s+)?factura"),
        "it": (r"data", r"data\s+(?:documento|fattura)"),
        "ms": (r"tarikh", r"tgl", r"tarikh\s+invois"),
    },
    Term.OTHER_DATE: {
        "en": (
            r"due",
            r"expir",
            r"exp\.?",
            r"valid",
            r"until",
            r"deliver",
            r"period",
            r"birth",
            r"check\s*-?out",
            r"payment\s+due",
            # the revision of a form or a standard, not of the document: ``Version 2.1 of ...``
            r"version",
            r"\brev\.",
            # since when a customer, a registration or a company exists
            r"\bsince\b",
            r"registered",
            r"founded",
            r"customer\s+since",
        ),
        "de": (
            r"f[äa]llig",
            r"bis",
            r"liefer",
            r"periode",
            r"zeitraum",
            r"zahlungsziel",
            r"\bstand\b",  # ``Stand 01.2024``: the version of a form
            r"\bseit\b",
            r"eingetragen",
            r"gegr[üu]ndet",
            r"kunde\s+seit",
        ),
        "fr": (
            r"[ée]ch[ée]ance",
            r"limite",
            r"livraison",
            r"p[ée]riode",
            r"pr[ée]l[èe]vement",
            r"depuis",
            r"immatricul",
            r"inscrit",
        ),
        "nl": (r"verval", r"levering", r"periode"),
        "es": (r"limite", r"\bdesde\b"),
        "it": (r"limite", r"\bdal\b", r"iscritt"),
        "ms": (r"\bsejak\b",),
    },
    Term.ORDER: {
        "en": (r"order",),
        "de": (r"bestell",),
        "fr": (r"commande",),
        "nl": (r"bestel",),
    },
    Term.DAY_FIRST: {
        "de": (r"rechnung", r"datum", r"betrag"),
        "fr": (r"facture", r"montant"),
        "nl": (r"factuur", r"bedrag"),
        "es": (r"factura", r"fecha"),
        "it": (r"fattura", r"importo"),
        "ms": (r"tarikh", r"jumlah"),
    },
    # -- numbers (identifiers.py) ----------------------------------------------------------
    Term.DOCUMENT_NUMBER: {
        # German compounds that name the kind of invoice before the number:
        # ``Versicherungsrechnung (575) Nr.``
        "de": (r"\w*rechnung\w*(?:\s+de[sr]\s+\w+)?\s*(?:\(\d{3}\)\s*)?(?:nr\b|nummer|#)\.?",),
        "en": (r"receipt\s*(?:no|number|#)\.?",),
    },
    Term.NUMBERED: {
        "en": (
            r"doc(?:ument)?",
            r"trans(?:action)?",
            r"ref(?:erence)?",
            r"order",
            r"slip",
            r"cash\s*bill",
            r"ticket",
            r"check",
            r"chk",
            r"booking",
            r"reservation",
            r"confirmation",
        ),
        "ms": (r"no\.?\s*resit", r"resit"),
    },
    Term.WEAK_NUMBER: {
        "en": (r"\binv\b\.?", r"^\s*(?:tax\s+)?invoice\b(?=\s+[A-Za-z]*[/_-]?\d)"),
        "de": (r"beleg\s*-?\s*(?:nr|nummer)\.?",),
        "fr": (r"\bfacture\b",),
        "nl": (r"\bfactuur\b",),
        "es": (r"\bfactura\b",),
        "it": (r"\bfattura\b",),
        "ms": (r"\binvois\b",),
    },
    Term.DATE_HEADER: {
        "en": (r"date", r"of", r"dated"),
        "de": (r"datum", r"vom"),
        "fr": (r"du",),
    },
    # -- the seller's name (vendor.py) -----------------------------------------------------
    Term.SELLER_LABEL: {
        "en": (
            r"sold\s*by",
            r"seller",
            r"vendor",
            r"supplier",
            r"service\s*provider",
            r"issued\s*by",
            r"payable\s+to",
            r"in\s+favou?r\s+of",
        ),
        "de": (r"verk[äa]ufer", r"lieferant"),
        "fr": (r"fournisseur", r"vendeur", r"titulaire\s+du\s+compte"),
        "nl": (r"leverancier",),
    },
    Term.SELLER_OPENING: {
        "en": (r"from",),
    },
    Term.SELLER_HEADING: {
        "en": (
            r"sold\s*by",
            r"seller",
            r"vendor",
            r"supplier",
            r"from",
            r"bill(?:ed)?\s*from",
            r"invoice\s*from",
            r"issuer",
        ),
        "de": (r"verk[äa]ufer", r"lieferant", r"rechnungs?e?r?steller", r"absender"),
        "fr": (r"fournisseur", r"vendeur", r"[ée]metteur"),
        "nl": (r"leverancier",),
    },
    Term.OWNER: {
        "en": (r"\b(?:owned|operated|managed|franchised)\s+by\b",),
        "ms": (r"\bmilik\b",),
    },
    Term.CUSTOMER: {
        "en": (
            r"bill(?:ed)?\s*to",
            r"ship(?:ped)?\s*to",
            r"sold\s*to",
            r"invoice\s*to",
            r"deliver(?:y|ed)?\s*to",
            r"customer",
            r"client",
            r"attn",
            r"buyer",
            r"recipient",
            r"billing\s+address",
            r"shipping\s+address",
        ),
        "de": (r"kunde", r"rechnungsempf", r"lieferadresse"),
        "fr": (
            r"client",
            r"factur[ée]\s*[àa]",
            r"adresse\s+de\s+(?:facturation|livraison)",
            r"nom\s+de\s+l",
        ),
        "nl": (r"factuuradres", r"afleveradres", r"t\.a\.v\."),
    },
    Term.SALUTATION: {
        "de": (r"herrn?", r"frau"),
        "fr": (r"monsieur", r"madame", r"mme"),
        "nl": (r"dhr", r"mevr"),
    },
    Term.NOT_A_NAME: {
        "en": (
            r"tax\s*invoice",
            r"\binvoice\b",
            r"\bin[vu][o0]?i?ce\b",
            r"\breceipt\b",
            r"cash\s*bill",
            r"\bbill\b",
            r"welcome",
            r"thank",
            r"tel\b",
            r"\btel[:.]",
            r"phone",
            r"fax",
            r"e-?mail",
            r"gst",
            r"\bvat\b",
            r"reg\b",
            r"\bno\s*[:.]",
            r"\bdate\b",
            r"\btime\b",
            r"cashier",
            r"counter",
            r"\bpage\b",
            r"\border\b",
            r"order\s+number",
            r"table\b",
            r"hours",
            r"opening",
            r"copy",
            r"original",
            r"duplicate",
            r"member",
            r"customer",
            r"\bcash\b(?!\s*(?:&|and))",
            r"change",
            r"total",
            r"rounding",
            r"amount",
            r"\bqty\b",
            r"discount",
            r"subtotal",
            r"\bitem",
            r"\bprice\b",
            r"returnable",
            r"voucher",
            r"redeem",
            r"points",
            r"expir",
            r"goods\s+sold",
            r"visit",
            r"served",
            r"survey",
            r"operated\s+by",
            r"\baddress\b",
        ),
        "de": (r"seite", r"rechnung", r"kunde", r"\banschrift\b", r"\badresse\b"),
        "fr": (r"facture", r"\badresse\b"),
        "nl": (r"factuur", r"klant", r"\bbtw\b"),
        "ms": (r"\bsst\b",),
    },
    Term.HEADER_END: {
        "en": (
            r"tax\s+invoice",
            r"invoice",
            r"receipt",
            r"cash\s*bill",
            r"bill\s*no",
            r"date",
            r"qty",
            r"description",
        ),
    },
    Term.TRAILING_TITLE: {
        "en": (r"tax\s+invoice", r"invoice", r"receipt"),
        "de": (r"rechnung",),
        "fr": (r"facture",),
        "nl": (r"factuur",),
    },
    Term.TITLE_QUALIFIER: {
        "en": (
            r"simplified",
            r"official",
            r"retail",
            r"payment",
            r"sales",
            r"cash",
            r"tax",
            r"copy",
            r"original",
            r"full",
            r"proforma",
            r"pro-forma",
            r"commercial",
            r"credit",
            r"debit",
        ),
        "de": (r"kopie",),
    },
    Term.GENERIC_TITLE: {
        "en": (r"invoices?", r"receipts?", r"bills?", r"note", r"memo"),
        "de": (r"rechnung",),
        "fr": (r"facture",),
        "nl": (r"factuur",),
    },
    Term.LEGAL_NOTICE: {
        "en": (r"capital", r"registered\s+office", r"regd\.?", r"copyright", r"all\s+rights"),
        "de": (
            r"handelsregister",
            r"registergericht",
            r"\bhrb\b",
            r"vorstand",
            r"gesch[äa]ftsf[üu]hr",
        ),
        "fr": (r"\brcs\b", r"siret", r"siège"),
        "nl": (r"\bkvk\b",),
    },
    Term.LEGAL_TAIL: {
        "en": (
            r"with\s+a\s+share",
            r"share\s+capital",
            r"registered\s+in",
            r"fka\b",
            r"formerly\b",
            r"\(?f\.?k\.?a\.?\)?\s",
        ),
        "de": (r"sitz\b",),
        "fr": (r"au\s+capital", r"rcs\b", r"siret", r"capital\s+social"),
    },
    Term.REGISTRATION: {
        "en": (
            r"\bco\.?\s*-?\s*reg",
            r"co[mn]pany\s*(?:no|reg)",
            r"\bco\.?\s*no\b",
            r"\broc\b",
            r"\b(?:gst|vat|tax)\s*(?:id|reg|no)",
        ),
        "de": (r"\bust-?id",),
        "fr": (r"\bsiret\b",),
        "nl": (r"\bkvk\b", r"\bbtw\b"),
        "ms": (r"\bsst\s*(?:id|reg|no)",),
    },
    Term.COMPANY_NUMBER: {
        "en": (r"co\.?\s*-?\s*(?:reg|no)", r"company\s*(?:no|reg)", r"roc"),
    },
    Term.ADDRESS_END: {
        "en": (r"tel", r"fax", r"phone", r"gst", r"vat", r"reg\b", r"invoice", r"receipt"),
    },
    # -- line items (items.py) and currency (currency.py) ----------------------------------
    Term.ITEM_HEADER: {
        "en": (
            r"description",
            r"desc",
            r"item",
            r"product",
            r"qty",
            r"quantity",
            r"price",
            r"amount",
        ),
        "de": (r"artikel", r"beschreibung", r"menge", r"preis", r"betrag"),
        "fr": (r"d[ée]signation", r"prix", r"montant"),
        "nl": (r"artikel", r"omschrijving", r"aantal", r"prijs", r"bedrag"),
    },
    Term.NOTE: {
        "en": (r"includes", r"including", r"inclusive", r"contains"),
        "de": (r"enth[äa]lt",),
        "fr": (r"dont",),
        "nl": (r"inclusief", r"bevat"),
        "es": (r"incluye", r"incluido", r"comprende"),
        "it": (r"compreso", r"inclusa", r"comprende"),
        "ms": (r"termasuk",),
    },
    Term.CURRENCY: {
        "en": (r"currency",),
        "de": (r"w[äa]hrung",),
        "fr": (r"devise",),
        "nl": (r"valuta", r"munt"),
        "es": (r"moneda",),
        "it": (r"valuta",),
    },
}

_REFERENCE = re.compile(r"\{([a-z_]+)\}")


@functools.cache
def alternatives(concept: Concept) -> str:
    """Every language's patterns for ``concept``, in the table's order, joined as regular
    expression alternatives (``a|b|c``); a ``{term}`` in a pattern becomes the group of that
    term's alternatives: ``(?:...)``."""
    every = dict.fromkeys(p for per_language in VOCABULARY[concept].values() for p in per_language)
    return "|".join(_REFERENCE.sub(_expanded, pattern) for pattern in every)


def _expanded(reference: re.Match[str]) -> str:
    return f"(?:{alternatives(Term(reference[1]))})"


def term_pattern(term: Term, template: str = "{}") -> re.Pattern[str]:
    """``term``'s alternatives as a case-insensitive pattern, as a group where ``template``
    has ``{}``: ``term_pattern(Term.DATE, r"\\b{}\\b")`` finds whole words."""
    return re.compile(template.replace("{}", f"(?:{alternatives(term)})"), re.IGNORECASE)


def words(role: Role) -> tuple[str, ...]:
    """Every language's patterns for ``role``, longest first (``bill to`` before ``to``), then
    alphabetical: the same order in every process, whatever the hash seed."""
    found = {p for patterns in VOCABULARY[role].values() for p in patterns}
    return tuple(sorted(found, key=lambda pattern: (-len(pattern), pattern)))


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


@functools.cache
def _item_header_patterns() -> tuple[tuple[Column, re.Pattern[str]], ...]:
    found = []
    for column in Column:
        every = {p for patterns in VOCABULARY[column].values() for p in patterns}
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
