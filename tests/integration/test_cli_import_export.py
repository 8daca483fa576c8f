"""`billify import` and `billify export` on a data folder of their own: what is queued, what is
refused and why, the exit codes; a month out as CSV or JSON, to stdout or a file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from billify.bootstrap import LocalBillify, build_local
from billify.config import Settings
from billify.domain.export import COLUMNS
from billify.domain.models import Invoice, InvoiceStatus
from billify.domain.uploads import MAX_UPLOAD_BYTES, validate_upload
from billify.entrypoints.cli import cli
from billify.entrypoints.worker import Worker
from tests.conftest import MINIMAL_PDF, jpeg_bytes, png_bytes
from tests.fakes import FakeExtractor, FakeMailer, FixedClock

runner = CliRunner()
ANA = ["--name", "Ana", "--email", "ana@example.com"]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_billify_settings: None) -> Path:
    """The commands' data folder (``BILLIFY_DATA_DIR``); no other ``BILLIFY_*`` setting."""
    folder = tmp_path / "data"
    monkeypatch.setenv("BILLIFY_DATA_DIR", str(folder))
    return folder


def open_app(data_dir: Path, clock: FixedClock | None = None) -> LocalBillify:
    return build_local(
        Settings(data_dir=data_dir), extractor=FakeExtractor(), mailer=FakeMailer(), clock=clock
    )


def recorded(data_dir: Path) -> list[Invoice]:
    everything = (dt.datetime(1970, 1, 1, tzinfo=dt.UTC), dt.datetime(2200, 1, 1, tzinfo=dt.UTC))
    return list(open_app(data_dir).repository.received_between(*everything))


def folder_of(tmp_path: Path, files: dict[str, bytes]) -> Path:
    folder = tmp_path / "invoices"
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


# -- import -------------------------------------------------------------------------------


def test_import_queues_the_good_files_and_names_each_rejected_one(
    data_dir: Path, tmp_path: Path
) -> None:
    folder = folder_of(
        tmp_path,
        {
            "a.jpg": jpeg_bytes(1),
            "b.pdf": MINIMAL_PDF,
            "c.png": png_bytes(),
            "notes.txt": b"not an invoice",
            ".DS_Store": b"\x00\x00\x00\x01Bud1",  # hidden: not a file to import
        },
    )
    with (folder / "huge.pdf").open("wb") as huge:  # sparse: takes no room on the disk
        huge.truncate(MAX_UPLOAD_BYTES + 1)
    (folder / "sub").mkdir()
    (folder / "sub" / "d.jpg").write_bytes(jpeg_bytes(2))  # only the folder's own files

    result = runner.invoke(cli, ["import", str(folder), *ANA])

    assert result.exit_code == 1, result.output
    assert "5 file(s): 3 accepted, 0 already uploaded, 2 rejected" in result.stdout
    assert "rejected: huge.pdf: file is larger than 10 MB" in result.stdout
    assert "rejected: notes.txt: unsupported file type" in result.stdout
    invoices = recorded(data_dir)
    assert sorted(i.original_filename or "" for i in invoices) == ["a.jpg", "b.pdf", "c.png"]
    assert {(i.status, i.uploader.name, i.uploader.email, i.owner) for i in invoices} == {
        (InvoiceStatus.QUEUED, "Ana", "ana@example.com", None)
    }
    assert open_app(data_dir).queue.depth()["visible"] == 3  # for the worker: nothing read here


def test_importing_again_skips_the_files_already_uploaded(data_dir: Path, tmp_path: Path) -> None:
    folder = folder_of(tmp_path, {"a.jpg": jpeg_bytes(1), "b.pdf": MINIMAL_PDF})
    first = runner.invoke(cli, ["import", str(folder), *ANA])
    assert first.exit_code == 0, first.output
    assert "2 file(s): 2 accepted, 0 already uploaded, 0 rejected" in first.stdout
    assert "rejected:" not in first.stdout

    (folder / "c.jpg").write_bytes(jpeg_bytes(3))
    again = runner.invoke(cli, ["import", str(folder), *ANA])
    assert again.exit_code == 0, again.output
    assert "3 file(s): 1 accepted, 2 already uploaded, 0 rejected" in again.stdout
    assert len(recorded(data_dir)) == 3
    assert open_app(data_dir).queue.depth()["visible"] == 3


