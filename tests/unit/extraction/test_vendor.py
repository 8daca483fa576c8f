"""The vendor rules: where a business prints its name and what a name looks like."""

from __future__ import annotations

from billify.domain.extraction import TextLine
from billify.domain.extraction.lines import Row, group_rows
from billify.domain.extraction.vendor import find_vendor
from billify.domain.extraction.vendor_text import brand_of_domain, complete, names_in, web_domains


def vendor_of(*rows: str) -> str | None:
    lines = [
        TextLine(text, (40, 20.0 + 30 * i, 40 + 9 * len(text), 40.0 + 30 * i))
        for i, text in enumerate(rows)
    ]
    return find_vendor(group_rows(lines)).name


def test_a_name_that_starts_with_a_business_word() -> None:
    # "RESTORAN"/"KEDAI" begin Malay names: the row is a name, not the tail of one
    name = vendor_of(
        "RESTORAN WAN SHENG",
        "002043319-W",
        "No.2, Jalan Temenggung 19/9,",
        "Seksyen 9, Bandar Mahkota Cheras,",
        "43200 Cheras, Selangor",
        "GST REG NO:001335787520",
        "Tax Invoice",
    )
    assert name == "RESTORAN WAN SHENG"


def test_a_name_over_three_rows_is_joined() -> None:
    name = vendor_of(
        "AIK HUAT HARDWARE",
        "ENTERPRISE (SETIA",
        "ALAM) SDN BHD",
        "822737-X",
        "NO. 17-G, JALAN SETIA INDAH",
        "SIMPLIFIED TAX INVOICE",
    )
    assert name == "AIK HUAT HARDWARE ENTERPRISE (SETIA ALAM) SDN BHD"


def test_a_name_ending_with_an_ampersand_takes_the_next_row() -> None:
    name = vendor_of(
        "HOME MASTER HARDWARE &",
        "ELECTRICAL",
        "NO.113G, JALAN SETIA GEMBILANG",
        "Company Reg No. :SA03711551-P",
        "TAX INVOICE",
    )
    assert name == "HOME MASTER HARDWARE & ELECTRICAL"


def test_a_row_starting_with_an_ampersand_continues_the_row_above() -> None:
    name = vendor_of(
        "A04082", "THE COFFEE BEAN", "& TEA LEAF (M) SDN. BHD.", "Company No.:441970-H"
    )
    assert name == "THE COFFEE BEAN & TEA LEAF (M) SDN. BHD."


def test_the_name_above_the_registration_number_beats_a_scribble_on_top() -> None:
    name = vendor_of(
        "Cele R",
        "KEDAI PAPAN YEW CHUAN",
        "(0005583085-K)",
        "LOT 276 JALAN BANTING",
        "43800 DENGKIL, SELANGOR.",
        "TAX INVOICE",
    )
    assert name == "KEDAI PAPAN YEW CHUAN"


def test_address_rows_are_not_names() -> None:
    name = vendor_of(
        "ASO ELECTRICAL TRADING SDN BHD",
        "1000131-K",
        "NO 31G, JALAN SEPADU C 25/C,",
        "SECTION 25, TAMAN INDUSTRIES,",
        "AXIS 40400 SHAH ALAM, SELANGOR.",
    )
    assert name == "ASO ELECTRICAL TRADING SDN BHD"


def test_cash_and_carry_is_a_business_not_a_payment() -> None:
    assert vendor_of("FIVE STAR CASH & CARRY", "(1365663-P)", "No.1 Jalan SS 9/1") == (
        "FIVE STAR CASH & CARRY"
    )


def test_a_registration_number_in_brackets_is_dropped_from_the_name() -> None:
    assert vendor_of("Dion Realties Sdn Bhd (Co. No:20154-T)", "27, Jalan Sultan Ismail") == (
        "Dion Realties Sdn Bhd"
    )


def test_formerly_known_as_is_not_part_of_the_name() -> None:
    name = vendor_of("MYNEWS RETAIL SB(306295-X) FKA BISON STORES SB", "LOT 1, JALAN 2")
    assert name == "MYNEWS RETAIL SB"


def test_a_seller_label_inside_a_row_names_the_issuer() -> None:
    name = vendor_of(
        "ALEXINUX",
        "de Lattre Alexis",
        "27 rue Henri Rolland",
        "Facture n° 2022089083",
        "Virement  BRED BANQUE \u2013 Titulaire du compte : NETPRESSE",
        "NETPRESSE",
        "Siège social : 16 rue Mollien - 92100 BOULOGNE",
        "Sarl au capital de 10 000€ - RCS Paris B 530 848 134",
    )
    assert name == "NETPRESSE"


