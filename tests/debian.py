"""Debian packages the tests need (chromium, dovecot), installed with apt-get when they are
missing and we are root, never downloaded from anywhere else."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


def install_debian_package(package: str, provides: Path) -> str | None:
    """Install the Debian ``package`` that puts ``provides`` in place; None when it is there
    afterwards, else why it could not be (the reason a test is skipped with)."""
    if os.geteuid() != 0:
        return f"{package} is not installed and we are not root (run: apt-get install {package})"
    if shutil.which("apt-get") is None:
        return f"{package} is not installed and there is no apt-get to install it"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", package]):
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            return f"`{' '.join(command)}` failed: {result.stderr.strip()[-500:]}"
    return None if provides.exists() else f"apt-get installed {package} but {provides} is missing"
