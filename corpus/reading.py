"""Read a document file into text: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK."""
from __future__ import annotations

import unicodedata
from pathlib import Path

from .errors import UserError

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".text")
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"), None)


class UnreadableDocument(UserError):
    """The file cannot be used as a document; the message says why (in Chinese and English)."""


def decode_bytes(raw: bytes) -> str:
    """Decode ``raw`` or raise :class:`UnreadableDocument` saying why."""
    if not raw.strip():
        raise UnreadableDocument("文件为空 (empty file)")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableDocument("不是有效的 UTF-16 文本 (invalid UTF-16 text)") from exc
    elif b"\x00" in raw:
        raise UnreadableDocument("二进制文件，不是文本 (binary file, contains NUL bytes)")
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise UnreadableDocument("无法识别的编码，需为 UTF-8 或 GB18030/GBK (not UTF-8 or GB18030 text)")
    text = text.translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n")
    control = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\t\f")
    if control > max(8, len(text) // 100):
        raise UnreadableDocument("二进制文件，不是文本 (binary file, too many control characters)")
    if not text.strip():
        raise UnreadableDocument("文件为空 (empty file)")
    return text


def read_text(path: Path) -> tuple[str, bytes]:
    """Return the decoded text and the raw bytes of ``path``."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(f"无法读取文件 (cannot read file: {exc.strerror or exc})") from exc
    return decode_bytes(raw), raw
