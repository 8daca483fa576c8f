from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billify.domain.extraction import NotAnEInvoice, parse_einvoice

CII = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice
  xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
  xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocument>
    <ram:ID>RK-7</ram:ID><ram:TypeCode>384</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20180916</udt:DateTimeString>
    </ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:SpecifiedTradeProduct><ram:Name>Gelierzucker</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice>
        <ram:ChargeAmount>1.45</ram:ChargeAmount></ram:NetPriceProductTradePrice>
      </ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="H87">-2</ram:BilledQuantity>
      </ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:SpecifiedTradeSettlementLineMonetarySummation>
          <ram:LineTotalAmount>-2.90</ram:LineTotalAmount>
        </ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty><ram:Name>MUSTERLIEFERANT GMBH</ram:Name>
        <ram:PostalTradeAddress><ram:PostcodeCode>99199</ram:PostcodeCode>
          <ram:CityName>MUSTERHAUSEN</ram:CityName></ram:PostalTradeAddress>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>KUNDE AG</ram:Name></ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:TaxBasisTotalAmount>-2.90</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">-0.20</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>-3.10</ram:GrandTotalAmount>
        <ram:DuePayableAmount>-3.10</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>"""

UBL = b"""<?xml version="1.0"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>INV/2023/03/0008</cbc:ID><cbc:IssueDate>2023-03-20</cbc:IssueDate>
  <cbc:DocumentCurrencyCode>USD</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty><cac:Party><cac:PartyName><cbc:Name>Azure Interior</cbc:Name>
  </cac:PartyName></cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party><cac:PartyName><cbc:Name>Mitchell Admin</cbc:Name>
  </cac:PartyName></cac:Party></cac:AccountingCustomerParty>
  <cac:TaxTotal><cbc:TaxAmount currencyID="USD">16.94</cbc:TaxAmount></cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:TaxExclusiveAmount currencyID="USD">262.90</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="USD">279.84</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="USD">279.84</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
