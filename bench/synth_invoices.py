"""Deterministic synthetic invoice PDFs with known ground truth.

usage: python bench/synth_invoices.py OUT_DIR [--per-family N] [--seed S]

Writes OUT_DIR/pdf/NNN-family-lang.pdf and OUT_DIR/manifest.jsonl (the row format of
../shared/data/einvoice-rerender-text). Each layout family is its own ``layout_group``
(``synth-<family>``), so an extractor can be scored leave-one-layout-out: written against some
families, measured on the others. Labels are what the page prints: ``vendor`` is the seller's
name with its company form, ``total`` the gross grand total (negative for credit notes whatever
sign the page shows), ``amount_due`` what remains to pay (``Amount due``; a receipt's cash
tendered is a distractor), ``date`` the invoice date. ``printed`` repeats those fields exactly as
they occur in the text layer, as span targets for a learned ranker.

Same seed, same bytes: every document draws from its own ``random.Random`` seeded with
(seed, index), and reportlab runs in invariant mode (no timestamps, no random document ids).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

LANGS = ("en", "de", "fr", "nl", "es", "it", "ms")
CENT = Decimal("0.01")
RECEIPT_WIDTH = 226.77  # 80 mm till roll

# One alternative per key is chosen per document ("|" separates alternatives).
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "seller": "Seller|Supplier|Vendor|From",
        "buyer": "Buyer|Customer|Bill to|Invoice to",
        "invoice": "Invoice|INVOICE|Tax Invoice",
        "credit": "Credit note|CREDIT NOTE",
        "number": "Invoice no.|Invoice number|Invoice #|Invoice No",
        "credit_number": "Credit note no.|Credit note number",
        "date": "Date|Invoice date|Date of issue",
        "due": "Due date|Payment due",
        "delivery": "Delivery date|Date of supply",
        "order": "Order no.|Your order|PO number",
        "customer_no": "Customer no.|Account no.",
        "since": "Customer since",
        "vat_id": "VAT ID|VAT Reg. No.|VAT number",
        "attn": "Attn:",
        "desc": "Description|Item",
        "qty": "Qty|Quantity",
        "unit": "Unit price|Price",
        "amount": "Amount|Line total",
        "rate": "VAT %|Tax rate",
        "net": "Net amount|Subtotal",
        "vat": "VAT|Tax",
        "on": "on",
        "total": "Total|Invoice total|Grand total",
        "due_amount": "Amount due|Balance due",
        "prepaid": "Prepaid|Deposit|Paid in advance",
        "paid": "Paid",
        "cash": "Cash",
        "change": "Change",
        "from": "From:",
        "to": "To:|Bill to:",
        "name": "Name",
        "address": "Address",
        "phone": "Phone|Tel.",
        "bank": "Bank details|Bank",
        "director": "Director|Managing director",
        "registered": "Registered on|Incorporated",
        "page": "Page",
        "terms": "Payment due within {n} days.|Please pay within {n} days.",
        "thanks": "Thank you for your business.",
        "continued": "Continued on next page",
        "document": "Document|Invoice details",
        "items": "Items|Line items",
        "totals": "Totals|Summary",
    },
    "de": {
        "seller": "Verkäufer|Lieferant|Rechnungssteller",
        "buyer": "Käufer|Rechnungsempfänger|Kunde",
        "invoice": "Rechnung|RECHNUNG",
        "credit": "Gutschrift|GUTSCHRIFT",
        "number": "Rechnungsnummer|Rechnung Nr.|Rechnungs-Nr.",
        "credit_number": "Gutschrift Nr.|Gutschriftsnummer",
        "date": "Rechnungsdatum|Datum",
        "due": "Fällig am|Zahlungsziel",
        "delivery": "Lieferdatum|Leistungsdatum",
        "order": "Bestellnummer|Ihre Bestellung|Auftragsnr.",
        "customer_no": "Kundennummer|Kunden-Nr.",
        "since": "Kunde seit",
        "vat_id": "USt-IdNr.|USt-ID",
        "attn": "z. Hd.",
        "desc": "Bezeichnung|Beschreibung|Artikel",
        "qty": "Menge|Anzahl",
        "unit": "Einzelpreis|E-Preis",
        "amount": "Betrag|Gesamtpreis",
        "rate": "USt.|MwSt.-Satz",
        "net": "Nettobetrag|Summe netto|Zwischensumme",
        "vat": "USt.|MwSt.|Umsatzsteuer",
        "on": "auf",
        "total": "Gesamtbetrag|Bruttobetrag|Rechnungsbetrag|Gesamtsumme",
        "due_amount": "Zahlbetrag|Offener Betrag|Zu zahlen",
        "prepaid": "Anzahlung|Bereits bezahlt|Abschlagszahlung",
        "paid": "Bezahlt|Gegeben",
        "cash": "Bar",
        "change": "Rückgeld",
        "from": "Von:",
        "to": "An:",
        "name": "Name",
        "address": "Anschrift|Adresse",
        "phone": "Telefon|Tel.",
        "bank": "Bankverbindung|Bank",
        "director": "Geschäftsführer|Geschäftsführung",
        "registered": "Eingetragen am|Gegründet",
        "page": "Seite",
        "terms": "Zahlbar innerhalb von {n} Tagen ohne Abzug.|Zahlungsziel: {n} Tage netto.",
        "thanks": "Vielen Dank für Ihren Auftrag.",
        "continued": "Fortsetzung auf der nächsten Seite",
        "document": "Dokument|Rechnungsdaten",
        "items": "Positionen",
        "totals": "Summen|Beträge",
    },
    "fr": {
        "seller": "Vendeur|Fournisseur|Émetteur",
        "buyer": "Acheteur|Client|Adresse de facturation",
        "invoice": "Facture|FACTURE",
        "credit": "Avoir|Facture d'avoir",
        "number": "Facture n°|N° de facture|Numéro de facture",
        "credit_number": "Avoir n°|N° d'avoir",
        "date": "Date de facture|Date|Date d'émission",
        "due": "Date d'échéance|Échéance",
        "delivery": "Date de livraison",
        "order": "N° de commande|Votre commande",
        "customer_no": "N° client|Code client",
        "since": "Client depuis",
        "vat_id": "N° TVA intracommunautaire|TVA intracom.",
        "attn": "À l'attention de",
        "desc": "Désignation|Description",
        "qty": "Qté|Quantité",
        "unit": "Prix unitaire HT|P.U. HT",
        "amount": "Montant HT|Montant",
        "rate": "TVA",
        "net": "Total HT|Montant HT",
        "vat": "TVA",
        "on": "sur",
        "total": "Total TTC|Montant TTC",
        "due_amount": "Net à payer|Reste à payer|Montant dû",
        "prepaid": "Acompte|Acompte versé",
        "paid": "Payé|Réglé",
        "cash": "Espèces",
        "change": "Rendu",
        "from": "De :",
        "to": "À :|Destinataire :",
        "name": "Raison sociale|Nom",
        "address": "Adresse",
        "phone": "Tél.",
        "bank": "Coordonnées bancaires|Banque",
        "director": "Gérant|Président",
        "registered": "Immatriculée le",
        "page": "Page",
        "terms": "Paiement à {n} jours.|Règlement à {n} jours date de facture.",
        "thanks": "Merci de votre confiance.",
        "continued": "Suite page suivante",
        "document": "Document|Informations",
        "items": "Lignes|Détail",
        "totals": "Totaux|Récapitulatif",
    },
    "nl": {
        "seller": "Verkoper|Leverancier",
        "buyer": "Koper|Klant|Factuuradres",
        "invoice": "Factuur|FACTUUR",
        "credit": "Creditnota|Creditfactuur",
        "number": "Factuurnummer|Factuurnr.",
        "credit_number": "Creditnota nr.|Creditnummer",
        "date": "Factuurdatum|Datum",
        "due": "Vervaldatum|Uiterste betaaldatum",
        "delivery": "Leverdatum",
        "order": "Ordernummer|Uw referentie",
        "customer_no": "Klantnummer",
        "since": "Klant sinds",
        "vat_id": "BTW-nummer|Btw-id",
        "attn": "t.a.v.",
        "desc": "Omschrijving",
        "qty": "Aantal",
        "unit": "Prijs|Stukprijs",
        "amount": "Bedrag",
        "rate": "BTW",
        "net": "Subtotaal|Totaal excl. BTW",
        "vat": "BTW|Btw",
        "on": "over",
        "total": "Totaal|Totaal incl. BTW",
        "due_amount": "Te betalen|Openstaand bedrag",
        "prepaid": "Reeds betaald|Aanbetaling",
        "paid": "Betaald",
        "cash": "Contant",
        "change": "Wisselgeld",
        "from": "Van:",
        "to": "Aan:",
        "name": "Naam",
        "address": "Adres",
        "phone": "Tel.",
        "bank": "Bankgegevens|Bank",
        "director": "Directeur",
        "registered": "Ingeschreven op",
        "page": "Pagina",
        "terms": "Gelieve binnen {n} dagen te betalen.|Betaaltermijn: {n} dagen.",
        "thanks": "Bedankt voor uw bestelling.",
        "continued": "Vervolg op volgende pagina",
        "document": "Document|Factuurgegevens",
        "items": "Regels",
        "totals": "Totalen",
    },
    "es": {
        "seller": "Vendedor|Emisor|Proveedor",
        "buyer": "Comprador|Cliente|Destinatario",
        "invoice": "Factura|FACTURA",
        "credit": "Nota de crédito|Factura rectificativa",
        "number": "Número de factura|Factura n.º|Nº factura",
        "credit_number": "Nº nota de crédito|Número de rectificativa",
        "date": "Fecha|Fecha de factura|Fecha de emisión",
        "due": "Vencimiento|Fecha de vencimiento",
        "delivery": "Fecha de entrega",
        "order": "Nº pedido|Pedido",
        "customer_no": "Nº cliente|Código cliente",
        "since": "Cliente desde",
        "vat_id": "NIF|CIF|NIF/CIF",
        "attn": "A la atención de",
        "desc": "Descripción|Concepto",
        "qty": "Cantidad|Cant.",
        "unit": "Precio unitario|Precio",
        "amount": "Importe",
        "rate": "IVA",
        "net": "Base imponible|Subtotal",
        "vat": "IVA",
        "on": "sobre",
        "total": "Importe total|Total factura|Total",
        "due_amount": "Importe a pagar|Total a pagar",
        "prepaid": "Anticipo|Pagado a cuenta",
        "paid": "Pagado",
        "cash": "Efectivo",
        "change": "Cambio",
        "from": "De:",
        "to": "Para:",
        "name": "Nombre|Razón social",
        "address": "Dirección|Domicilio",
        "phone": "Tel.|Teléfono",
        "bank": "Datos bancarios|Banco",
        "director": "Administrador",
        "registered": "Inscrita el",
        "page": "Página",
        "terms": "Pago a {n} días.|Forma de pago: transferencia a {n} días.",
        "thanks": "Gracias por su confianza.",
        "continued": "Continúa en la página siguiente",
        "document": "Documento|Datos de la factura",
        "items": "Líneas|Conceptos",
        "totals": "Totales",
    },
    "it": {
        "seller": "Venditore|Cedente / Prestatore|Fornitore",
        "buyer": "Acquirente|Cliente|Cessionario / Committente|Destinatario",
        "invoice": "Fattura|FATTURA",
        "credit": "Nota di credito|NOTA DI CREDITO",
        "number": "Numero fattura|Fattura n.|N. fattura",
        "credit_number": "Nota di credito n.|N. nota di credito",
        "date": "Data|Data fattura|Data documento",
        "due": "Scadenza|Data scadenza",
        "delivery": "Data consegna",
        "order": "N. ordine|Rif. ordine",
        "customer_no": "Codice cliente",
        "since": "Cliente dal",
        "vat_id": "P. IVA|Partita IVA",
        "attn": "Alla c.a.",
        "desc": "Descrizione",
        "qty": "Quantità|Q.tà",
        "unit": "Prezzo unitario|Prezzo",
        "amount": "Importo",
        "rate": "IVA|Aliquota",
        "net": "Imponibile|Totale imponibile",
        "vat": "IVA",
        "on": "su",
        "total": "Totale|Totale documento|Totale fattura",
        "due_amount": "Da pagare|Netto a pagare",
        "prepaid": "Acconto",
        "paid": "Pagato",
        "cash": "Contanti",
        "change": "Resto",
        "from": "Da:",
        "to": "A:|Spett.le",
        "name": "Denominazione|Nome",
        "address": "Indirizzo|Sede",
        "phone": "Tel.",
        "bank": "Coordinate bancarie|Banca",
        "director": "Amministratore",
        "registered": "Iscritta il",
        "page": "Pagina",
        "terms": "Pagamento a {n} giorni.|Pagamento: bonifico {n} gg d.f.",
        "thanks": "Grazie per la fiducia.",
        "continued": "Segue alla pagina successiva",
        "document": "Documento|Dati fattura",
        "items": "Righe|Dettaglio",
        "totals": "Totali|Riepilogo",
    },
    "ms": {
        "seller": "Penjual|Pembekal",
        "buyer": "Pembeli|Kepada|Pelanggan",
        "invoice": "Invois|INVOIS|Invois Cukai",
        "credit": "Nota Kredit|NOTA KREDIT",
        "number": "No. Invois|Nombor Invois",
        "credit_number": "No. Nota Kredit",
        "date": "Tarikh|Tarikh Invois",
        "due": "Tarikh Akhir Bayaran|Tarikh Matang",
        "delivery": "Tarikh Penghantaran",
        "order": "No. Pesanan",
        "customer_no": "No. Pelanggan|Kod Pelanggan",
        "since": "Pelanggan sejak",
        "vat_id": "No. SST|No. Pendaftaran SST",
        "attn": "U/P:",
        "desc": "Perihal|Keterangan",
        "qty": "Kuantiti|Kuan.",
        "unit": "Harga Seunit|Harga",
        "amount": "Amaun|Jumlah",
        "rate": "Kadar SST|SST",
        "net": "Jumlah kecil|Subjumlah",
        "vat": "SST|Cukai Jualan",
        "on": "atas",
        "total": "Jumlah|Jumlah Keseluruhan|Jumlah Besar",
        "due_amount": "Jumlah perlu dibayar|Baki perlu dibayar",
        "prepaid": "Deposit|Bayaran pendahuluan",
        "paid": "Dibayar",
        "cash": "Tunai",
        "change": "Baki",
        "from": "Daripada:",
        "to": "Kepada:",
        "name": "Nama",
        "address": "Alamat",
        "phone": "Tel.|No. Tel",
        "bank": "Maklumat bank|Bank",
        "director": "Pengarah",
        "registered": "Didaftarkan pada",
        "page": "Muka surat",
        "terms": "Bayaran dalam tempoh {n} hari.|Terma: {n} hari.",
        "thanks": "Terima kasih atas sokongan anda.",
        "continued": "Bersambung di muka surat seterusnya",
        "document": "Dokumen|Butiran invois",
        "items": "Butiran",
        "totals": "Jumlah",
    },
}

MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
    "dicembre",
    "ms": "Januari Februari Mac April Mei Jun Julai Ogos September Oktober November Disember",
}
DATE_KINDS = {
    "en": ("slash", "long", "mon", "iso", "us"),
    "de": ("dot", "dot", "long", "iso"),
    "fr": ("slash", "slash", "long", "iso"),
    "nl": ("dash", "dash", "long", "iso"),
    "es": ("slash", "slash", "long"),
    "it": ("slash", "long", "dot"),
    "ms": ("slash", "mon", "dot", "long"),
}
THOUSANDS = {"en": ",", "ms": ",", "fr": " "}  # the rest group with "."
CURRENCIES = {
    "en": ("GBP", "GBP", "USD", "EUR"),
    "de": ("EUR", "EUR", "EUR", "CHF"),
    "fr": ("EUR", "EUR", "EUR", "CHF"),
    "nl": ("EUR",),
    "es": ("EUR",),
    "it": ("EUR",),
    "ms": ("MYR",),
}
MARKS = {"EUR": ("€", "EUR"), "USD": ("$", "USD"), "GBP": ("£", "GBP"), "MYR": ("RM", "MYR")}
RATES = {
    "en": ("20", "5"),
    "de": ("19", "7"),
    "fr": ("20", "10", "5.5"),
    "nl": ("21", "9"),
    "es": ("21", "10"),
    "it": ("22", "10"),
    "ms": ("8", "6", "10"),
    "GBP": ("20", "5"),
    "USD": ("8.25", "6"),
    "EUR": ("23", "13.5"),  # English-language invoices in euros: Ireland
    "CHF": ("8.1", "2.6"),
}

# Name parts: surnames, trades, coined words, company forms, label-like words.
NAMES: dict[str, dict[str, str]] = {
    "de": {
        "first": "Anna|Thomas|Julia|Michael|Sabine|Jürgen|Stefanie|Lukas|Katrin|Matthias",
        "surname": "Müller|Schmidt|Schneider|Fischer|Weber|Becker|Hoffmann|Schäfer|Koch|Bauer|"
        "Richter|Klein|Wolf|Schröder|Neumann|Braun|Krüger|Hartmann|Lange|Jäger",
        "trade": "Elektrotechnik|Haustechnik|Metallbau|Software|Druckerei|Logistik|"
        "Gebäudereinigung|Maschinenbau|Bürobedarf|Holzbau|Sanitär|Medien|Systemhaus|Feinkost",
        "coined": "Nordlicht|Alpenblick|Rheinwerk|Elbtal|Sonnenhof|Isarwerk|Hanse|Schwarzwald",
        "forms": "GmbH|GmbH|GmbH & Co. KG|AG|e.K.|KG|UG (haftungsbeschränkt)",
        "label": "Lieferant|Kunde & Partner|Rechnungswerk|Verkauf|Gesamt",
    },
    "fr": {
        "first": "Marie|Jean|Sophie|Pierre|Camille|Luc|Élodie|Nicolas|Chloé|François",
        "surname": "Martin|Bernard|Dubois|Thomas|Robert|Richard|Petit|Durand|Leroy|Moreau|"
        "Lefèvre|Girard|Fontaine|Chevalier",
        "trade": "Bâtiment|Informatique|Transports|Électricité|Conseil|Imprimerie|Menuiserie|"
        "Services|Distribution|Boulangerie",
        "coined": "Azur|Provence|Atlantique|Lumière|Horizon|Bretagne|Mistral",
        "forms": "SARL|SAS|S.A.|SASU|EURL",
        "label": "Facture Express|Client Plus|Total Services|Fournisseur Direct",
    },
    "nl": {
        "first": "Sanne|Daan|Lotte|Bram|Emma|Joris|Femke|Ruben",
        "surname": "de Vries|Jansen|van Dijk|Bakker|Visser|Smit|Meijer|de Boer|Mulder|de Groot|"
        "Bos|Vos|Peters|Hendriks|van Leeuwen",
        "trade": "Installatietechniek|Bouw|Transport|Automatisering|Drukkerij|Groothandel|"
        "Schoonmaak|Advies",
        "coined": "Noordzee|Polder|Tulp|Delta|Oranje|Zeeland",
        "forms": "B.V.|B.V.|N.V.|V.O.F.",
        "label": "Klant & Co|Factuur Direct|Totaal Techniek|Leverancier",
    },
    "es": {
        "first": "María|José|Lucía|Javier|Carmen|Pablo|Elena|Sergio",
        "surname": "García|Fernández|González|Rodríguez|López|Martínez|Sánchez|Pérez|Gómez|"
        "Martín|Jiménez|Ruiz|Muñoz|Díaz",
        "trade": "Construcciones|Instalaciones|Transportes|Informática|Suministros|"
        "Distribuciones|Asesores|Gráficas",
        "coined": "Iberia|Mediterráneo|Sol|Levante|Cantábrico|Castilla",
        "forms": "S.L.|S.L.|S.A.|S.L.U.",
        "label": "Cliente Uno|Total Energía|Factura Fácil|Proveedor Central",
    },
    "it": {
        "first": "Giulia|Marco|Francesca|Luca|Chiara|Matteo|Sara|Andrea",
        "surname": "Rossi|Russo|Ferrari|Esposito|Bianchi|Romano|Colombo|Ricci|Marino|Greco|"
        "Bruno|Gallo|Conti|De Luca",
        "trade": "Impianti|Costruzioni|Trasporti|Informatica|Forniture|Tipografia|Serramenti|"
        "Consulenze",
        "coined": "Adriatica|Alpina|Tirrena|Lombarda|Italsud|Euroservice",
        "forms": "S.r.l.|S.r.l.|S.p.A.|S.n.c.|S.a.s.",
        "label": "Cliente Service|Totale Casa|Fornitore Unico",
    },
    "en": {
        "first": "Emma|James|Olivia|Oliver|Sophie|Harry|Grace|Daniel|Chloe|Michael",
        "surname": "Smith|Jones|Taylor|Brown|Williams|Wilson|Johnson|Davies|Robinson|Wright|"
        "Thompson|Evans|Walker|White|Hughes",
        "trade": "Engineering|Logistics|Consulting|Software|Print|Supplies|Electrical|"
        "Building Services|Solutions|Trading",
        "coined": "Northwind|Bluebell|Redwood|Silverline|Oakridge|Summit|Harbour|Pinnacle",
        "forms": "Ltd|Limited|LLC|Inc.|PLC|Ltd.",
        "label": "Client Services|Total Supplies|Invoice Partners|Customer First|Amount Works",
    },
    "ms": {
        "first": "Siti|Ahmad|Nur|Muhammad|Mei Ling|Wei Jie|Priya|Aminah|Hafiz",
        "surname": "Tan|Lim|Lee|Wong|Ahmad|Abdullah|Ismail|Chong|Ng|Rahman|Kumar|Ong",
        "trade": "Trading|Enterprise|Hardware|Elektrik|Perniagaan|Pembinaan|Restoran|Logistik|"
        "Teknologi|Perabot",
        "coined": "Maju Jaya|Sinar|Bintang|Cahaya|Mutiara|Seri|Harmoni|Sentosa",
        "forms": "Sdn Bhd|Sdn. Bhd.|Sdn Bhd|Bhd",
        "label": "Jumlah Niaga|Pelanggan Setia|Pembekal Utama",
    },
}
NAME_PATTERNS = {
    "de": ("{surname} {trade} {form}", "{coined} {trade} {form}", "{surname} & {partner} {form}"),
    "nl": ("{surname} {trade} {form}", "{coined} {trade} {form}", "{surname} & {partner} {form}"),
    "en": ("{surname} {trade} {form}", "{coined} {trade} {form}", "{surname} & {partner} {form}"),
    "fr": ("{trade} {surname} {form}", "{coined} {trade} {form}", "{surname} & Fils {form}"),
    "es": ("{trade} {surname} {form}", "{trade} {coined} {form}", "{surname} y {partner} {form}"),
    "it": ("{trade} {surname} {form}", "{coined} {trade} {form}", "{surname} & {partner} {form}"),
    "ms": ("{coined} {trade} {form}", "{surname} {trade} {form}", "{coined} {form}"),
}
STREETS = {
    "de": ("{n}", "Hauptstraße|Bahnhofstraße|Gartenweg|Industriestraße|Lindenallee|Schillerstraße"),
    "fr": ("{n} {s}", "rue de la République|avenue Jean Jaurès|boulevard Voltaire|rue Victor Hugo"),
    "nl": ("{n}", "Kerkstraat|Dorpsstraat|Stationsweg|Molenweg|Industrieweg|Prinsengracht"),
    "es": ("{s}, {n}", "Calle Mayor|Avenida de la Constitución|Calle Real|Paseo de Gracia"),
    "it": ("{s}, {n}", "Via Roma|Via Garibaldi|Corso Italia|Via Dante|Viale Europa"),
    "en": ("{n} {s}", "High Street|Station Road|Church Lane|Victoria Road|Main Street"),
    "ms": ("No. {n}, {s}", "Jalan Ampang|Jalan Tun Razak|Jalan Bukit Bintang|Jalan Raja Laut"),
}
# '#' becomes a digit, '?' a capital letter.
CITIES = {
    "de": "10### Berlin|80### München|20### Hamburg|50### Köln|60### Frankfurt am Main|"
    "04### Leipzig",
    "fr": "750## Paris|690## Lyon|130## Marseille|310## Toulouse|440## Nantes|590## Lille",
    "nl": "10## ?? Amsterdam|30## ?? Rotterdam|35## ?? Utrecht|56## ?? Eindhoven",
    "es": "280## Madrid|080## Barcelona|460## Valencia|410## Sevilla|480## Bilbao",
    "it": "201## Milano (MI)|001## Roma (RM)|101## Torino (TO)|401## Bologna (BO)",
    "GBP": "London EC1A #??|Manchester M# #??|Bristol BS# #??|Leeds LS# #??",
    "USD": "Springfield, IL 627##|Austin, TX 787##|Portland, OR 972##|Columbus, OH 432##",
    "EUR": "Dublin D0# ?###|Cork T12 ?###",
    "ms": "50### Kuala Lumpur|46### Petaling Jaya|80### Johor Bahru|40### Shah Alam",
    "CHF": "80## Zürich|30## Bern|40## Basel",
}
VAT_IDS = {
    "de": "DE#########",
    "fr": "FR###########",
    "nl": "NL#########B01",
    "es": "ESB########",
    "it": "IT###########",
    "GBP": "GB### #### ##",
    "USD": "EIN ##-#######",
    "EUR": "IE#######?",
    "ms": "W10-####-########",
    "CHF": "CHE-###.###.### MWST",
}
PHONES = {
    "de": "+49 ## #######",
    "fr": "+33 # ## ## ## ##",
    "nl": "+31 ## #######",
    "es": "+34 ### ### ###",
    "it": "+39 ## ########",
    "en": "+44 20 #### ####",
    "ms": "+60 3-#### ####",
    "USD": "+1 (###) ###-####",
    "EUR": "+353 1 ### ####",
    "CHF": "+41 44 ### ## ##",
}
BANKS = {
    "de": "IBAN DE## #### #### #### #### ## · BIC COBADEFFXXX",
    "fr": "IBAN FR76 #### #### #### #### #### ### · BIC BNPAFRPPXXX",
    "nl": "IBAN NL## ABNA #### #### ## · BIC ABNANL2A",
    "es": "IBAN ES## #### #### ## ########## · BIC CAIXESBBXXX",
    "it": "IBAN IT## ? ##### ##### ############ · BIC UNCRITMMXXX",
    "en": "Sort code ##-##-## · Account ########",
    "ms": "Maybank Acc. No. ####-####-####",
}
REGISTERS = {
    "de": "Amtsgericht Charlottenburg HRB #####|Amtsgericht München HRB ######|"
    "Registergericht Köln HRA #####",
    "fr": "RCS Paris ### ### ###|RCS Lyon ### ### ###|Capital social : ## ### €",
    "nl": "KvK ########|KvK-nummer ########",
    "es": "Registro Mercantil de Madrid, Tomo ####, Folio ##, Hoja M-######",
    "it": "REA MI-#######|Capitale sociale € 10.000,00 i.v.|R.E.A. RM-######",
    "en": "Registered in England and Wales No. ########|Company No. ########",
    "ms": "No. Syarikat: ############ (#######-?)",
}
ITEMS = {
    "de": "Beratungsleistung|Wartungsvertrag|Montage vor Ort|Kabel NYM-J 3x1,5|Schrauben M6 "
    "(100 Stk.)|Software-Lizenz|Druckerpatrone|Fahrtkosten|Reinigung Büro|Schulung (Tagessatz)|"
    "Ersatzteil|Versandkosten",
    "fr": "Prestation de conseil|Contrat de maintenance|Installation sur site|Câble électrique|"
    "Licence logicielle|Frais de port|Cartouche d'encre|Formation (journée)|Pièce détachée|"
    "Nettoyage bureaux|Déplacement|Peinture murale",
    "nl": "Adviesuren|Onderhoudscontract|Installatie op locatie|Kabel 3x2,5|Softwarelicentie|"
    "Verzendkosten|Inktcartridge|Training|Reserveonderdeel|Schoonmaak kantoor|Reiskosten|Montage",
    "es": "Servicio de consultoría|Contrato de mantenimiento|Instalación|Cable eléctrico|"
    "Licencia de software|Gastos de envío|Cartucho de tinta|Formación|Recambio|"
    "Limpieza de oficina|Desplazamiento|Mano de obra",
    "it": "Consulenza|Contratto di manutenzione|Installazione|Cavo elettrico|Licenza software|"
    "Spese di spedizione|Cartuccia|Formazione|Ricambio|Pulizia uffici|Trasferta|Manodopera",
    "en": "Consulting services|Maintenance contract|On-site installation|Cable 3 x 1.5 mm|"
    "Software licence|Shipping|Ink cartridge|Training day|Spare part|Office cleaning|"
    "Travel expenses|Labour",
    "ms": "Perkhidmatan perundingan|Kontrak penyelenggaraan|Pemasangan|Kabel elektrik|"
    "Lesen perisian|Kos penghantaran|Kartrij dakwat|Latihan|Alat ganti|Pembersihan pejabat|"
    "Nasi lemak|Teh tarik",
}
NUMBER_PREFIX = {"en": "INV", "de": "RE", "fr": "FA", "nl": "F", "es": "FAC", "it": "FT"}
NUMBER_PREFIX["ms"] = "IV"
CREDIT_PREFIX = {"en": "CN", "de": "GS", "fr": "AV", "nl": "CR", "es": "R", "it": "NC", "ms": "CN"}
TLDS = {"en": "co.uk", "de": "de", "fr": "fr", "nl": "nl", "es": "es", "it": "it", "ms": "com.my"}


def pick(rng: random.Random, alternatives: str) -> str:
    return rng.choice(alternatives.split("|"))


def fill(rng: random.Random, template: str) -> str:
    """'#' -> digit, '?' -> capital letter."""
    out = (rng.choice("0123456789") if ch == "#" else ch for ch in template)
    return "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXZ") if ch == "?" else ch for ch in out)


# -- the invoice's content --------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    name: str
    lines: tuple[str, ...]  # street, postcode and city
    vat_id: str
    phone: str
    email: str
    contact: str | None = None  # "Attn:" person, a name that is neither party


@dataclass(frozen=True)
class Item:
    description: str
    quantity: int
    unit_price: Decimal
    rate: Decimal

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class Invoice:
    lang: str
    currency: str
    credit: bool
    seller: Party
    buyer: Party
    number: str
    order_no: str
    customer_no: str
    dates: dict[str, dt.date]  # issued, due, delivery, order, since, registered
    items: tuple[Item, ...]
    prepaid: Decimal
    register: str
    bank: str
    director: str

    @property
    def net(self) -> Decimal:
        return sum((i.amount for i in self.items), Decimal(0))

    def vat_lines(self) -> list[tuple[Decimal, Decimal, Decimal]]:
        """(rate, base, tax) per rate, highest rate first; tax rounded per rate."""
        rates = sorted({i.rate for i in self.items}, reverse=True)
        lines = []
        for rate in rates:
            base = sum((i.amount for i in self.items if i.rate == rate), Decimal(0))
            lines.append((rate, base, (base * rate / 100).quantize(CENT, ROUND_HALF_UP)))
        return lines

    @property
    def gross(self) -> Decimal:
        return self.net + sum((tax for _, _, tax in self.vat_lines()), Decimal(0))

    @property
    def due_amount(self) -> Decimal:
        return self.gross - self.prepaid


def company_name(rng: random.Random, lang: str) -> str:
    parts = NAMES[lang]
    form = pick(rng, parts["forms"])
    if rng.random() < 0.12:  # a name that contains a label word ("Lieferant GmbH")
        name = f"{pick(rng, parts['label'])} {form}"
    else:
        surname, partner = rng.sample(parts["surname"].split("|"), 2)
        name = rng.choice(NAME_PATTERNS[lang]).format(
            surname=surname,
            partner=partner,
            trade=pick(rng, parts["trade"]),
            coined=pick(rng, parts["coined"]),
            form=form,
        )
    return name.upper() if rng.random() < 0.12 else name


def person_name(rng: random.Random, lang: str) -> str:
    return f"{pick(rng, NAMES[lang]['first'])} {pick(rng, NAMES[lang]['surname'])}"


def region(lang: str, currency: str) -> str:
    """English documents take their addresses and ids from the currency's country."""
    if lang == "en" or currency == "CHF":
        return currency if currency in CITIES else "EUR"
    return lang


