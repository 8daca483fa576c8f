"""API keys: who may call the API. Only SHA-256 hashes of the keys are ever stored or configured.

Keys are 256-bit random tokens, so a plain SHA-256 is enough to make a leaked configuration
useless (no dictionary to try); comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

_ENTRY = re.compile(r"([A-Za-z0-9_.@-]{1,64}):([0-9a-f]{64})")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return "bk_" + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class ApiKeys:
    """Label -> key hash, parsed from ``label:sha256hex`` entries separated by commas."""

    hashes: dict[str, str]

    @classmethod
    def parse(cls, text: str | None) -> ApiKeys:
        hashes: dict[str, str] = {}
        for entry in (text or "").split(","):
            entry = entry.strip()
            if not entry:
                continue
            match = _ENTRY.fullmatch(entry)
            if not match:
                raise ValueError(
                    "each API key entry must be label:sha256hex (make one with `billify api-key`)"
                )
            hashes[match[1]] = match[2]
        return cls(hashes)

    @property
    def enabled(self) -> bool:
        return bool(self.hashes)

    def identify(self, presented: str | None) -> str | None:
        """The label of the key presented, or None if it is not one of ours."""
        if not presented:
            return None
        digest = hash_key(presented)
        found = None
        for label, expected in self.hashes.items():
            if hmac.compare_digest(digest, expected):
                found = label
        return found