def test_import_files_the_invoices_under_the_owner_given(data_dir: Path, tmp_path: Path) -> None:
    folder = folder_of(tmp_path, {"a.jpg": jpeg_bytes(1), "b.png": png_bytes()})
    result = runner.invoke(cli, ["import", str(folder), *ANA, "--owner", "script"])
    assert result.exit_code == 0, result.output
    assert [i.owner for i in recorded(data_dir)] == ["script", "script"]


@pytest.mark.parametrize(
    ("identity", "message"),
    [
        (["--name", "Ana", "--email", "ana@@example"], "error: email is not valid"),
        (["--name", "Ana\nBcc: x", "--email", "ana@example.com"], "error: name must not contain"),
    ],
)
def test_a_bad_name_or_email_stops_the_import_before_any_file(
    data_dir: Path, tmp_path: Path, identity: list[str], message: str
) -> None:
    folder = folder_of(tmp_path, {"a.jpg": jpeg_bytes(1)})
    result = runner.invoke(cli, ["import", str(folder), *identity])
    assert result.exit_code == 2 and message in result.stderr
    assert recorded(data_dir) == []


def test_importing_a_missing_folder_says_so(data_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["import", str(tmp_path / "nowhere"), *ANA])
    assert result.exit_code == 2 and "error: no such folder" in result.stderr


# -- export -------------------------------------------------------------------------------


@pytest.fixture
def months(data_dir: Path) -> dict[str, list[str]]:
    """Invoices read and recorded: Ana's and Bo's in November 2026, one of Ana's in October.
    The ids of each month's."""
    clock = FixedClock()
    app = open_app(data_dir, clock=clock)
    ids: dict[str, list[str]] = {"2026-10": [], "2026-11": []}
    uploads = [
        (dt.datetime(2026, 10, 31, 23, 59), "Ana", "ana@example.com", jpeg_bytes(1)),
        (dt.datetime(2026, 11, 1, 0, 0), "Ana", "ana@example.com", jpeg_bytes(2)),
        (dt.datetime(2026, 11, 20, 10, 0), "Ana", "ana@example.com", png_bytes()),
        (dt.datetime(2026, 11, 30, 23, 59), "Bo", "bo@example.com", jpeg_bytes(3)),
    ]
    for received, name, email, content in uploads:
        clock.current = received.replace(tzinfo=dt.UTC)
        upload = validate_upload(name, email, content, "r.jpg")
        ids[f"{received:%Y-%m}"].append(app.submit(upload).invoice.id)
    worker = Worker(app)  # reads them (the fake extractor) and records what it read
    while worker.run_once():
        pass
    return ids


def test_export_prints_the_month_as_csv(data_dir: Path, months: dict[str, list[str]]) -> None:
    result = runner.invoke(cli, ["export", "--month", "2026-11"])
    assert result.exit_code == 0, result.output
    header, *rows = list(csv.reader(io.StringIO(result.stdout)))
    assert tuple(header) == COLUMNS
    got = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
    assert sorted(r["id"] for r in got) == sorted(months["2026-11"])
    assert [r["email"] for r in got] == ["ana@example.com", "ana@example.com", "bo@example.com"]
    assert {(r["status"], r["total"], r["currency"], r["counted"]) for r in got} == {
        ("processed", "12.50", "MYR", "yes")
    }
    assert result.stderr == ""


def test_export_prints_the_month_as_json(data_dir: Path, months: dict[str, list[str]]) -> None:
    result = runner.invoke(cli, ["export", "--month", "2026-11", "--format", "json"])
    assert result.exit_code == 0, result.output
    export = json.loads(result.stdout)
    assert (export["month"], export["count"], export["totals"]) == ("2026-11", 3, {"MYR": "37.50"})
    assert sorted(i["id"] for i in export["invoices"]) == sorted(months["2026-11"])
    october = json.loads(runner.invoke(cli, ["export", "--month=2026-10", "--format=json"]).stdout)
    assert [i["id"] for i in october["invoices"]] == months["2026-10"]


