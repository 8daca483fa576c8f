"""requirements.lock, which `make run` and `make test` install from, agrees with pyproject.toml."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO


def lock_pins() -> dict[str, str]:
    text = (REPO / "requirements.lock").read_text()
    return {
        name.lower().replace("_", "-"): version
        for name, version in re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", text, re.MULTILINE)
    }


def test_every_pin_of_pyproject_is_locked_at_its_version() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    locked = lock_pins()
    for requirement in declared:
        name, version = re.split(r"==", requirement.split(";")[0].strip())
        name = re.sub(r"\[.*\]", "", name).lower().replace("_", "-")
        assert locked.get(name) == version, f"{requirement}: run `make lock`"


def test_every_locked_package_has_hashes() -> None:
    text = (REPO / "requirements.lock").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    assert entries and all("--hash=sha256:" in entry for entry in entries if "==" in entry)