</Invoice>"""


def test_reads_cii_credit_note_exactly() -> None:
    result = parse_einvoice(CII)
    assert result.source == "e-invoice"
    assert (result.total, result.amount_due) == (Decimal("-3.10"), Decimal("-3.10"))
    assert (result.subtotal, result.tax) == (Decimal("-2.90"), Decimal("-0.20"))
    assert result.vendor == "MUSTERLIEFERANT GMBH"
    assert result.invoice_number == "RK-7"
    assert result.date == dt.date(2018, 9, 16)
    assert result.currency == "EUR"
    assert result.line_items[0].amount == Decimal("-2.90")
    assert result.line_items[0].unit_price == Decimal("1.45")
    assert result.confidence["total"] > 0.9


def test_reads_ubl_supplier_not_customer() -> None:
    result = parse_einvoice(UBL)
    assert result.vendor == "Azure Interior"
    assert result.total == Decimal("279.84")
    assert result.date == dt.date(2023, 3, 20)
    assert result.invoice_number == "INV/2023/03/0008"


@pytest.mark.parametrize(
    "xml", [b"<html/>", b"not xml", b'<!DOCTYPE x [<!ENTITY a "b">]><Invoice/>']
)
def test_rejects_other_xml(xml: bytes) -> None:
    with pytest.raises(NotAnEInvoice):
        parse_einvoice(xml)


def test_a_name_written_over_several_lines_is_the_name_without_its_identifier_lines() -> None:
    xml = CII.replace(
        b"<ram:Name>MUSTERLIEFERANT GMBH</ram:Name>",
        b"<ram:Name>GLN 4333741000005\n   Lief-Nr: 549910\n\n  MUSTERLIEFERANT   GMBH</ram:Name>",
    )
    assert parse_einvoice(xml).vendor == "MUSTERLIEFERANT GMBH"


def test_a_name_over_several_lines_without_identifiers_reads_as_one_line() -> None:
    xml = CII.replace(
        b"<ram:Name>MUSTERLIEFERANT GMBH</ram:Name>",
        "<ram:Name>Müller, Schmidt\n &amp; Partner mbB</ram:Name>".encode(),
    )
    assert parse_einvoice(xml).vendor == "Müller, Schmidt, & Partner mbB"


def _cii_typed(code: bytes, sign: bytes = b"") -> bytes:
    """The CII example as document type ``code``, its amounts written positive (``sign`` b"")
    or negative (b"-")."""
    xml = CII.replace(b"<ram:TypeCode>384<", b"<ram:TypeCode>" + code + b"<")
    for amount in (b"2.90", b"0.20", b"3.10"):
        xml = xml.replace(b">-" + amount + b"<", b">" + sign + amount + b"<")
    return xml


def test_cii_credit_note_stated_positive_reads_negative() -> None:
    result = parse_einvoice(_cii_typed(b"381"))
    assert (result.total, result.amount_due) == (Decimal("-3.10"), Decimal("-3.10"))
    assert (result.subtotal, result.tax) == (Decimal("-2.90"), Decimal("-0.20"))
    assert result.line_items[0].amount == Decimal("-2.90")
    assert result.line_items[0].unit_price == Decimal("1.45")  # a price, not a sum


def test_cii_credit_note_already_negative_is_not_negated_twice() -> None:
    result = parse_einvoice(_cii_typed(b"381", b"-"))
    assert (result.total, result.amount_due) == (Decimal("-3.10"), Decimal("-3.10"))


@pytest.mark.parametrize("code", [b"380", b"384"])
def test_invoices_and_corrections_keep_the_sign_the_xml_states(code: bytes) -> None:
    # 384 corrects an invoice either way: only its amounts say whether it credits.
    assert parse_einvoice(_cii_typed(code)).total == Decimal("3.10")
    assert parse_einvoice(_cii_typed(code, b"-")).total == Decimal("-3.10")


UBL_CREDIT_NOTE = b"""<?xml version="1.0"?>
<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>CN-12</cbc:ID><cbc:IssueDate>2023-04-02</cbc:IssueDate>
  <cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty><cac:Party><cac:PartyName><cbc:Name>Azure Interior</cbc:Name>
  </cac:PartyName></cac:Party></cac:AccountingSupplierParty>
  <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">1.90</cbc:TaxAmount></cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:TaxExclusiveAmount currencyID="EUR">10.00</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">11.90</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">0.00</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:CreditNoteLine><cbc:ID>1</cbc:ID>
    <cbc:CreditedQuantity unitCode="C62">2</cbc:CreditedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">10.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Chair</cbc:Name></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">5.00</cbc:PriceAmount></cac:Price>
  </cac:CreditNoteLine>
</CreditNote>"""


def test_ubl_credit_note_reads_negative() -> None:
    result = parse_einvoice(UBL_CREDIT_NOTE)
    assert (result.total, result.subtotal, result.tax) == (
        Decimal("-11.90"),
        Decimal("-10.00"),
        Decimal("-1.90"),
    )
    assert result.to_json()["amount_due"] == "0.00"  # nothing left to pay is not "-0.00"
    item = result.line_items[0]
    assert (item.quantity, item.unit_price, item.amount) == (2, Decimal("5.00"), Decimal("-10.00"))
    assert (result.vendor, result.invoice_number, result.source) == (
        "Azure Interior",
        "CN-12",
        "e-invoice",
    )


def test_ubl_credit_note_already_negative_is_not_negated_twice() -> None:
    xml = UBL_CREDIT_NOTE.replace(b">11.90<", b">-11.90<").replace(b">0.00<", b">-11.90<")
    result = parse_einvoice(xml)
    assert (result.total, result.amount_due) == (Decimal("-11.90"), Decimal("-11.90"))


def test_ubl_invoice_typed_as_credit_note_reads_negative() -> None:
    xml = UBL.replace(
        b"<cbc:DocumentCurrencyCode>",
        b"<cbc:InvoiceTypeCode>381</cbc:InvoiceTypeCode>\n  <cbc:DocumentCurrencyCode>",
    )
    assert parse_einvoice(xml).total == Decimal("-279.84")
    assert parse_einvoice(UBL).total == Decimal("279.84")
