"""Helpers for the magazine tests: real files (a PNG, a PDF), the module, the chat."""

from __future__ import annotations

import struct
import zlib

import pytest

from bot.app import Werkbot
from cogs.magazine import MagazineModule
from tests.support.chat import RecordingChat
from tests.test_property_inputs import harness  # noqa: F401  (the property tests' Werkbot)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int = 2, height: int = 3) -> bytes:
    """A real (tiny, grey) PNG image."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def pdf(text: str = "Magazine van de Vernieuwing") -> bytes:
    """A small but well-formed PDF."""
    body = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


TEN_MB = 10 * 1024 * 1024


def magazine_of(app: Werkbot) -> MagazineModule:
    found = next(module for module in app.modules if module.name == "magazine")
    assert isinstance(found, MagazineModule)
    return found


@pytest.fixture
def chat(english_chat: RecordingChat) -> RecordingChat:
    """The shared recording chat, in English, so texts do not depend on the Dutch catalog."""
    return english_chat