def address(rng: random.Random, lang: str, currency: str) -> tuple[str, str]:
    fmt, streets = STREETS[lang]
    street = pick(rng, streets)
    n = str(rng.randint(1, 180))
    line = f"{street} {n}" if fmt == "{n}" else fmt.format(n=n, s=street)
    return line, fill(rng, pick(rng, CITIES[region(lang, currency)]))


def make_party(rng: random.Random, lang: str, currency: str, *, company: bool) -> Party:
    name = company_name(rng, lang) if company else person_name(rng, lang)
    word = next((w for w in name.split() if len(w) > 3), name.split()[0])
    slug = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    contact = person_name(rng, lang) if company and rng.random() < 0.3 else None
    return Party(
        name=name,
        lines=address(rng, lang, currency),
        vat_id=fill(rng, VAT_IDS[region(lang, currency)]),
        phone=fill(rng, PHONES.get(region(lang, currency), PHONES[lang])),
        email=f"{rng.choice(('info', 'office', 'billing'))}@{slug.lower()}.{TLDS[lang]}",
        contact=contact,
    )


def make_items(rng: random.Random, lang: str, currency: str, small: bool) -> tuple[Item, ...]:
    """1-8 lines; ``small`` keeps prices at till-receipt size."""
    count = rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 6, 8))
    options = [Decimal(r) for r in RATES.get(region(lang, currency), RATES[lang])]
    rates = options[:1] if rng.random() < 0.7 or count == 1 else rng.sample(options, 2)
    names = rng.sample(ITEMS[lang].split("|"), count)
    items = []
    for i, description in enumerate(names):
        ranges = ((100, 2500),) if small else ((100, 5000), (5000, 50000), (50000, 300000))
        low, high = rng.choice(ranges)
        cents = rng.randint(low, high)
        cents = cents - cents % 100 if rng.random() < 0.3 else cents  # round prices too
        rate = rates[i % len(rates)]
        quantity = rng.choice((1, 1, 1, 2, 3, 4, 5, 10, 12, 25) if high <= 5000 else (1, 1, 2, 3))
        items.append(Item(description, quantity, Decimal(cents) / 100, rate))
    return tuple(items)