def test_section_headings_in_the_items_table_are_not_names() -> None:
    name = vendor_of(
        "Azure Interior",
        "4557 De Silva St",
        "Invoice INV/2023/03/0008",
        "Description  Quantity  Amount",
        "--- Food Products ---",
        "http://www.azure-interior.com",
    )
    assert name == "Azure Interior"


def test_a_logo_word_before_the_same_word_is_dropped() -> None:
    name = vendor_of("amazon  Amazon Web Services Invoice", "Invoice Number: 42183017")
    assert name == "Amazon Web Services"


def test_the_brand_of_the_printed_domain_beats_an_unrelated_legal_name() -> None:
    name = vendor_of(
        "Retail Invoice",
        "Invoice No : 1234567",
        "Sold By : WS Retail Services Pvt. Ltd.,",
        "Invoice Date: 20-10-2015",
        "Grand Total  319.00",
        "Ordered Through : Flipkart.com  www.flipkart.com/support",
        "Returns Policy: At Flipkart we try to deliver perfectly each and every time.",
    )
    assert name == "Flipkart"


def test_an_all_caps_brand_that_begins_the_domain() -> None:
    name = vendor_of(
        "PAYMENT RECEIPT",
        "OYO 4189 Resort Nanganallur",
        "Grand Total  Rs 1939",
        "Payment received by OYO",
        "Oravel Stays Private Limited",
        "Registered Office: Level 4, Saket, New Delhi - 110017",
        "Email: contactus@oyorooms.com",
    )
    assert name == "OYO"


def test_a_one_word_name_that_is_the_domain_keeps_its_company_form() -> None:
    name = vendor_of(
        "QualityHosting AG",
        "Uferweg 40-42, 63571 Gelnhausen",
        "www.qualityhosting.de",
        "Rechnung Nr. 30064443",
        "Thank you for choosing QualityHosting",
    )
    assert name == "QualityHosting AG"  # as printed: the e-invoice's seller name has its form


def test_a_longer_name_that_fits_the_domain_is_kept_whole() -> None:
    name = vendor_of(
        "LEE WAH FLORIST SDN BHD",
        "(123456-X)",
        "NO 12, JALAN BUNGA RAYA, 50000 KUALA LUMPUR",
        "www.leewahflorist.com",
        "TAX INVOICE",
    )
    assert name == "LEE WAH FLORIST SDN BHD"


def test_the_legal_notice_names_the_seller_over_a_department_on_top() -> None:
    name = vendor_of(
        "Free Service Abonné",
        "75371 Paris Cedex 08",
        "de Lattre Alexis",
        "35 RUE du logiciel libre",
        "Facture n°562044387 du 02 Juillet 2015",
        "Total facture  24.99  5.00  29.99",
        "Au verso, vous trouverez le détail de votre facture Free",
        "Posez vos questions à l'adresse suivante : http://www.free.fr/assistance/",
        "Free SAS au capital de 3.441.812 Euros - B 421 938 861 RCS Paris",
    )
    # the seller's name as printed, company form included (not shortened to its web brand)
    assert name == "Free SAS"


def test_a_name_whose_initials_are_the_domain_is_kept() -> None:
    name = vendor_of(
        "Amazon Web Services, Inc.",
        "410 Terry Ave North, Seattle",
        "https://aws.amazon.com",
        "Invoice Number: 42183017",
        "AWS Service Charges  $4.11",
        "Thanks from AWS",
    )
    assert name == "Amazon Web Services, Inc."


def test_the_label_of_a_name_field_is_not_part_of_the_name() -> None:
    name = vendor_of("Verkäufer", "Name: Lieferant GmbH", "Lieferantenstraße 20, 80333 München")
    assert name == "Lieferant GmbH"


def test_the_name_under_a_seller_heading() -> None:
    name = vendor_of(
        "Handelsrechnung (380)  Nr. 471102  vom  05.06.2018",
        "Währung:  EUR",
        "Verkäufer",
        "Nummer:  549910",
        "Muster Handel",
        "Anschrift:  Musterstr. 12",
        "Käufer",
        "Kunden AG Mitte",
        "Kundenstraße 15",
    )
    assert name == "Muster Handel"


