"""Per-group figures, leave-one-group-out and line-item scoring of billify.evaluation, with a
fake extractor (no OCR): each fake document holds the Extraction JSON it is to be read as."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfWriter
from typer.testing import CliRunner

from billify import bootstrap
from billify.domain.models import Extraction, LineItem
from billify.entrypoints.cli import cli
from billify.evaluation import (
    NO_GROUP,
    TrainingDocument,
    evaluate,
    evaluate_leave_one_group_out,
    layout_group,
    line_item_labels,
    load_documents,
    same_extractor,
)
from billify.ports import Extractor


class JsonExtractor:
    """Reads a document as the Extraction JSON it contains; records what it was given."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    def extract(self, document: bytes, media_type: str) -> Extraction:
        self.seen.append(document)
        if document.startswith(b"%PDF"):
            return Extraction(total=Decimal("1.00"))
        return Extraction.from_json(json.loads(document))


def write_set(folder: Path, rows: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> Path:
    """A set of fake documents: (manifest row, what the extractor reads) per document."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for row, predicted in rows:
        (folder / row["file"]).write_text(json.dumps(predicted), "utf-8")
        lines.append(json.dumps(row))
    manifest = folder / "manifest.jsonl"
    manifest.write_text("\n".join(lines) + "\n", "utf-8")
    return manifest


def doc(file: str, vendor: str, total: str, read_total: str, **extra: Any) -> tuple[dict, dict]:
    row = {"file": file, "vendor": vendor, "total": total, **extra}
    return row, {"vendor": vendor, "total": read_total}


# -- groups -------------------------------------------------------------------------------


def test_the_group_is_the_layout_group_else_the_normalised_vendor() -> None:
    assert layout_group({"layout_group": "synth-a", "vendor": "X"}) == "synth-a"
    assert layout_group({"vendor": "Coolblue B.V."}) == "COOLBLUE B V"
    assert layout_group({"company": "mr. d.i.y. sdn bhd"}) == "MR D I Y SDN BHD"
    assert layout_group({"file": "x.png"}) == NO_GROUP


def test_by_group_splits_the_report_and_format_groups_prints_a_line_per_group(
    tmp_path: Path,
) -> None:
    manifest = write_set(
        tmp_path / "shop",
        [
            doc("a.png", "Kedai Buku", "9.00", "9.00"),
            doc("b.png", "KEDAI  BUKU", "5.00", "4.00"),
            doc("c.png", "Other", "3.00", "3.00", layout_group="family-x"),
        ],
    )
    report = evaluate(manifest, JsonExtractor(), fields=["total"])
    groups = report.by_group()
    assert list(groups) == ["KEDAI BUKU", "family-x"]
    assert [r.file for r in groups["KEDAI BUKU"].results] == ["a.png", "b.png"]
    assert groups["KEDAI BUKU"].counts("total") == (1, 2)
    assert groups["family-x"].accuracy("total") == 1.0
    lines = report.format_groups().splitlines()
    assert lines[1].split() == ["group", "n", "total"]
    assert lines[2].split() == ["KEDAI", "BUKU", "2", "0.50"]
    assert lines[3].split() == ["family-x", "1", "1.00"]


# -- leave one group out ---------------------------------------------------------------------


def test_leave_one_group_out_never_trains_on_the_held_out_group(tmp_path: Path) -> None:
    first = write_set(
        tmp_path / "one",
        [
            doc("a.png", "Alpha", "1.00", "1.00"),
            doc("b.png", "Beta", "2.00", "2.00"),
            doc("c.png", "Alpha", "3.00", "0.00"),
        ],
    )
    second = write_set(
        tmp_path / "two",
        [
            doc("a.png", "Gamma", "4.00", "4.00", layout_group="g"),
            doc("d.png", "Beta", "5.00", "5.00"),
        ],
    )
    documents = {(d.set_name, d.file): d for m in (first, second) for d in load_documents(m)}
    calls: list[tuple[list[TrainingDocument], JsonExtractor]] = []

    def make_extractor(training: Sequence[TrainingDocument]) -> Extractor:
        extractor = JsonExtractor()
        calls.append((list(training), extractor))
        return extractor

    report = evaluate_leave_one_group_out([first, second], make_extractor, fields=["total"])

    assert len(calls) == 3  # one per group: ALPHA, BETA (in both sets), g
    held_out_groups = []
    for training, extractor in calls:
        trained_on = {(d.set_name, d.file) for d in training}
        held_out = [key for key in documents if key not in trained_on]
        groups = {documents[key].group for key in held_out}
        assert len(groups) == 1, "each call leaves out exactly one whole group"
        assert all(d.group not in groups for d in training)
        # that extractor read exactly the held-out group's documents, each once
        read = sorted(extractor.seen)
        assert read == sorted(documents[key].read_bytes() for key in held_out)
        held_out_groups.extend(groups)
    assert sorted(held_out_groups) == ["ALPHA", "BETA", "g"]
    # every document scored once, in manifest order
    assert [(r.set_name, r.file) for r in report.results] == list(documents)
    assert [r.group for r in report.results] == ["ALPHA", "BETA", "ALPHA", "g", "BETA"]
    assert report.counts("total") == (4, 5)
    parts = report.by_set()
    assert list(parts) == ["one", "two"]
    assert parts["one"].manifest == first and parts["one"].counts("total") == (2, 3)
    assert parts["two"].counts("total") == (2, 2)
    assert [r.file for r in report.failures("total")] == ["c.png"]


def test_training_documents_carry_pages_and_labels(tmp_path: Path) -> None:
    manifest = write_set(
        tmp_path / "one",
        [doc("a.png", "Alpha", "1.00", "1.00"), doc("b.png", "Beta", "2.00", "2.00")],
    )
    seen: list[TrainingDocument] = []

    def make_extractor(training: Sequence[TrainingDocument]) -> Extractor:
        seen.extend(training)
        return JsonExtractor()

    evaluate_leave_one_group_out([manifest], make_extractor)
    beta = next(d for d in seen if d.group == "BETA")
    assert beta.labels["total"] == "2.00" and beta.label("vendor") == "Beta"
    assert beta.media_type == "image/png" and beta.set_name == "one"
    assert beta.root == tmp_path / "one"
    assert json.loads(beta.read_bytes())["total"] == "2.00"


def test_same_extractor_makes_held_out_equal_in_sample(tmp_path: Path) -> None:
    manifest = write_set(
        tmp_path / "one",
        [doc("a.png", "Alpha", "1.00", "1.00"), doc("b.png", "Beta", "2.00", "9.00")],
    )
    extractor = JsonExtractor()
    held_out = evaluate_leave_one_group_out([manifest], same_extractor(extractor))
    in_sample = evaluate(manifest, extractor)
    assert held_out.fields == in_sample.fields
    for name in held_out.fields:
        assert held_out.counts(name) == in_sample.counts(name)


# -- line items -------------------------------------------------------------------------------

ITEMS = [
    {"description": "Tea", "quantity": "2", "unit_price": "1.50", "amount": "3.00"},
    {"description": "Cake", "quantity": "1", "unit_price": "4.25", "amount": "4.25"},
]


def read_as(*amounts: str) -> dict[str, Any]:
    return {
        "total": "7.25",
        "line_items": [{"description": "x", "amount": amount} for amount in amounts],
    }


def test_line_items_from_the_manifest_row_are_scored_for_count_and_amounts(
    tmp_path: Path,
) -> None:
    rows = [
        ({"file": "right.png", "total": "7.25", "line_items": ITEMS}, read_as("4.25", "3")),
        ({"file": "short.png", "total": "7.25", "line_items": ITEMS}, read_as("7.25")),
        ({"file": "off.png", "total": "7.25", "line_items": ITEMS}, read_as("3.00", "4.52")),
        ({"file": "none.png", "total": "7.25"}, read_as("7.25")),
    ]
    report = evaluate(write_set(tmp_path / "s", rows), JsonExtractor())
    marks = {r.file: r.correct for r in report.results}
    assert marks["right.png"]["line_items_count"] and marks["right.png"]["line_items_amount"]
    assert marks["short.png"]["line_items_count"] is False
    assert marks["short.png"]["line_items_amount"] is False
    assert marks["off.png"]["line_items_count"] is True
    assert marks["off.png"]["line_items_amount"] is False
    assert marks["none.png"]["line_items_count"] is None  # no label: not scored
    assert report.counts("line_items_count") == (2, 3)
    assert report.accuracy("line_items_amount") == pytest.approx(1 / 3)
    table = report.format()
    assert "line_items_count          2       3     0.667" in table
    assert "line_items_amount         1       3     0.333" in table


def test_line_items_rows_are_left_out_where_no_document_has_labels(tmp_path: Path) -> None:
    report = evaluate(
        write_set(tmp_path / "s", [doc("a.png", "A", "1.00", "1.00")]), JsonExtractor()
    )
    assert report.counts("line_items_count") == (0, 0)
    rows = [line.split()[0] for line in report.format().splitlines()[2:]]
    assert rows == ["total", "vendor", "median"]


def test_a_failed_extraction_gets_the_line_items_wrong(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.jsonl"
    (tmp_path / "bad.png").write_text("{not json", "utf-8")
    manifest.write_text(json.dumps({"file": "bad.png", "line_items": ITEMS}) + "\n", "utf-8")

    class Failing:
        def extract(self, document: bytes, media_type: str) -> Extraction:
            raise ValueError("unreadable")

    report = evaluate(manifest, Failing())
    assert report.counts("line_items_count") == (0, 1)
    assert report.counts("line_items_amount") == (0, 1)


CII = """<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice
  xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
  xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocument><ram:ID>R-1</ram:ID><ram:TypeCode>380</ram:TypeCode>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    {items}
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty><ram:Name>LIEFERANT GMBH</ram:Name></ram:SellerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:GrandTotalAmount>12.00</ram:GrandTotalAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>"""
CII_ITEM = """<ram:IncludedSupplyChainTradeLineItem>
  <ram:SpecifiedTradeProduct><ram:Name>{name}</ram:Name></ram:SpecifiedTradeProduct>
  <ram:SpecifiedLineTradeSettlement><ram:SpecifiedTradeSettlementLineMonetarySummation>
    <ram:LineTotalAmount>{amount}</ram:LineTotalAmount>
  </ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>
</ram:IncludedSupplyChainTradeLineItem>"""


def einvoice_pdf(path: Path, *items: tuple[str, str]) -> None:
    """A one-page PDF with a CII invoice attached as factur-x.xml."""
    xml = CII.format(items="".join(CII_ITEM.format(name=n, amount=a) for n, a in items))
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("factur-x.xml", xml.encode())
    buffer = io.BytesIO()
    writer.write(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def test_line_item_labels_come_from_the_row_then_the_xml_then_the_twin(tmp_path: Path) -> None:
    einvoice_pdf(tmp_path / "set/pdf/a.pdf", ("Kaffee", "7.00"), ("Milch", "5.00"))
    einvoice_pdf(tmp_path / "set/pdf/minimum.pdf")  # an XML without lines
    (tmp_path / "set-text/pdf").mkdir(parents=True)
    (tmp_path / "set-text/pdf/a.pdf").write_bytes(b"%PDF-1.4 no attachment")

    from_xml = line_item_labels(tmp_path / "set", {"file": "pdf/a.pdf"})
    assert from_xml == (
        LineItem("Kaffee", amount=Decimal("7.00")),
        LineItem("Milch", amount=Decimal("5.00")),
    )
    assert line_item_labels(tmp_path / "set-text", {"file": "pdf/a.pdf"}) == from_xml
    listed = {"file": "pdf/a.pdf", "line_items": [{"description": "Tee", "amount": "12"}]}
    assert line_item_labels(tmp_path / "set", listed) == (LineItem("Tee", amount=Decimal(12)),)
    assert line_item_labels(tmp_path / "set", {"file": "pdf/minimum.pdf"}) is None
    assert line_item_labels(tmp_path / "set", {"file": "pdf/missing.pdf"}) is None
    assert line_item_labels(tmp_path / "other", {"file": "pdf/a.pdf"}) is None


def test_xml_labels_are_parsed_once_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from billify import reading  # the labels are read by the pipeline's own e-invoice step

    einvoice_pdf(tmp_path / "cached/a.pdf", ("Kaffee", "7.00"))
    parsed: list[bytes] = []
    real = reading.parse_einvoice

    def counting(xml: bytes) -> Extraction:
        parsed.append(xml)
        return real(xml)

    monkeypatch.setattr(reading, "parse_einvoice", counting)
    for _ in range(3):
        assert line_item_labels(tmp_path / "cached", {"file": "a.pdf"}) is not None
    assert len(parsed) == 1


# -- the eval command -------------------------------------------------------------------------


def test_eval_command_takes_several_manifests_and_prints_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_set(tmp_path / "one", [doc("a.png", "Alpha", "1.00", "1.00")])
    second = write_set(tmp_path / "two", [doc("b.png", "Beta", "2.00", "3.00")])
    monkeypatch.setattr(bootstrap, "build_extractor", JsonExtractor)
    out = tmp_path / "predictions"
    result = CliRunner().invoke(
        cli, ["eval", str(first), str(second), "--by-group", "--predictions", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert f"{first}  (1 documents)" in result.output
    assert f"{second}  (1 documents)" in result.output
    assert "ALPHA" in result.output and "BETA" in result.output
    assert json.loads((out / "two.jsonl").read_text())["total"] == "3.00"

    single = tmp_path / "single.jsonl"
    result = CliRunner().invoke(cli, ["eval", str(first), "--predictions", str(single)])
    assert result.exit_code == 0, result.output
    assert "per group" not in result.output
    assert json.loads(single.read_text())["file"] == "a.png"


def test_eval_command_rejects_a_missing_manifest(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["eval", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
