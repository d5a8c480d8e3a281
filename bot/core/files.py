"""Files members and organizers upload: what they really are, and names safe to keep.

A platform's MIME type and a file name are claims; the first bytes are what a file is. A
file that says it is an image and is not would make Telegram refuse the photo for every
recipient of a broadcast, so modules check the bytes where a file enters (the magazine's
covers and PDFs, contributions, files with announcements).
"""

from __future__ import annotations

from bot.core.errors import UserError
from bot.core.i18n import _
from bot.core.types import Attachment

MAX_FILE_BYTES = 5 * 1024 * 1024
"""The largest file Werkbot takes (Telegram bots may send up to 50 MB, Discord 10 MB)."""

OCTET = "application/octet-stream"
PDF = "application/pdf"
BY_EXTENSION = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": PDF,
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".rtf": "application/rtf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
}
DOCUMENTS = frozenset(
    {
        "text/plain",
        "text/markdown",
        "application/rtf",
        "text/rtf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
    }
)
EXTENSION_OF = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


def declared_type(attachment: Attachment) -> str:
    """The MIME type the platform gave, else the one the file name suggests."""
    mime = attachment.mime_type.split(";", 1)[0].strip().lower()
    if mime and mime != OCTET:
        return mime
    name = attachment.filename.lower()
    dot = name.rfind(".")
    return BY_EXTENSION.get(name[dot:], OCTET) if dot >= 0 else OCTET


def image_type(data: bytes) -> str | None:
    """The image type the bytes show (JPEG, PNG, GIF, WebP), else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def is_pdf(attachment: Attachment) -> bool:
    """Declared a PDF (type or name) and the bytes are one (``%PDF-`` near the start)."""
    declared = declared_type(attachment) == PDF or attachment.filename.lower().endswith(".pdf")
    return declared and b"%PDF-" in attachment.data[:1024]


def safe_filename(name: str, fallback: str) -> str:
    """The last part of a file name, without control characters, at most 100 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip().strip(".")
    if not cleaned:
        return fallback
    if len(cleaned) > 100:
        dot = cleaned.rfind(".")
        suffix = cleaned[dot:] if 0 < dot and len(cleaned) - dot <= 10 else ""
        cleaned = cleaned[: 100 - len(suffix)] + suffix
    return cleaned


def check_size(attachment: Attachment) -> None:
    """Not empty and at most ``MAX_FILE_BYTES``."""
    if not attachment.data:
        raise UserError(_("That file is empty."))
    if len(attachment.data) > MAX_FILE_BYTES:
        raise UserError(_("That file is too large (at most {size} MB).").format(size=MAX_FILE_BYTES // (1024 * 1024)))


def announcement_file(attachment: Attachment) -> Attachment:
    """Any file to go with an announcement, typed by what it is: a real image as that
    image type, a PDF as a PDF, something that only claims to be an image as a plain
    document (so it is sent as a file, not a photo)."""
    check_size(attachment)
    sniffed = image_type(attachment.data)
    declared = declared_type(attachment)
    if sniffed is not None:
        mime = sniffed
    elif is_pdf(attachment):
        mime = PDF
    elif declared.startswith("image/"):
        mime = OCTET
    else:
        mime = declared
    return Attachment(safe_filename(attachment.filename, "bijlage"), attachment.data, mime)


SPREADSHEET_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(text: str) -> str:
    """A text cell of a CSV file that a spreadsheet will not run as a formula (a name
    typed as ``=HYPERLINK(…)``): such a text gets a leading quote."""
    return "'" + text if text.startswith(SPREADSHEET_FORMULA_START) else text
