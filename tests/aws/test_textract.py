"""Textract as the reading pipeline's OCR engine (``TextractOcr``), through the loopback
Textract stub answering a recorded DetectDocumentText response: only images and scanned pages
reach it, and the fields come from the same rules as on the bundled engine's words."""

from __future__ import annotations

import base64
import io
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from PIL import Image

from billify.adapters.aws.textract import (
    TextractOcr,
    encode_image,
    lines_from_detection,
    page_turn,
)
from billify.adapters.local.documents import Documents
from billify.domain.extraction import extract_fields
from billify.domain.models import Extraction, UnreadableDocument
from billify.evaluation import score_field
from billify.reading import DocumentPipeline
from tests.aws.conftest import TextractStub
from tests.aws.test_flow import RECEIPT, receipt_page, recorded

ZUGFERD = "zugferd/pdf/000-EN16931_1_Teilrechnung.pdf"
TEXT_LAYER_PDF = "invoice2data/AmazonWebServices.pdf"


@pytest.fixture
def textract(emulators: tuple[str, TextractStub]) -> Iterator[TextractStub]:
    stub = emulators[1]
    stub.reset()
    yield stub
    stub.reset()


def pipeline(ocr: TextractOcr | None = None) -> DocumentPipeline:
    return DocumentPipeline(Documents(), ocr or TextractOcr())


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def sent_images(stub: TextractStub) -> list[Image.Image]:
    """The images the requests carried (botocore sends ``Bytes`` base64 on the wire)."""
    return [
        Image.open(io.BytesIO(base64.b64decode(request["Document"]["Bytes"])))
        for _, request in stub.requests
    ]


def assert_boxes_are_fractions(extraction: Extraction) -> None:
    assert extraction.evidence
    for found in extraction.evidence.values():
        assert found.box is not None
        assert all(0.0 <= v <= 1.0 for v in found.box)
        assert found.box[0] <= found.box[2] and found.box[1] <= found.box[3]


# -- through the pipeline -------------------------------------------------------------------------


def test_receipt_image_is_read_by_textract_and_the_shared_field_rules(
    textract: TextractStub, shared_data: Path
) -> None:
    labels = next(
        entry
        for line in (shared_data / "sroie-train/manifest.jsonl").read_text().splitlines()
        if (entry := json.loads(line))["file"] == RECEIPT["file"].removeprefix("sroie-train/")
    )
    with Image.open(shared_data / RECEIPT["file"]) as image:
        assert image.size == (RECEIPT["width"], RECEIPT["height"])  # what the recording is of
        content = png(image)
    textract.answer("DetectDocumentText", recorded("detect_document_text_receipt.json"))

    extraction = pipeline().extract(content, "image/png")

    assert textract.operations() == ["DetectDocumentText"]
    [sent] = sent_images(textract)
    assert sent.format == "PNG" and sent.size == (RECEIPT["width"], RECEIPT["height"])
    for field, label in (("total", "total"), ("date", "date"), ("vendor", "company")):
        assert score_field(field, labels[label], getattr(extraction, field)), (
            field,
            labels[label],
            getattr(extraction, field),
        )
    assert extraction.source == "textract" and extraction.pages == 1
    assert extraction.currency == "MYR"
    assert_boxes_are_fractions(extraction)
    # The seller's evidence is where the receipt prints it (110,165 - 315,188 of 439x1004).
    x0, y0, x1, y1 = extraction.evidence["vendor"].box or (0, 0, 0, 0)
    assert (x0, y0) == pytest.approx((110 / 439, 165 / 1004), abs=0.001)
    assert (x1, y1) == pytest.approx((315 / 439, 188 / 1004), abs=0.001)


def test_an_einvoice_never_reaches_textract(textract: TextractStub, shared_data: Path) -> None:
    extraction = pipeline().extract((shared_data / ZUGFERD).read_bytes(), "application/pdf")
    assert extraction.source == "e-invoice" and extraction.total is not None
    assert textract.requests == []


def test_a_text_layer_pdf_never_reaches_textract(textract: TextractStub, shared_data: Path) -> None:
    extraction = pipeline().extract((shared_data / TEXT_LAYER_PDF).read_bytes(), "application/pdf")
    assert extraction.source == "pdf-text" and str(extraction.total) == "4.11"
    assert textract.requests == []


