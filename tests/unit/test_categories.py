"""The expense category guessed from the vendor, the line items and the page's words
(``billify.domain.categories``), in the languages of the documents Billify reads."""

from __future__ import annotations

import pytest

from billify.domain.categories import CATEGORIES, OTHER, CategoryGuess, categorize, fold
from billify.domain.category_words import ROWS

# (vendor, line items, page text, the category)
EXAMPLES = [
    # groceries
    ("FRESHCO SUPERMARKET SDN BHD", ["CAP BERAS 10KG", "GULA HALUS 1KG"], "", "groceries"),
    ("Kedai Runcit Ah Seng", [], "TELUR GRED A\nMINYAK MASAK 5KG\nTOTAL 31.20", "groceries"),
    ("Bäckerei Schmidt", ["Roggenbrot", "2 Brötchen"], "", "groceries"),
    ("Épicerie du Marché", ["Lait demi-écrémé", "Fromage"], "", "groceries"),
    ("Versmarkt B.V.", ["Volkoren brood", "Halfvolle melk", "Kaas jong"], "", "groceries"),
    # dining
    ("RESTORAN NASI KANDAR MAJU", ["TEH TARIK", "NASI LEMAK"], "", "dining"),
    ("Gasthaus zur Post", ["Schnitzel", "Bier"], "Tisch 4  Bedienung: Anna", "dining"),
    ("Le Petit Bistrot", ["Plat du jour", "Café"], "Table 7 - 2 couverts", "dining"),
    ("Brasserie De Hoek", [], "Tafel 3\nLunch\nDrankjes", "dining"),
    ("Golden Dragon Restaurant", ["Fried rice", "Iced lemon tea"], "TABLE 12 PAX 3", "dining"),
    # transport
    ("SHELL KEPONG", [], "PUMP # 07 FUELSAVE 95 39.54 LITRE", "transport"),
    ("Aral Tankstelle Hauptbahnhof", ["Super E10 42,1 l"], "", "transport"),
    (
        "City Parking Sdn Bhd",
        [],
        "ENTRY TIME 08:21 PAID TIME 09:49 PARKING FEE RM7.00",
        "transport",
    ),
    ("Taxi Dupont", ["Course Gare - Aéroport"], "", "transport"),
    # travel
    ("Hotel Am Stadtpark", ["Übernachtung Einzelzimmer", "Frühstück"], "", "travel"),
    ("Seaview Resort", [], "Room charges 2 nights  Check in 01/03 Check out 03/03", "travel"),
    ("Hôtel de la Gare", ["Nuitée chambre double", "Taxe de séjour"], "", "travel"),
    # utilities
    ("Stadtwerke Musterstadt", ["Arbeitspreis Strom 2.450 kWh", "Grundgebühr"], "", "utilities"),
    ("Tenaga Nasional Berhad", [], "BIL ELEKTRIK  Penggunaan 412 kWh", "utilities"),
    ("Free", ["Free Haut Débit"], "Abonnements, forfaits et options  Freebox", "utilities"),
    # housing
    ("Hausverwaltung Müller", ["Miete März", "Nebenkosten Vorauszahlung"], "", "housing"),
    ("Agence Immobilière Durand", ["Loyer avril", "Charges locatives"], "", "housing"),
    # home
    ("MR. D.I.Y. (M) SDN BHD", ["CABLE TIE 4*200MM", "SPONGE MESH 4S"], "", "home"),
    ("KEDAI PERKAKASAN SENG HUAT", ['PAKU 2"', "SIMEN 50KG"], "", "home"),
    ("Perabot Jaya Sdn Bhd", ["SOFA 3 SEATER", "COFFEE TABLE"], "", "home"),
    ("OBI Baumarkt", ["Schrauben 4x40", "Wandfarbe weiß 10 l"], "", "home"),
    ("Bricolage Martin", ["Peinture blanche", "Pinceau"], "", "home"),
    ("Gamma Bouwmarkt", ["Verf wit", "Kwast"], "", "home"),
    # office
    ("TEO HENG STATIONERY & BOOKS", ["A4 PAPER 70GSM", "GEL PEN 0.5"], "", "office"),
    ("Papeterie Centrale", ["Ramette papier A4", "Stylos bille"], "", "office"),
    ("Schreibwaren Klein", ["Kopierpapier A4", "Ordner"], "", "office"),
    ("Copy Centre", ["Colour copy A4 x 20"], "PRINTING & BINDING", "office"),
    # health
    ("FARMASI SEJAHTERA", ["PANADOL ACTIFAST", "VITAMIN C 1000MG"], "", "health"),
    ("Apotheke am Markt", ["Ibuprofen 400", "Rezeptgebühr"], "", "health"),
    ("Physiotherapie Weber", ["Krankengymnastik", "Hausbesuch"], "", "health"),
    ("Pharmacie du Centre", ["Doliprane 1000", "Ordonnance"], "", "health"),
    # shopping
    ("Coolblue B.V.", ["Apple iPad Air Wifi 16 GB", "Nintendo 3DS XL"], "FACTUUR", "shopping"),
    ("UNIQLO MALAYSIA", ["T-SHIRT CREW NECK", "JEANS SLIM FIT"], "", "shopping"),
    ("Kedai Pakaian Siti", ["BAJU KURUNG", "TUDUNG BAWAL"], "", "shopping"),
    ("Elektronikmarkt Nord", ["Kopfhörer", "Speicherkarte 64 GB"], "", "shopping"),
    # services
    ("MVM Versicherungsverein a.G.", ["Privathaftpflicht"], "", "services"),
    (
        "Amazon Web Services, Inc.",
        ["Amazon Elastic Compute Cloud", "Data Transfer"],
        "",
        "services",
    ),
    ("Cabinet Lefèvre Avocats", ["Honoraires conseil juridique"], "", "services"),
    ("Jansen Advies B.V.", ["Advieswerkzaamheden 12 uren"], "", "services"),
    ("DOBI EXPRESS", ["CUCI & LIPAT 5KG"], "", "services"),
]


