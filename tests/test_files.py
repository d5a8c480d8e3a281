"""Uploaded files are typed by their bytes, not by what the platform or the name claims."""

from __future__ import annotations

import pytest

from bot.core.errors import UserError
from bot.core.files import MAX_FILE_BYTES, announcement_file
from bot.core.types import Attachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.7\n" + b"\x00" * 32


@pytest.mark.parametrize(
    ("name", "data", "claimed", "expected"),
    [
        ("foto.png", PNG, "image/png", "image/png"),
        ("foto.bin", PNG, "application/octet-stream", "image/png"),
        ("nep.png", b"MZ\x90\x00 not an image", "image/png", "application/octet-stream"),
        ("stuk.pdf", PDF, "application/octet-stream", "application/pdf"),
        ("notulen.txt", b"agenda", "text/plain", "text/plain"),
    ],
)
def test_the_bytes_decide_what_a_file_is(
    name: str, data: bytes, claimed: str, expected: str
) -> None:
    assert announcement_file(Attachment(name, data, claimed)).mime_type == expected


def test_names_are_kept_safe() -> None:
    checked = announcement_file(Attachment("../../etc/\x00pass\nwd.txt", b"x", "text/plain"))
    assert checked.filename == "passwd.txt"
    assert announcement_file(Attachment("...", b"x", "text/plain")).filename == "bijlage"


@pytest.mark.parametrize("size", [0, MAX_FILE_BYTES + 1])
def test_empty_and_too_large_files_are_refused(size: int) -> None:
    with pytest.raises(UserError):
        announcement_file(Attachment("groot.pdf", b"%" * size, "application/pdf"))
