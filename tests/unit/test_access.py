from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from billify.bootstrap import Billify
from billify.config import Settings
from billify.domain.access import ApiKeys, hash_key, new_key
from billify.entrypoints.http import create_app
from tests.conftest import png_bytes
from tests.fakes import (
    FakeBlobStore,
    FakeRepository,
    fake_app,
)

ANA_KEY, BO_KEY = new_key(), new_key()
FORM = {"name": "Ana", "email": "ana@example.com"}


def make_client(tmp_path: Path, rate: str = "100/minute") -> tuple[TestClient, Billify]:
    keys = f"ana:{hash_key(ANA_KEY)},bo:{hash_key(BO_KEY)}"
    settings = Settings(data_dir=tmp_path, api_keys=keys, rate_limit=rate)
    app = fake_app(settings)
    return TestClient(create_app(app)), app


def upload(client: TestClient, key: str | None, seed: int = 8) -> httpx.Response:
    headers = {"x-api-key": key} if key else {}
    return client.post(
        "/upload-invoice",
        data=FORM,
        headers=headers,
        files={"file": ("a.png", png_bytes(seed, seed), "image/png")},
    )


def test_keys_are_parsed_and_only_hashes_kept() -> None:
    keys = ApiKeys.parse(f" ana:{hash_key(ANA_KEY)} ,")
    assert keys.identify(ANA_KEY) == "ana"
    assert keys.identify(BO_KEY) is None and keys.identify("") is None
    assert ANA_KEY not in repr(keys)


@pytest.mark.parametrize("entry", ["ana", "ana:xyz", f":{hash_key('k')}", "a b:" + "0" * 64])
def test_malformed_key_entries_are_refused(entry: str) -> None:
    with pytest.raises(ValueError):
        ApiKeys.parse(entry)


@pytest.mark.parametrize("key", [None, "wrong", ANA_KEY + "x"], ids=["none", "wrong", "ana+x"])
def test_missing_or_wrong_key_is_401_and_nothing_is_stored(tmp_path: Path, key: str | None) -> None:
    client, app = make_client(tmp_path)
    response = upload(client, key)
    assert response.status_code == 401
    assert isinstance(app.repository, FakeRepository) and app.repository.invoices == {}
    assert isinstance(app.blobs, FakeBlobStore) and app.blobs.blobs == {}


def test_invoice_is_visible_only_to_the_key_that_uploaded_it(tmp_path: Path) -> None:
    client, _ = make_client(tmp_path)
    response = upload(client, ANA_KEY)
    invoice_id = response.json()["id"]
    assert client.get(f"/invoices/{invoice_id}", headers={"x-api-key": ANA_KEY}).status_code == 200
    other = client.get(f"/invoices/{invoice_id}", headers={"x-api-key": BO_KEY})
    assert other.status_code == 404
    assert other.json() == client.get("/invoices/" + "0" * 32, headers={"x-api-key": BO_KEY}).json()


def test_rate_limit_per_key_answers_429(tmp_path: Path) -> None:
    client, _ = make_client(tmp_path, rate="3/minute")
    codes = [upload(client, ANA_KEY, seed=8 + n).status_code for n in range(4)]
    assert codes == [202, 202, 202, 429]
    limited = upload(client, ANA_KEY, seed=20)
    assert int(limited.headers["Retry-After"]) >= 1
    assert upload(client, BO_KEY, seed=21).status_code == 202


def test_health_and_docs_stay_public(tmp_path: Path) -> None:
    client, _ = make_client(tmp_path)
    assert client.get("/health").status_code == 200
    assert client.get("/openapi.json").status_code == 200


def test_invalid_configuration_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Settings(data_dir=tmp_path, api_keys="nope")
    with pytest.raises(ValueError):
        Settings(data_dir=tmp_path, rate_limit="fast")