@pytest.mark.parametrize(("vendor", "items", "text", "expected"), EXAMPLES)
def test_the_category_of_realistic_documents(
    vendor: str, items: list[str], text: str, expected: str
) -> None:
    guess = categorize(vendor, items, text)
    assert guess.category == expected, guess


def test_every_category_but_other_has_examples_here() -> None:
    assert {example[3] for example in EXAMPLES} == set(CATEGORIES) - {OTHER}


def test_every_lexicon_row_names_a_known_category_and_language() -> None:
    for category, language, weight, terms in ROWS:
        assert category in CATEGORIES and category != OTHER
        assert language in {"en", "de", "fr", "nl", "ms", "brand"}
        assert 0 < weight <= 2
        assert all(term.strip() for term in terms.split(",")), (category, language)


def test_nothing_to_go_on_is_other_with_low_confidence() -> None:
    for vendor, items, text in [(None, [], ""), ("", [], ""), ("ABC SDN BHD", ["X-100"], "")]:
        guess = categorize(vendor, items, text)
        assert guess == CategoryGuess(OTHER, guess.confidence)
        assert guess.confidence <= 0.25


def test_a_plain_vendor_name_is_trusted_more_than_a_single_page_word() -> None:
    by_vendor = categorize("FARMASI ALPRO", [], "")
    by_word = categorize("ABC TRADING", [], "Thank you\n1 x vitamin C 12.00\nTotal 12.00")
    assert by_vendor.category == by_word.category == "health"
    assert by_vendor.confidence >= 0.85
    assert 0.35 <= by_word.confidence <= 0.6
    assert by_vendor.confidence > by_word.confidence


def test_the_vendor_weighs_more_than_the_items_and_the_items_more_than_the_page() -> None:
    # One word for office in one place, one word for groceries in another.
    assert categorize("SUPERMARKET", ["A4 paper"], "").category == "groceries"
    assert categorize("", ["bread"], "stationery").category == "groceries"
    assert categorize("", [], "stationery bread").category in {"office", "groceries"}


def test_a_tie_is_decided_by_where_the_words_are_and_is_not_confident() -> None:
    # One grocery word and one dining word, both on the page only: an even split.
    tie = categorize("", [], "MILK\nTABLE")
    assert tie.category in {"groceries", "dining"}
    clear = categorize("", [], "MILK\nBREAD\nEGGS")
    assert clear.category == "groceries"
    assert tie.confidence < clear.confidence
    # The same words, one of them in the vendor's name: that one wins.
    assert categorize("Table & Co", [], "MILK").category == "dining"


def test_the_guess_is_the_same_whatever_the_order_of_equal_evidence() -> None:
    one = categorize("", ["bread", "pen"], "")
    other = categorize("", ["pen", "bread"], "")
    assert one == other


def test_every_returned_category_is_known_and_confidence_within_bounds() -> None:
    for vendor, items, text, _ in EXAMPLES:
        for guess in (
            categorize(vendor, items, text),
            categorize(None, items, ""),
            categorize(vendor, [], ""),
            categorize(None, [], text),
        ):
            assert guess.category in CATEGORIES
            assert 0.0 <= guess.confidence <= 1.0


def test_longer_phrases_hide_the_words_inside_them() -> None:
    # "Goods and Services Tax" (Malaysian GST) is no service; "mineral water" no utility.
    gst = categorize("", [], "GOODS AND SERVICES TAX 6%\nTOTAL INCL. GST")
    assert gst.category == OTHER
    assert categorize("", ["EVIAN MINERAL WATER 6X1.5L"], "").category == "groceries"
    # "Amazon Web Services" is cloud hosting, not the Amazon shop.
    assert categorize("Amazon Web Services", [], "").category == "services"


def test_street_names_are_not_trades() -> None:
    # A restaurant on Jalan Perubatan ("medicine street") is no clinic.
    guess = categorize(
        "KMF FOODICIOUS SDN BHD",
        [],
        "NO. 9-G, JALAN PERUBATAN 2, PANDAN INDAH\nTABLE T13\nTERIYAKI DON\nGREEN TEA",
    )
    assert guess.category == "dining"


def test_compound_words_and_accents_are_matched() -> None:
    assert categorize("", ["Kraftfahrtversicherung Vollkasko"], "").category == "services"
    assert categorize("", ["Mineralwasser 12 x 1,0 l"], "").category == "groceries"
    assert categorize("Fahrschule & Taxiunternehmen GmbH", [], "").category == "transport"
    # A stem never matches a glued OCR word it only begins: TAXINVOICE is no taxi.
    assert categorize("", [], "TAXINVOICE NO 123").category == OTHER


def test_fold_keeps_letters_and_digits_only() -> None:
    assert fold("Bäckerei Groß-Straße, MR. D.I.Y.") == [
        "backerei",
        "gross",
        "strasse",
        "mr",
        "d",
        "i",
        "y",
    ]