@pytest.mark.parametrize("format", ["csv", "json"])
def test_export_of_one_user(data_dir: Path, months: dict[str, list[str]], format: str) -> None:
    result = runner.invoke(
        cli, ["export", "--month", "2026-11", "--format", format, "--email", "bo@example.com"]
    )
    assert result.exit_code == 0, result.output
    if format == "json":
        emails = [i["email"] for i in json.loads(result.stdout)["invoices"]]
    else:
        emails = [row["email"] for row in csv.DictReader(io.StringIO(result.stdout))]
    assert emails == ["bo@example.com"]


def test_export_to_a_file(data_dir: Path, months: dict[str, list[str]], tmp_path: Path) -> None:
    printed = runner.invoke(cli, ["export", "--month", "2026-11"]).stdout_bytes
    target = tmp_path / "november.csv"
    result = runner.invoke(cli, ["export", "--month", "2026-11", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and f"3 invoice(s) written to {target}" in result.stderr
    assert target.read_bytes() == printed
    assert printed.count(b"\r\n") == 4  # CSV's own line ends, kept as they are


def test_export_of_a_month_without_invoices_is_the_header_only(data_dir: Path) -> None:
    result = runner.invoke(cli, ["export", "--month", "2026-09"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == ",".join(COLUMNS).encode() + b"\r\n"


def test_export_of_the_pack_writes_a_zip_of_the_csv_and_the_originals(
    data_dir: Path, months: dict[str, list[str]], tmp_path: Path
) -> None:
    target = tmp_path / "november.zip"
    result = runner.invoke(
        cli, ["export", "--month", "2026-11", "--format", "zip", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert f"3 invoice(s), 3 file(s) written to {target}" in result.stderr
    archive = zipfile.ZipFile(target)
    rows = list(csv.DictReader(io.StringIO(archive.read("billify-2026-11.csv").decode())))
    assert sorted(r["id"] for r in rows) == sorted(months["2026-11"])
    assert sorted(archive.namelist()) == sorted([*(r["file"] for r in rows), "billify-2026-11.csv"])
    app = open_app(data_dir)
    for row in rows:
        invoice = app.repository.get(row["id"])
        assert invoice is not None and archive.read(row["file"]) == app.blobs.get(invoice.blob_key)
    assert sorted(r["file"].rsplit(".", 1)[1] for r in rows) == ["jpg", "jpg", "png"]
    assert not target.with_name("november.zip.part").exists()


def test_the_pack_leaves_out_an_original_deleted_meanwhile(
    data_dir: Path, months: dict[str, list[str]], tmp_path: Path
) -> None:
    app = open_app(data_dir)
    gone = app.repository.get(months["2026-11"][0])
    assert gone is not None
    app.blobs.delete(gone.blob_key)
    target = tmp_path / "november.zip"
    result = runner.invoke(cli, ["export", "--month=2026-11", "--format=zip", f"--output={target}"])
    assert result.exit_code == 0, result.output
    assert (
        "3 invoice(s), 2 file(s)" in result.stderr
        and f"missing: the original of invoice {gone.id}" in result.stderr
    )
    archive = zipfile.ZipFile(target)
    rows = {
        r["id"]: r
        for r in csv.DictReader(io.StringIO(archive.read("billify-2026-11.csv").decode()))
    }
    assert rows[gone.id]["file"] == "" and len(archive.namelist()) == 3


def test_a_pack_into_a_missing_folder_is_a_clear_error(
    data_dir: Path, months: dict[str, list[str]], tmp_path: Path
) -> None:
    target = tmp_path / "nowhere" / "november.zip"
    result = runner.invoke(cli, ["export", "--month=2026-11", "--format=zip", "-o", str(target)])
    assert result.exit_code == 1, result.output
    assert f"error: the pack could not be written to {target}: " in result.stderr
    assert not target.parent.exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--month", "2026-13"], "error: month must be YYYY-MM, got '2026-13'"),
        (["--month", "November"], "error: month must be YYYY-MM, got 'November'"),
        (["--month", "2026-11", "--email", "bo@@example"], "error: email is not valid"),
        (["--month", "2026-11", "--format", "xml"], "'xml' is not one of 'csv', 'json', 'zip'"),
        (["--month", "2026-11", "--format", "zip"], "error: --format zip needs --output FILE"),
    ],
)
def test_a_bad_export_request_is_a_clear_error(
    data_dir: Path, arguments: list[str], message: str
) -> None:
    result = runner.invoke(cli, ["export", *arguments])
    assert result.exit_code == 2
    assert message in result.stderr and result.stdout == ""