def make_dates(rng: random.Random) -> dict[str, dt.date]:
    issued = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(7 * 365))
    return {
        "issued": issued,
        "due": issued + dt.timedelta(days=rng.choice((7, 10, 14, 30))),
        "delivery": issued - dt.timedelta(days=rng.randint(1, 12)),
        "order": issued - dt.timedelta(days=rng.randint(13, 45)),
        "since": issued - dt.timedelta(days=rng.randint(400, 3000)),
        "registered": dt.date(rng.randint(1990, 2017), rng.randint(1, 12), rng.randint(1, 28)),
    }


def invoice_number(rng: random.Random, lang: str, year: int, credit: bool) -> str:
    prefix = (CREDIT_PREFIX if credit else NUMBER_PREFIX)[lang]
    n = rng.randint(1, 9999)
    formats = (
        str(rng.randint(10000, 999999)),
        f"{prefix}-{year}-{n:04d}",
        f"{prefix[0]}{year}/{n:03d}",
        f"{prefix}-{n:06d}",
        f"{year}-{n:04d}",
        f"{prefix}{year % 100}-{n:05d}",
        f"{n:05d}/{year % 100}",
    )
    return rng.choice(formats)


def make_prepaid(rng: random.Random, gross: Decimal, credit: bool) -> Decimal:
    if credit or rng.random() > 0.2 or gross < 20:
        return Decimal(0)
    if gross > 300 and rng.random() < 0.5:
        return Decimal(100 * rng.randint(1, int(gross) // 200))
    return (gross * Decimal(rng.choice(("0.3", "0.5")))).quantize(CENT, ROUND_HALF_UP)


def make_invoice(rng: random.Random, lang: str, small: bool = False) -> Invoice:
    credit = rng.random() < 0.125
    currency = rng.choice(CURRENCIES[lang])
    dates = make_dates(rng)
    seller = make_party(rng, lang, currency, company=True)
    buyer_lang = lang if rng.random() < 0.8 else rng.choice(LANGS)
    buyer = make_party(rng, buyer_lang, currency, company=rng.random() < 0.75)
    items = make_items(rng, lang, currency, small)
    draft = Invoice(
        lang=lang,
        currency=currency,
        credit=credit,
        seller=seller,
        buyer=buyer,
        number=invoice_number(rng, lang, dates["issued"].year, credit),
        order_no=fill(rng, rng.choice(("PO-#####", "B######", "4500######", "ORD-####"))),
        customer_no=fill(rng, rng.choice(("K-#####", "######", "C####", "KD####"))),
        dates=dates,
        items=items,
        prepaid=Decimal(0),
        register=fill(rng, pick(rng, REGISTERS[lang])),
        bank=fill(rng, BANKS[lang]),
        director=person_name(rng, lang),
    )
    return replace(draft, prepaid=make_prepaid(rng, draft.gross, credit))


# -- formatting -------------------------------------------------------------------------


def fmt_number(value: Decimal, lang: str, grouping: bool) -> str:
    whole, frac = f"{abs(value):.2f}".split(".")
    if grouping:
        whole = f"{int(whole):,}".replace(",", THOUSANDS.get(lang, "."))
    decimal_mark = "." if lang in ("en", "ms") else ","
    return f"{'-' if value < 0 else ''}{whole}{decimal_mark}{frac}"


def fmt_rate(rate: Decimal, lang: str) -> str:
    text = f"{rate.normalize():f}"
    return text if lang in ("en", "ms") else text.replace(".", ",")


def fmt_date(day: dt.date, lang: str, kind: str) -> str:
    months = MONTHS[lang].split()
    numeric = {"dot": "%d.%m.%Y", "slash": "%d/%m/%Y", "dash": "%d-%m-%Y", "iso": "%Y-%m-%d"}
    if kind in numeric:
        return day.strftime(numeric[kind])
    if kind == "mon":
        return f"{day.day:02d}-{MONTHS['en'].split()[day.month - 1][:3].upper()}-{day.year}"
    if kind == "us":
        return f"{months[day.month - 1]} {day.day}, {day.year}"
    month = months[day.month - 1]
    if lang == "de":
        return f"{day.day}. {month} {day.year}"
    if lang == "es":
        return f"{day.day} de {month} de {day.year}"
    return f"{day.day} {month} {day.year}"


def money_label(value: Decimal) -> str:
    return f"{value:.2f}"


# -- rendering --------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """How one document prints; every choice is drawn once per document."""

    labels: dict[str, str]
    date_kind: str
    grouping: bool
    money_mode: str  # prefix, suffix or bare (currency only in headers and the total label)
    mark: str
    negative: bool  # credit note printed with negative amounts
    regular: str
    bold: str
    scale: float
    dx: float
    dy: float
    break_after: int | None  # items row after which page 2 starts
    colon: bool
    show_due: bool
    minus_prepaid: bool
    vat_fmt: int
    title_with_number: bool
    cell_currency: bool


def make_style(rng: random.Random, inv: Invoice, family: str) -> Style:
    labels = {key: pick(rng, alts) for key, alts in LABELS[inv.lang].items()}
    if inv.credit and rng.random() < 0.6:
        labels["number"] = labels["credit_number"]
    if inv.credit:
        labels["invoice"] = labels["credit"]
    regular, bold = rng.choice((("Helvetica", "Helvetica-Bold"), ("Times-Roman", "Times-Bold")))
    if family == "mono" or (family == "receipt" and rng.random() < 0.5):
        regular, bold = "Courier", "Courier-Bold"
    code_only = inv.currency not in MARKS or rng.random() < 0.4
    mark = inv.currency if code_only else MARKS[inv.currency][0]
    mode = rng.choice(("prefix", "suffix", "suffix", "bare"))
    if inv.lang in ("en", "ms") and mode == "suffix" and not code_only:
        mode = "prefix"  # "£12.50", not "12.50 £"
    n = len(inv.items)
    two_pages = family != "receipt" and rng.random() < 0.15
    return Style(
        labels=labels,
        date_kind=rng.choice(DATE_KINDS[inv.lang]),
        grouping=rng.random() < 0.75,
        money_mode=mode,
        mark=mark,
        negative=inv.credit and rng.random() < 0.5,
        regular=regular,
        bold=bold,
        scale=rng.uniform(0.92, 1.08),
        dx=rng.uniform(-6, 6),
        dy=rng.uniform(-6, 6),
        break_after=rng.randint(max(1, n // 2), n) if two_pages else None,
        colon=rng.random() < 0.5,
        show_due=rng.random() < 0.5,
        minus_prepaid=rng.random() < 0.5,
        vat_fmt=rng.randrange(3),
        title_with_number=rng.random() < 0.25,
        cell_currency=rng.random() < 0.3,
    )


Row = tuple[str, str, bool]  # label, value, bold


@dataclass
class Doc:
    """A canvas plus the invoice and its style, with the drawing helpers families share."""

    path: Path
    inv: Invoice
    style: Style
    rng: random.Random
    pagesize: tuple[float, float] = A4
    footer: Callable[[Doc], None] | None = None
    printed: dict[str, str] = field(default_factory=dict)
    page: int = 1

    def __post_init__(self) -> None:
        self.canvas = Canvas(str(self.path), pagesize=self.pagesize, invariant=1)
        self.canvas.setTitle(self.label("invoice"))
        width, height = self.pagesize
        margin = 56.0 if width > 400 else 12.0
        self.left = margin + self.style.dx
        self.right = width - margin + self.style.dx
        self.top = height - (50.0 if width > 400 else 20.0) + self.style.dy
        self.bottom = 100.0 if width > 400 else 10.0

    # text
    def label(self, key: str, colon: bool = False) -> str:
        text = self.style.labels[key]
        return f"{text}:" if colon and not text.endswith(":") else text

    def text(
        self, x: float, y: float, s: str, size: float = 9.0, *, bold: bool = False,
        font: str | None = None, align: str = "left",
    ) -> None:
        self.canvas.setFont(font or (self.style.bold if bold else self.style.regular),
                            size * self.style.scale)
        draw = {"right": self.canvas.drawRightString, "center": self.canvas.drawCentredString}
        draw.get(align, self.canvas.drawString)(x, y, s)

    def fit(self, s: str, size: float, width: float, bold: bool = True) -> float:
        """The largest size up to ``size`` at which ``s`` fits ``width`` (one text run)."""
        font = self.style.bold if bold else self.style.regular
        measured = stringWidth(s, font, size * self.style.scale)
        return size if measured <= width else size * width / measured

    def rule(self, x0: float, x1: float, y: float, width: float = 0.5) -> None:
        self.canvas.setLineWidth(width)
        self.canvas.line(x0, y, x1, y)

    # values
    def amt(self, value: Decimal, currency: bool = True, signed: bool = True) -> str:
        """``value`` as printed; ``signed`` amounts turn negative on a negative credit note."""
        shown = -value if self.style.negative and signed else value
        number = fmt_number(abs(shown), self.inv.lang, self.style.grouping)
        sign = "-" if shown < 0 else ""
        mark, mode = self.style.mark, self.style.money_mode
        if not currency or mode == "bare":
            return sign + number
        if mode == "prefix":
            gap = "" if len(mark) == 1 and self.inv.lang in ("en", "ms") else " "
            return f"{sign}{mark}{gap}{number}"
        return f"{sign}{number} {mark}"

    def cell(self, value: Decimal, signed: bool = True) -> str:
        return self.amt(value, currency=self.style.cell_currency, signed=signed)

    def qty(self, item: Item) -> str:
        return str(-item.quantity if self.style.negative else item.quantity)

    def day(self, key: str) -> str:
        return fmt_date(self.inv.dates[key], self.inv.lang, self.style.date_kind)

    def title(self) -> str:
        title = self.label("invoice")
        return f"{title} {self.inv.number}" if self.style.title_with_number else title

    def currency_note(self) -> str:
        return f" ({self.inv.currency})" if self.style.money_mode == "bare" else ""

    # pages
    def new_page(self) -> float:
        """Finish this page (footer, a 'continued' note) and start the next; returns its top."""
        self.text(self.right, self.bottom - 12, self.label("continued"), 7, align="right")
        self._end_page()
        self.canvas.showPage()
        self.page += 1
        head = f"{self.label('invoice')} {self.inv.number} · {self.label('page')} {self.page}"
        self.text(self.left, self.top, head, 8)
        return self.top - 30

    def ensure(self, y: float, needed: float) -> float:
        return self.new_page() if y - needed < self.bottom else y

    def _end_page(self) -> None:
        if self.footer:
            self.footer(self)

    def finish(self) -> int:
        self._end_page()
        self.canvas.showPage()
        self.canvas.save()
        return self.page


# -- blocks shared by the families ------------------------------------------------------


def party_lines(d: Doc, party: Party, vat: bool = False) -> list[str]:
    lines = [party.name]
    if party.contact:
        lines.append(f"{d.label('attn')} {party.contact}")
    lines += list(party.lines)
    if vat:
        lines.append(f"{d.label('vat_id', True)} {party.vat_id}")
    return lines


def address_block(
    d: Doc, x: float, y: float, party: Party, *, vat: bool = False, align: str = "left",
    bold_name: bool = False, leading: float = 12.0,
) -> float:
    for i, line in enumerate(party_lines(d, party, vat)):
        d.text(x, y, line, 10 if i == 0 else 9.5, bold=bold_name and i == 0, align=align)
        y -= leading
    return y


def sender_line(d: Doc, x: float, y: float) -> None:
    s = d.inv.seller
    sep = d.rng.choice((" - ", " · ", " | ", ", "))
    line = sep.join((s.name, *s.lines))
    d.text(x, y, line, d.fit(line, 7, 250, bold=False))
    d.rule(x, x + 250, y - 2, 0.3)


def meta_pairs(d: Doc, extra: int = 3) -> list[tuple[str, str]]:
    """Number and date, then up to ``extra`` distractors (other dates, other numbers)."""
    inv = d.inv
    pairs = [(d.label("number"), inv.number), (d.label("date"), d.day("issued"))]
    if d.rng.random() < 0.4:
        pairs.reverse()
    order = inv.order_no if d.rng.random() < 0.5 else f"{inv.order_no} / {d.day('order')}"
    extras = [
        (d.label("customer_no"), inv.customer_no),
        (d.label("order"), order),
        (d.label("due"), d.day("due")),
        (d.label("delivery"), d.day("delivery")),
        (d.label("since"), d.day("since")),
        (d.label("vat_id"), inv.buyer.vat_id),
    ]
    return pairs + d.rng.sample(extras, d.rng.randint(0, extra))


def kv_table(
    d: Doc, x: float, y: float, pairs: Sequence[tuple[str, str]], value_x: float,
    *, value_align: str = "left", leading: float = 13.0,
) -> float:
    for label, value in pairs:
        d.text(x, y, label + (":" if d.style.colon else ""), 9)
        d.text(value_x, y, value, 9, align=value_align)
        y -= leading
    return y


def columns(d: Doc, x0: float, x1: float) -> list[tuple[str, float, str]]:
    """(header, x, align) of the items table; a rate column only with two VAT rates."""
    w = x1 - x0
    two_rates = len({i.rate for i in d.inv.items}) > 1
    cols = [
        (d.label("desc"), x0, "left"),
        (d.label("qty"), x0 + w * (0.56 if two_rates else 0.62), "right"),
        (d.label("unit"), x0 + w * (0.74 if two_rates else 0.80), "right"),
    ]
    if two_rates:
        cols.append((d.label("rate"), x0 + w * 0.84, "right"))
    cols.append((d.label("amount") + d.currency_note(), x1, "right"))
    return cols


def table_header(d: Doc, y: float, cols: list[tuple[str, float, str]]) -> float:
    for header, x, align in cols:
        d.text(x, y, header, 8.5, bold=True, align=align)
    d.rule(cols[0][1], cols[-1][1], y - 4)
    return y - 16


def item_cells(d: Doc, item: Item, two_rates: bool) -> list[str]:
    cells = [item.description, d.qty(item), d.cell(item.unit_price, signed=False)]
    if two_rates:
        cells.append(f"{fmt_rate(item.rate, d.inv.lang)} %")
    cells.append(d.cell(item.amount))
    return cells


def items_table(d: Doc, y: float, x0: float | None = None, x1: float | None = None) -> float:
    """The line items; breaks the page after ``style.break_after`` rows or when full."""
    cols = columns(d, x0 if x0 is not None else d.left, x1 if x1 is not None else d.right)
    two_rates = len(cols) == 5
    y = table_header(d, y, cols)
    for i, item in enumerate(d.inv.items):
        if (i and i == d.style.break_after) or y < d.bottom + 14:
            y = table_header(d, d.new_page(), cols)
        for (_, x, align), value in zip(cols, item_cells(d, item, two_rates), strict=True):
            d.text(x, y, value, 9, align=align)
        y -= 14
    d.rule(cols[0][1], cols[-1][1], y + 8)
    if d.style.break_after == len(d.inv.items):
        y = d.new_page()
    return y - 6


def vat_label(d: Doc, rate: Decimal, base: Decimal) -> str:
    vat, r = d.label("vat"), fmt_rate(rate, d.inv.lang)
    if d.style.vat_fmt == 0:
        return f"{vat} {r} %"
    if d.style.vat_fmt == 1:
        return f"{r}% {vat}"
    return f"{vat} {r} % {d.label('on')} {d.amt(base)}"  # a base amount: a distractor


def totals_rows(d: Doc) -> list[Row]:
    """Net, VAT per rate, total, then prepaid and amount due; records what is printed."""
    inv = d.inv
    rows: list[Row] = [(d.label("net"), d.amt(inv.net), False)]
    rows += [(vat_label(d, r, b), d.amt(t), False) for r, b, t in inv.vat_lines()]
    rows.append((d.label("total") + d.currency_note(), d.amt(inv.gross), True))
    d.printed["total"] = rows[-1][1]
    if inv.prepaid:
        sign = "-" if d.style.minus_prepaid else ""
        rows.append((d.label("prepaid"), sign + d.amt(inv.prepaid), False))
    if inv.prepaid or d.style.show_due:
        rows.append((d.label("due_amount"), d.amt(inv.due_amount), True))
        d.printed["amount_due"] = rows[-1][1]
    return rows


def totals_block(d: Doc, y: float, xl: float, xr: float, leading: float = 14.0) -> float:
    rows = totals_rows(d)
    y = d.ensure(y, leading * len(rows) + 10)
    for label, value, bold in rows:
        if bold:
            d.rule(xl, xr, y + leading - 4, 0.4)
        d.text(xl, y, label + (":" if d.style.colon else ""), 9.5, bold=bold)
        d.text(xr, y, value, 9.5, bold=bold, align="right")
        y -= leading
    return y


def totals_across(d: Doc, y: float) -> float:
    """Totals as one table: headers Net | VAT | Total [| Prepaid | Amount due] over one row."""
    rows = totals_rows(d)
    y = d.ensure(y, 40)
    step = (d.right - d.left) / len(rows)
    for i, (label, value, bold) in enumerate(rows):
        x = d.left + step * (i + 1) - 4
        d.text(x, y, label, d.fit(label, 8, step - 8, bold=True), bold=True, align="right")
        d.text(x, y - 15, value, 10, bold=bold, align="right")
    d.canvas.rect(d.left - 4, y - 22, d.right - d.left + 4, 36, stroke=1, fill=0)
    d.rule(d.left - 4, d.right, y - 6, 0.3)
    return y - 40


def closing(d: Doc, y: float) -> float:
    y = d.ensure(y, 40)
    terms = d.label("terms").format(n=(d.inv.dates["due"] - d.inv.dates["issued"]).days)
    if d.rng.random() < 0.5:
        terms += f" ({d.label('due')}: {d.day('due')})"
    d.text(d.left, y, terms, 9)
    d.text(d.left, y - 14, d.label("thanks"), 9)
    return y - 28


def legal_lines(d: Doc) -> list[str]:
    s, inv = d.inv.seller, d.inv
    return [
        inv.register,
        f"{d.label('vat_id', True)} {s.vat_id}",
        f"{d.label('director', True)} {inv.director}",
        f"{d.label('registered')} {d.day('registered')}",
    ]


def footer_columns(d: Doc) -> None:
    """Three small columns: the seller's address, its register data, its bank."""
    s = d.inv.seller
    width = (d.right - d.left) / 3
    blocks = (
        [s.name, *s.lines, f"{d.label('phone')} {s.phone}"],
        legal_lines(d),
        [d.label("bank", True), *d.inv.bank.split(" · ")],
    )
    d.rule(d.left, d.right, 82)
    for i, block in enumerate(blocks):
        for j, line in enumerate(block):
            d.text(d.left + i * width, 72 - j * 9, line, d.fit(line, 7, width - 6, False))


def footer_page(d: Doc) -> None:
    d.text(d.right, 40, f"{d.label('page')} {d.page}", 8, align="right")
    d.text(d.left, 40, d.inv.bank, 7)


# -- the layout families ----------------------------------------------------------------


def fam_classic(d: Doc) -> None:
    """Letterhead top-left, buyer window, meta table on the right, legal footer columns."""
    s, size = d.inv.seller, d.rng.choice((15.0, 18.0, 22.0))
    d.footer = footer_columns
    d.text(d.left, d.top, s.name, d.fit(s.name, size, 330), bold=True)
    y = d.top - size - 2
    for line in (*s.lines, f"{d.label('phone')} {s.phone}", s.email):
        d.text(d.left, y, line, 8.5)
        y -= 11
    window = d.top - 150
    if d.rng.random() < 0.3:
        sender_line(d, d.left, window + 16)
    address_block(d, d.left, window, d.inv.buyer)
    kv_table(d, d.right - 210, window, meta_pairs(d), d.right, value_align="right")
    y = d.top - 260
    d.text(d.left, y, d.title(), 14, bold=True)
    y = items_table(d, y - 24)
    y = totals_block(d, y - 6, d.right - 220, d.right)
    closing(d, y - 18)


def fam_twocol(d: Doc) -> None:
    """Seller | Buyer headings side by side, each with its name and address in its column."""
    d.footer = footer_page
    d.text(d.left, d.top, d.title(), 20, bold=True)
    y = d.top - 50
    mid = (d.left + d.right) / 2 + d.rng.uniform(-20, 20)
    for x, key, party in ((d.left, "seller", d.inv.seller), (mid, "buyer", d.inv.buyer)):
        d.text(x, y, d.label(key).rstrip(":").upper(), 8, bold=True)
        address_block(d, x, y - 15, party, vat=True, bold_name=d.rng.random() < 0.5)
    y -= 110
    pairs = meta_pairs(d)
    for i, (label, value) in enumerate(pairs):  # "Label: value" runs, two per line
        x = d.left if i % 2 == 0 else mid
        d.text(x, y, f"{label}: {value}", 9)
        y -= 13 if i % 2 else 0
    y = items_table(d, y - 30)
    y = totals_block(d, y - 6, d.right - 230, d.right)
    y = closing(d, y - 18)
    d.text(d.left, y - 10, " · ".join(legal_lines(d)[:2]), 7)


def section(d: Doc, y: float, heading: str, rows: Sequence[tuple[str, str]], vx: float) -> float:
    y = d.ensure(y, 16 + 13 * len(rows))
    d.text(d.left, y, heading, 11, bold=True)
    d.rule(d.left, d.right, y - 4, 0.3)
    y -= 18
    for label, value in rows:
        d.text(d.left + 8, y, label + (":" if label else ""), 9)
        d.text(vx, y, value, 9)
        y -= 13
    return y - 8


def viewer_party(d: Doc, party: Party) -> list[tuple[str, str]]:
    return [
        (d.label("name"), party.name),
        (d.label("address"), party.lines[0]),
        ("", party.lines[1]),
        (d.label("vat_id"), party.vat_id),
        (d.label("phone"), party.phone),
    ]


def fam_viewer(d: Doc) -> None:
    """Like an XML viewer: sections, each a column of labels and a column of values."""
    d.footer = footer_page
    vx = d.left + d.rng.choice((120, 150, 180))
    d.text(d.left, d.top, d.title(), 16, bold=True)
    y = section(d, d.top - 30, d.label("seller"), viewer_party(d, d.inv.seller), vx)
    y = section(d, y, d.label("buyer"), viewer_party(d, d.inv.buyer), vx)
    y = section(d, y, d.label("document"), meta_pairs(d, extra=4), vx)
    y = section(d, y, d.label("items"), [], vx)
    y = items_table(d, y + 4)
    rows = [(label, value) for label, value, _ in totals_rows(d)]
    section(d, y - 4, d.label("totals"), rows, vx)


def fam_metarow(d: Doc) -> None:
    """Centred letterhead; meta as a row of labels with the values in the row below."""
    s = d.inv.seller
    d.footer = footer_columns
    centre = (d.left + d.right) / 2
    d.text(centre, d.top, s.name, d.fit(s.name, 18, 420), bold=True, align="center")
    contact = f"{s.lines[0]} · {s.lines[1]} · {d.label('phone')} {s.phone}"
    d.text(centre, d.top - 16, contact, 8, align="center")
    d.rule(d.left, d.right, d.top - 24)
    address_block(d, d.left, d.top - 110, d.inv.buyer)
    y = d.top - 230
    d.text(d.left, y, d.title(), 16, bold=True)
    pairs = meta_pairs(d, extra=3)
    step = (d.right - d.left) / len(pairs)
    for i, (label, value) in enumerate(pairs):
        d.text(d.left + i * step, y - 24, label, d.fit(label, 7.5, step - 6, False))
        d.text(d.left + i * step, y - 37, value, d.fit(value, 9.5, step - 6, False))
    d.rule(d.left, d.right, y - 42, 0.3)
    y = items_table(d, y - 66)
    y = totals_block(d, y - 6, d.right - 200, d.right)
    closing(d, y - 18)


def fam_logoright(d: Doc) -> None:
    """Seller top-right under 'From:', buyer top-left under 'To:', meta under the buyer."""
    s = d.inv.seller
    d.footer = footer_page
    d.text(d.right, d.top + 14, d.label("from"), 8, align="right")
    size = d.rng.choice((14.0, 18.0, 24.0))
    width = (d.right - d.left) * 0.6
    d.text(d.right, d.top - size + 10, s.name, d.fit(s.name, size, width), bold=True, align="right")
    y = d.top - size - 6
    for line in (*s.lines, s.phone, f"{d.label('vat_id', True)} {s.vat_id}"):
        d.text(d.right, y, line, 8.5, align="right")
        y -= 11
    d.text(d.left, d.top - 66, d.label("to"), 8)  # below the seller's name, which may be long
    buyer_end = address_block(d, d.left, d.top - 80, d.inv.buyer, bold_name=True)
    y = min(y, buyer_end) - 30
    d.text(d.left, y, d.title(), 18, bold=True)
    y = kv_table(d, d.left, y - 22, meta_pairs(d), d.left + 130)
    y = items_table(d, y - 16)
    y = totals_block(d, y - 6, d.right - 210, d.right)
    y = closing(d, y - 18)
    d.text(d.left, y - 8, f"{d.label('bank', True)} {d.inv.bank} · {d.inv.register}", 7)


def mono_lines(d: Doc) -> list[tuple[str, bool] | None]:
    """Everything as fixed-width text lines; None marks the forced page break."""
    inv, s, w = d.inv, d.inv.seller, 78
    lines: list[tuple[str, bool] | None] = [(s.name, True)]
    lines += [(x, False) for x in (*s.lines, f"{d.label('vat_id', True)} {s.vat_id}", "")]
    lines.append((d.label("buyer", True), False))
    lines += [(x, False) for x in (*party_lines(d, inv.buyer), "")]
    lines.append((d.title().upper(), True))
    lines += [(f"{label + ':':<24}{value}", False) for label, value in meta_pairs(d, extra=4)]
    head = f"{d.label('desc'):<32}{d.label('qty'):>8}{d.label('unit'):>18}{d.label('amount'):>20}"
    lines += [("", False), ("-" * w, False), (head, False), ("-" * w, False)]
    for i, item in enumerate(inv.items):
        if i and i == d.style.break_after:
            lines.append(None)
        desc = item.description[:31]
        unit, amount = d.cell(item.unit_price, signed=False), d.cell(item.amount)
        row = f"{desc:<32}{d.qty(item):>8}{unit:>18}{amount:>20}"
        lines.append((row, False))
    lines.append(("-" * w, False))
    if d.style.break_after == len(inv.items):
        lines.append(None)
    lines += [(f"{label + ':':<48}{value:>30}", bold) for label, value, bold in totals_rows(d)]
    days = (inv.dates["due"] - inv.dates["issued"]).days
    lines += [("", False), (d.label("terms").format(n=days), False), (inv.bank, False)]
    return lines


def fam_mono(d: Doc) -> None:
    """Courier, everything left aligned, 'Label: value' lines, a fixed-width items table."""
    d.footer = lambda doc: doc.text(doc.left, 50, doc.inv.register, 8)
    y = d.top
    for line in mono_lines(d):
        if line is None or y < d.bottom:
            y = d.new_page()
            if line is None:
                continue
        d.text(d.left, y, line[0], 9, bold=line[1])
        y -= 11.5


def fam_footeronly(d: Doc) -> None:
    """The seller is named only in the small sender line and in the footer."""
    inv = d.inv
    d.footer = footer_centered
    d.text(d.right, d.top, d.label("invoice").upper(), 22, bold=True, align="right")
    window = d.top - 120
    sender_line(d, d.left, window + 16)
    address_block(d, d.left, window, inv.buyer)
    kv_table(d, d.right - 190, window + 10, meta_pairs(d), d.right, value_align="right")
    y = d.top - 250
    subject = f"{d.label('invoice')} {inv.number}" if d.rng.random() < 0.5 else d.title()
    d.text(d.left, y, subject, 12, bold=True)
    y = items_table(d, y - 24)
    y = totals_block(d, y - 6, d.right - 220, d.right)
    closing(d, y - 18)


def footer_centered(d: Doc) -> None:
    s, inv = d.inv.seller, d.inv
    centre = (d.left + d.right) / 2
    first = " · ".join((s.name, *s.lines, inv.register))
    second = " · ".join((f"{d.label('vat_id')} {s.vat_id}", inv.bank,
                         f"{d.label('director', True)} {inv.director}"))
    d.rule(d.left, d.right, 64, 0.3)
    d.text(centre, 54, first, d.fit(first, 7.5, d.right - d.left, False), align="center")
    d.text(centre, 44, second, d.fit(second, 7, d.right - d.left, False), align="center")


def fam_boxed(d: Doc) -> None:
    """Title band with the seller on the right, boxed meta and buyer, totals across."""
    s = d.inv.seller
    d.footer = footer_columns
    d.canvas.setFillGray(0.88)
    d.canvas.rect(d.left - 6, d.top - 14, d.right - d.left + 12, 40, stroke=0, fill=1)
    d.canvas.setFillGray(0)
    d.text(d.left, d.top, d.title(), 20, bold=True)
    d.text(d.right, d.top + 6, s.name, d.fit(s.name, 11, 250), bold=True, align="right")
    d.text(d.right, d.top - 6, f"{s.lines[0]}, {s.lines[1]}", 7.5, align="right")
    y = d.top - 50
    mid = (d.left + d.right) / 2
    pairs = meta_pairs(d)
    d.canvas.rect(d.left - 4, y - 13 * len(pairs) - 4, mid - d.left - 10, 13 * len(pairs) + 16)
    kv_table(d, d.left, y, pairs, mid - 20, value_align="right")
    d.canvas.rect(mid + 4, y - 80, d.right - mid, 96)
    d.text(mid + 10, y, d.label("buyer").upper(), 8, bold=True)
    address_block(d, mid + 10, y - 14, d.inv.buyer, vat=d.rng.random() < 0.5)
    y = items_table(d, y - 120)
    y = totals_across(d, y - 10)
    closing(d, y - 10)


def fam_sidebar(d: Doc) -> None:
    """Seller across the top, its details in a grey left sidebar, the invoice on the right."""
    s, inv = d.inv.seller, d.inv
    d.footer = footer_page
    d.text(d.left, d.top, s.name, d.fit(s.name, 20, d.right - d.left), bold=True)
    side, x = 150.0, d.left + 165
    d.canvas.setFillGray(0.93)
    d.canvas.rect(d.left - 6, d.bottom, side, d.top - d.bottom - 30, stroke=0, fill=1)
    d.canvas.setFillGray(0)
    y = d.top - 50
    details = [*s.lines, s.phone, s.email, "", d.label("vat_id", True), s.vat_id, "",
               *inv.bank.split(" · "), "", inv.register, d.label("director", True), inv.director]
    for line in details:
        d.text(d.left, y, line, d.fit(line, 7.5, side - 14, False))
        y -= 10
    d.text(x, d.top - 50, d.label("buyer").upper(), 8, bold=True)
    address_block(d, x, d.top - 64, inv.buyer)
    y = kv_table(d, x, d.top - 150, meta_pairs(d), d.right, value_align="right")
    d.text(x, y - 14, d.title(), 15, bold=True)
    y = items_table(d, y - 38, x, d.right)
    y = totals_block(d, y - 6, d.right - 200, d.right)
    d.text(x, y - 14, d.label("thanks"), 9)


def receipt_size(inv: Invoice) -> tuple[float, float]:
    return RECEIPT_WIDTH, 290.0 + 24 * len(inv.items) + (22 if inv.prepaid else 0)


def tendered(due: Decimal) -> Decimal:
    """Cash handed over: the due amount rounded up to the next 10 (a distractor amount)."""
    return (due / 10).to_integral_value(rounding=ROUND_CEILING) * 10


def fam_receipt(d: Doc) -> None:
    """A narrow till receipt: centred header, items as two-line entries, totals at the end."""
    s, inv = d.inv.seller, d.inv
    centre, y = RECEIPT_WIDTH / 2 + d.style.dx / 3, d.top
    width = d.right - d.left
    d.text(centre, y, s.name, d.fit(s.name, 11, width), bold=True, align="center")
    for line in (*s.lines, f"{d.label('phone')} {s.phone}", f"{d.label('vat_id')} {s.vat_id}"):
        y -= 10
        d.text(centre, y, line, d.fit(line, 7.5, width, False), align="center")
    y -= 20
    d.text(centre, y, d.label("invoice").upper(), 10, bold=True, align="center")
    for label, value in [*meta_pairs(d, extra=1), (d.label("buyer"), inv.buyer.name)]:
        y -= 11
        line = f"{label}: {value}"
        d.text(d.left, y, line, d.fit(line, 7.5, width, False))
    y = receipt_rule(d, y - 6)
    for item in inv.items:
        d.text(d.left, y, item.description, 7.5)
        d.text(d.left + 8, y - 10, f"{d.qty(item)} x {d.cell(item.unit_price, signed=False)}", 7.5)
        d.text(d.right, y - 10, d.cell(item.amount), 7.5, align="right")
        y -= 24
    y = receipt_rule(d, y + 6)
    for label, value, bold in totals_rows(d):
        d.text(d.left, y, label, d.fit(label, 8, width - 80, bold), bold=bold)
        d.text(d.right, y, value, 8, bold=bold, align="right")
        y -= 11
    y = receipt_paid(d, y)
    d.text(centre, y - 14, d.label("thanks"), d.fit(d.label("thanks"), 7.5, width, False),
           align="center")


def receipt_rule(d: Doc, y: float) -> float:
    d.canvas.setDash(2, 2)
    d.rule(d.left, d.right, y)
    d.canvas.setDash()
    return y - 12


def receipt_paid(d: Doc, y: float) -> float:
    """'Paid' by card (the due amount) or in cash (more, with change): not the amount due."""
    due = d.inv.due_amount
    if d.inv.credit:
        return y
    if d.rng.random() < 0.4:
        d.text(d.left, y, f"{d.label('paid')} (EC/Visa)", 8)
        d.text(d.right, y, d.amt(due), 8, align="right")
        return y - 11
    cash = tendered(due)
    for label, value in ((f"{d.label('paid')} {d.label('cash')}", cash),
                         (d.label("change"), cash - due)):
        d.text(d.left, y, label, 8)
        d.text(d.right, y, d.amt(value), 8, align="right")
        y -= 11
    return y


Layout = Callable[[Doc], None]
FAMILIES: dict[str, Layout] = {
    "classic": fam_classic,
    "twocol": fam_twocol,
    "viewer": fam_viewer,
    "metarow": fam_metarow,
    "logoright": fam_logoright,
    "mono": fam_mono,
    "footeronly": fam_footeronly,
    "receipt": fam_receipt,
    "boxed": fam_boxed,
    "sidebar": fam_sidebar,
}


# -- the set ----------------------------------------------------------------------------


def manifest_row(file: str, family: str, d: Doc, pages: int) -> dict[str, Any]:
    inv, sign = d.inv, -1 if d.inv.credit else 1
    printed_sign = -1 if d.style.negative else 1
    items = [
        {
            "description": i.description,
            "quantity": str(printed_sign * i.quantity),
            "unit_price": money_label(i.unit_price),
            "amount": money_label(printed_sign * i.amount),
        }
        for i in inv.items
    ]
    printed = {"vendor": inv.seller.name, "invoice_number": inv.number, "date": d.day("issued")}
    return {
        "file": file,
        "total": money_label(sign * inv.gross),
        "currency": inv.currency,
        "date": inv.dates["issued"].strftime("%Y%m%d"),
        "vendor": inv.seller.name,
        "invoice_number": inv.number,
        "amount_due": money_label(sign * inv.due_amount),
        "layout_group": f"synth-{family}",
        "language": inv.lang,
        "document_type_code": "381" if inv.credit else "380",
        "line_items": items,
        "buyer": inv.buyer.name,
        "pages": pages,
        "printed": printed | d.printed,
    }


def render_one(out_dir: Path, index: int, family: str, lang: str, seed: int) -> dict[str, Any]:
    rng = random.Random(f"{seed}:{index}")  # str seeds hash with sha512: stable across runs
    inv = make_invoice(rng, lang, small=family == "receipt")
    file = f"pdf/{index:03d}-{family}-{lang}.pdf"
    size = receipt_size(inv) if family == "receipt" else A4
    doc = Doc(out_dir / file, inv, make_style(rng, inv, family), rng, size)
    FAMILIES[family](doc)
    return manifest_row(file, family, doc, doc.finish())


def language_plan(count: int, seed: int) -> list[str]:
    """Languages in equal shares, shuffled: every language occurs once count >= 7."""
    plan = [LANGS[i % len(LANGS)] for i in range(count)]
    random.Random(f"{seed}:languages").shuffle(plan)
    return plan


def generate(out_dir: Path, per_family: int = 6, seed: int = 0) -> Path:
    """Write ``per_family`` PDFs of every family and their manifest; returns its path."""
    (out_dir / "pdf").mkdir(parents=True, exist_ok=True)
    families = list(FAMILIES)
    count = per_family * len(families)
    langs = language_plan(count, seed)
    rows = [
        render_one(out_dir, i, families[i % len(families)], langs[i], seed) for i in range(count)
    ]
    manifest = out_dir / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--per-family", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    manifest = generate(args.out_dir, args.per_family, args.seed)
    print(f"wrote {manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