def test_a_word_printed_twice_in_the_same_spelling_is_part_of_the_name() -> None:
    name = vendor_of("SAM SAM TRADING CO", "(742016-W)", "67, JLN MEWAH 25/63", "TAX INVOICE")
    assert name == "SAM SAM TRADING CO"


def test_a_name_sharing_the_start_of_the_domain_is_kept() -> None:
    name = vendor_of(
        "SUPER.SEVEN CASH & CARRY SDN BHD",
        "(590150-A)",
        "PASARAYA BORONG SUPER SEVEN",
        "http://www.super7.com.my",
        "TAX INVOICE",
        "SUPER DEAL  RM5.00",
    )
    assert name == "SUPER.SEVEN CASH & CARRY SDN BHD"


def test_the_shop_above_its_owner_is_the_vendor() -> None:
    name = vendor_of(
        "SANYU STATIONERY SHOP",
        "NO. 31G&33G, JALAN SETIA INDAH X ,U13/X",
        "40170 SETIA ALAM",
        "GST ID No: 001531760640  TAX INVOICE",
        "Owned By :",
        "SANYU SUPPLY SDN BHD (1135772-K)",
        "CASH SALES COUNTER",
    )
    assert name == "SANYU STATIONERY SHOP"


def test_a_bracket_lost_by_ocr_after_a_short_mark_is_restored() -> None:
    name = vendor_of(
        "COSWAY (M SDN BHD E0118-A)",
        "2nd Floor, Wisma Cosway, Jalan Raja Chulan,",
        "50200 Kuala Lumpur, Malaysia.",
        "GST REGISTRATION NO:000743903232",
    )
    assert name == "COSWAY (M) SDN BHD"


def test_a_misread_jalan_is_still_an_address() -> None:
    name = vendor_of(
        "TAX INVOICE",
        "BHPetrol Subang Airport",
        "Jaian Lapangan Terbang Subang",
        "47200 Subang",
        "CO. REG. NO: 000948487-V",
    )
    assert name == "BHPetrol Subang Airport"


def test_a_row_ocr_could_hardly_read_is_not_the_start_of_the_name() -> None:
    texts = [
        (".staff lund", 0.7),  # a logo read as letters
        ("& BEST RESTAURANT", 0.97),
        ("(001610235-P)", 1.0),
        ("GST NO. : 001800839168", 0.95),
        ("NO. 2, JALAN SS4C/5, PETALING JAYA", 0.9),
    ]
    lines = [
        TextLine(text, (40, 20.0 + 30 * i, 40 + 9 * len(text), 40.0 + 30 * i), confidence)
        for i, (text, confidence) in enumerate(texts)
    ]
    assert find_vendor(group_rows(lines)).name == "BEST RESTAURANT"


# -- the name as text (vendor_text), directly ---------------------------------------------


def rows_of(*texts: str) -> list[Row]:
    return group_rows([TextLine(text, None, 1.0) for text in texts])


def test_the_names_a_row_may_hold() -> None:
    # a seller label and a title word are no part of the name; a sender line's first part is
    assert set(names_in("Seller: ACME Trading GmbH")) == {"ACME Trading GmbH"}
    assert "ACME AG" in names_in("ACME AG - Hauptstrasse 5 - 10115 Berlin")
    assert names_in("Tax Invoice") == ()  # a generic title, no name


def test_a_name_is_completed_over_the_rows_it_is_printed_on() -> None:
    rows = rows_of("POPULAR BOOK", "CO. (M) SDN BHD", "No. 8, Jalan Kenari")
    assert complete("CO. (M) SDN BHD", 1, rows) == ("POPULAR BOOK CO. (M) SDN BHD", 0, 1)
    assert complete("SDN BHD", 0, rows_of("SDN BHD")) is None  # a company form alone


def test_the_brand_behind_a_web_domain() -> None:
    rows = rows_of("WS Retail Services Pvt Ltd", "Sold via Flipkart", "www.flipkart.com")
    domains = web_domains("\n".join(row.text for row in rows))
    assert domains == {"flipkart"}
    assert brand_of_domain("WS Retail Services Pvt Ltd", rows, domains) == "Flipkart"
    assert brand_of_domain("Flipkart Internet", rows, domains) is None  # the name fits
    assert web_domains("mail: anna@gmail.com") == frozenset()  # a mail provider, no brand