def test_each_scanned_page_is_one_request(textract: TextractStub) -> None:
    pages = [receipt_page(), receipt_page().rotate(180)]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=100)
    textract.answer("DetectDocumentText", recorded("detect_document_text_receipt.json"))

    extraction = pipeline().extract(out.getvalue(), "application/pdf")

    assert textract.operations() == ["DetectDocumentText"] * 2
    assert all(image.format == "PNG" for image in sent_images(textract))
    assert extraction.source == "textract" and extraction.pages == 2
    assert str(extraction.total) == "60.30"
    assert_boxes_are_fractions(extraction)


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    ["UnsupportedDocumentException", "BadDocumentException", "InvalidParameterException"],
)
def test_a_page_textract_cannot_read_is_unreadable(textract: TextractStub, code: str) -> None:
    textract.answer("DetectDocumentText", {"__type": code, "message": "no"}, status=400)
    with pytest.raises(UnreadableDocument, match=code):
        pipeline().extract(png(receipt_page()), "image/png")
    assert textract.operations() == ["DetectDocumentText"]  # not retried: it cannot change


@pytest.mark.parametrize("code", ["ThrottlingException", "ProvisionedThroughputExceededException"])
def test_throttling_propagates_for_the_queue_to_retry(textract: TextractStub, code: str) -> None:
    # A real client with botocore's retries off, so the one throttled answer reaches us.
    client = boto3.session.Session().client(
        "textract", config=Config(retries={"mode": "standard", "max_attempts": 1})
    )
    textract.answer("DetectDocumentText", {"__type": code, "message": "slow down"}, status=400)
    with pytest.raises(ClientError) as raised:
        pipeline(TextractOcr(client)).extract(png(receipt_page()), "image/png")
    assert not isinstance(raised.value, UnreadableDocument)
    assert raised.value.response["Error"]["Code"] == code


# -- the recording and the pure mapping -----------------------------------------------------------


def test_the_recording_has_textracts_response_shape() -> None:
    """Every key of the recording is a member of botocore's DetectDocumentText output shape
    (what boto3 would parse), and the blocks hang together as Textract's do."""
    model = botocore.session.get_session().get_service_model("textract")
    output = model.operation_model("DetectDocumentText").output_shape

    def check(value: Any, shape: Any, where: str) -> None:
        if shape.type_name == "structure":
            assert isinstance(value, dict), where
            unknown = set(value) - set(shape.members)
            assert not unknown, (where, unknown)
            for key, item in value.items():
                check(item, shape.members[key], f"{where}.{key}")
        elif shape.type_name == "list":
            assert isinstance(value, list), where
            for i, item in enumerate(value):
                check(item, shape.member, f"{where}[{i}]")
        elif shape.type_name == "string" and shape.enum:
            assert value in shape.enum, (where, value)

    response = recorded("detect_document_text_receipt.json")
    check(response, output, "response")
    blocks = {block["Id"]: block for block in response["Blocks"]}
    [page] = [b for b in blocks.values() if b["BlockType"] == "PAGE"]
    for line_id in page["Relationships"][0]["Ids"]:
        line = blocks[line_id]
        words = [blocks[i] for i in line["Relationships"][0]["Ids"]]
        assert line["BlockType"] == "LINE" and {w["BlockType"] for w in words} == {"WORD"}
        assert " ".join(w["Text"] for w in words) == " ".join(line["Text"].split())
        assert 0 < line["Confidence"] <= 100 and len(line["Geometry"]["Polygon"]) == 4


def test_line_blocks_become_text_lines_in_the_image_pixels() -> None:
    response = {
        "Blocks": [
            {"BlockType": "PAGE", "Id": "p"},
            {
                "BlockType": "LINE",
                "Id": "l1",
                "Text": " TOTAL  12,50 ",
                "Confidence": 98.5,
                "Geometry": {
                    "BoundingBox": {"Left": 0.1, "Top": 0.5, "Width": 0.4, "Height": 0.02},
                    "Polygon": [
                        {"X": 0.1, "Y": 0.5},
                        {"X": 0.5, "Y": 0.5},
                        {"X": 0.5, "Y": 0.52},
                        {"X": 0.1, "Y": 0.52},
                    ],
                },
            },
            {"BlockType": "WORD", "Id": "w1", "Text": "TOTAL", "Confidence": 99.0},
            {"BlockType": "LINE", "Id": "l2", "Text": "   ", "Confidence": 50.0},
            {"BlockType": "LINE", "Id": "l3", "Text": "no geometry", "Confidence": 120.0},
        ]
    }
    lines = lines_from_detection(response, 1000, 2000, 3)
    assert [line.text for line in lines] == ["TOTAL  12,50", "no geometry"]
    assert lines[0].box == pytest.approx((100.0, 1000.0, 500.0, 1040.0))
    assert lines[0].confidence == pytest.approx(0.985) and lines[0].page == 3
    assert lines[1].box is None and lines[1].confidence == 1.0
    assert lines_from_detection({"Blocks": []}, 10, 10, 0) == []
    assert lines_from_detection({}, 10, 10, 0) == []


