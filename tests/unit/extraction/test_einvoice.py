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


def test_a_name_written_over_several_lines_reads_as_one() -> None:
    xml = CII.replace(
        b"<ram:Name>MUSTERLIEFERANT GMBH</ram:Name>",
        b"<ram:Name>GLN 4333741000005\n   Lief-Nr: 549910\n\n  MUSTERLIEFERANT   GMBH</ram:Name>",
    )
    assert parse_einvoice(xml).vendor == "GLN 4333741000005, Lief-Nr: 549910, MUSTERLIEFERANT GMBH"
