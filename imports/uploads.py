"""Files uploaded on the console's import page: which kind each is, and keeping them
between the dry run and the confirmation.

A file is named after its kind (``students.csv``); a zip holds such files, in folders or
not. Nothing here writes to the database: the import service does, all or nothing.
"""

from __future__ import annotations

import io
import secrets
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile

from imports.kinds import KINDS

STAGE_SECONDS = 30 * 60  # checked files wait this long for the confirmation


@dataclass
class Upload:
    """The uploaded files by kind (their bytes and names), or what is wrong with them."""

    files: dict[str, bytes] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, name: str, data: bytes) -> None:
        kind = PurePosixPath(name).stem.lower()
        if PurePosixPath(name).suffix.lower() != ".csv" or kind not in KINDS:
            self.problems.append(
                f"{name}: not a file of a known kind; name each file after its kind, "
                f"one of: {', '.join(f'{k}.csv' for k in KINDS)}"
            )
        elif kind in self.files:
            self.problems.append(
                f"{name}: a second file for {kind} (also {self.names[kind]}); send one per kind"
            )
        else:
            self.files[kind] = data
            self.names[kind] = PurePosixPath(name).name

    def sources(self) -> dict[str, io.BytesIO]:
        """``{kind: file}`` for the import service; each file carries its upload name."""
        out = {}
        for kind, data in self.files.items():
            source = io.BytesIO(data)
            source.name = self.names[kind]
            out[kind] = source
        return out


def upload_read(uploaded: Iterable[UploadedFile], *, max_bytes: int) -> Upload:
    """Sort uploaded CSV files and zips of them into kinds; at most ``max_bytes`` in all,
    counted after unzipping (a small zip may hold a huge file)."""
    upload = Upload()
    budget = max_bytes
    for item in uploaded:
        name = item.name or "upload"
        if name.lower().endswith(".zip"):
            budget = _read_zip(upload, item, name, budget)
        else:
            data = item.read(budget + 1)
            if len(data) > budget:
                upload.problems.append(f"{name}: the files are larger than {max_bytes:,} bytes")
                return upload
            budget -= len(data)
            upload.add(name, data)
    if not upload.files and not upload.problems:
        upload.problems.append("Choose at least one CSV file (or a zip of them).")
    return upload


def _read_zip(upload: Upload, item: UploadedFile, name: str, budget: int) -> int:
    try:
        archive = zipfile.ZipFile(item)
    except zipfile.BadZipFile:
        upload.problems.append(f"{name}: not a zip file")
        return budget
    with archive:
        for info in archive.infolist():
            if info.is_dir() or PurePosixPath(info.filename).name.startswith((".", "__")):
                continue
            with archive.open(info) as member:
                data = member.read(budget + 1)
            if len(data) > budget:
                upload.problems.append(f"{name}: the unzipped files are too large")
                return 0
            budget -= len(data)
            upload.add(f"{name}/{info.filename}", data)
    return budget


def upload_stage(upload: Upload, *, user_id: int) -> str:
    """Keep checked files for the confirmation; returns the token naming them. The cache
    is shared by every web process, so the confirmation may reach another one."""
    token = secrets.token_urlsafe(16)
    cache.set(_key(user_id, token), (upload.files, upload.names), STAGE_SECONDS)
    return token


def upload_staged(*, user_id: int, token: str) -> Upload | None:
    """The files staged under ``token`` by this user, or None when gone (expired)."""
    stored = cache.get(_key(user_id, token))
    if stored is None:
        return None
    files, names = stored
    return Upload(files=files, names=names)


def upload_unstage(*, user_id: int, token: str) -> None:
    cache.delete(_key(user_id, token))


def _key(user_id: int, token: str) -> str:
    return f"import-stage:{user_id}:{token}"