def _turned(response: dict[str, Any], turn: int) -> dict[str, Any]:
    """The answer Textract gives for the same page turned ``turn`` degrees clockwise: the
    geometry follows the image, each polygon keeps the top left of its text first."""

    def point(x: float, y: float) -> tuple[float, float]:
        return {90: (1 - y, x), 180: (1 - x, 1 - y), 270: (y, 1 - x)}[turn]

    blocks = []
    for block in response["Blocks"]:
        geometry = block.get("Geometry")
        if geometry:
            polygon = [point(p["X"], p["Y"]) for p in geometry["Polygon"]]
            xs, ys = [x for x, _ in polygon], [y for _, y in polygon]
            geometry = {
                "BoundingBox": {
                    "Width": max(xs) - min(xs),
                    "Height": max(ys) - min(ys),
                    "Left": min(xs),
                    "Top": min(ys),
                },
                "Polygon": [{"X": x, "Y": y} for x, y in polygon],
            }
        blocks.append({**block, "Geometry": geometry})
    return {**response, "Blocks": blocks}


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_turned_page_is_read_upright(turn: int) -> None:
    response = recorded("detect_document_text_receipt.json")
    width, height = RECEIPT["width"], RECEIPT["height"]
    upright = lines_from_detection(response, width, height, 0)
    turned_size = (height, width) if turn in (90, 270) else (width, height)
    turned = _turned(response, turn)
    lines = [b for b in turned["Blocks"] if b["BlockType"] == "LINE"]

    assert page_turn(lines) == turn
    again = lines_from_detection(turned, *turned_size, 0)
    assert [line.text for line in again] == [line.text for line in upright]
    for before, after in zip(upright, again, strict=True):
        assert after.box == pytest.approx(before.box, abs=1e-6)
    fields = extract_fields(again, source="textract")
    assert (str(fields.total), str(fields.date), fields.vendor) == (
        "60.30",
        "2018-10-19",
        "INDAH GIFT & HOME DECO",
    )


def test_page_turn_of_an_upright_or_empty_answer() -> None:
    response = recorded("detect_document_text_receipt.json")
    assert page_turn(b for b in response["Blocks"] if b["BlockType"] == "LINE") == 0
    assert page_turn([]) == 0
    assert page_turn([{"BlockType": "LINE", "Geometry": {"BoundingBox": {}}}]) == 0


# -- what is sent ---------------------------------------------------------------------------------


def _noise(width: int, height: int, mode: str = "RGB") -> Image.Image:
    rng = random.Random(7)
    bands = len(mode)
    return Image.frombytes(mode, (width, height), rng.randbytes(width * height * bands))


def test_a_small_page_is_sent_as_png_unchanged() -> None:
    page = receipt_page()
    sent = Image.open(io.BytesIO(encode_image(page)))
    assert sent.format == "PNG" and sent.size == page.size and sent.mode == "L"


def test_too_many_bytes_for_png_go_as_jpeg_then_smaller() -> None:
    noise = _noise(400, 300)  # incompressible: ~360 KB as PNG, ~100 KB as JPEG
    as_jpeg = encode_image(noise, max_bytes=250_000)
    assert Image.open(io.BytesIO(as_jpeg)).format == "JPEG" and len(as_jpeg) <= 250_000
    assert Image.open(io.BytesIO(as_jpeg)).size == (400, 300)

    smaller = encode_image(noise, max_bytes=40_000)
    image = Image.open(io.BytesIO(smaller))
    assert len(smaller) <= 40_000 and image.width < 400
    assert image.width / image.height == pytest.approx(4 / 3, rel=0.02)  # same proportions


def test_a_side_above_textracts_limit_is_scaled_down() -> None:
    tall = Image.new("L", (300, 2400), 255)
    image = Image.open(io.BytesIO(encode_image(tall, max_side=1000)))
    assert image.size == (125, 1000)


def test_transparency_is_flattened_on_white() -> None:
    clear = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    image = Image.open(io.BytesIO(encode_image(clear)))
    assert image.mode == "RGB" and image.getpixel((5, 5)) == (255, 255, 255)
    deep = Image.new("I;16", (20, 10), 0)
    deep.putpixel((0, 0), 40000)
    image = Image.open(io.BytesIO(encode_image(deep)))
    assert image.mode == "L" and image.getextrema() == (0, 254)


def test_the_boxes_stay_in_the_pixels_of_the_image_given(textract: TextractStub) -> None:
    """A page sent downscaled still gets boxes in the pixels of the image it was given."""
    textract.answer("DetectDocumentText", recorded("detect_document_text_receipt.json"))
    big = receipt_page().resize((RECEIPT["width"] * 3, RECEIPT["height"] * 3))
    lines = TextractOcr(max_side=1000).read(big, 0)
    [sent] = sent_images(textract)
    assert max(sent.size) <= 1000
    assert lines[0].box == pytest.approx((76 * 3, 50 * 3, 323 * 3, 84 * 3), rel=1e-6)
