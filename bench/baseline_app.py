"""The floor to compare Billify's upload path with: a minimal FastAPI endpoint that writes and
fsyncs the file and inserts one SQLite row (WAL, synchronous=FULL), nothing else.

    uvicorn bench.baseline_app:app --port 8001   (BASELINE_DIR sets where it writes)
"""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from pathlib import Path

from fastapi import FastAPI, File, Form, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

ROOT = Path(os.environ.get("BASELINE_DIR", "/tmp/billify-baseline"))
ROOT.mkdir(parents=True, exist_ok=True)
_local = threading.local()
app = FastAPI()


def _db() -> sqlite3.Connection:
    if not hasattr(_local, "db"):
        db = sqlite3.connect(ROOT / "db.sqlite3", isolation_level=None, timeout=15)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS uploads (id TEXT PRIMARY KEY, name TEXT, email TEXT)"
        )
        _local.db = db
    return _local.db  # type: ignore[no-any-return]


def _store(content: bytes, name: str, email: str) -> str:
    upload_id = uuid.uuid4().hex
    with open(ROOT / upload_id, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    _db().execute("INSERT INTO uploads VALUES (?, ?, ?)", (upload_id, name, email))
    return upload_id


@app.post("/upload-invoice")
async def upload(
    file: UploadFile = File(...), name: str = Form(...), email: str = Form(...)
) -> JSONResponse:
    content = await file.read()
    upload_id = await run_in_threadpool(_store, content, name, email)
    return JSONResponse({"id": upload_id, "status": "queued"}, status_code=202)
