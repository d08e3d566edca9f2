"""Read a document file into text: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK; a web page
(.html/.htm) or Word file (.docx) is converted to plain text (see :mod:`policyqa.corpus.markup`), a PDF's text is
extracted (see :mod:`policyqa.corpus.pdf`)."""
from __future__ import annotations

import codecs
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

from .errors import UserError
from .markup import docx_text, html_charset, html_text
from .pdf import pdf_text

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".text", ".html", ".htm", ".docx", ".pdf")
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"), None)


class UnreadableDocument(UserError):
    """The file cannot be used as a document; the message says why (in Chinese and English)."""


def unsupported_type(suffix: str) -> str:
    """The reason a file of this type is not read (legacy .doc, .wps …)."""
    return f"不支持的文件类型 (unsupported file type {suffix or '(none)'})"


def decode_bytes(raw: bytes, declared: str | None = None) -> str:
    """Decode ``raw`` or raise :class:`UnreadableDocument` saying why.

    ``declared`` is the encoding the file names for itself (a web page's charset): it is tried before UTF-8
    and GB18030, unless a UTF-8 byte-order mark says otherwise.
    """
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
        declared = None if raw.startswith(codecs.BOM_UTF8) else declared
        for encoding in ((declared,) if declared else ()) + ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except (UnicodeDecodeError, LookupError):  # LookupError: a charset Python does not know
                continue
        else:
            raise UnreadableDocument("无法识别的编码，需为 UTF-8 或 GB18030/GBK (not UTF-8 or GB18030 text)")
    return _usable(text)


def _usable(text: str, empty: str = "文件为空 (empty file)") -> str:
    """``text`` without invisible characters and with \\n line ends; raises if it is binary or empty (``empty``
    saying why)."""
    text = text.translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n")
    control = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\t\f")
    if control > max(8, len(text) // 100):
        raise UnreadableDocument("二进制文件，不是文本 (binary file, too many control characters)")
    if not text.strip():
        raise UnreadableDocument(empty)
    return text


def _read_html(raw: bytes) -> str:
    """A web page's text, decoded as its BOM or <meta charset> says, else as UTF-8 or GB18030."""
    text = html_text(decode_bytes(raw, html_charset(raw)))
    # A page whose text a script fills in is saved without it.
    return _usable(text, "网页中没有正文文字 (no text in the page outside scripts, navigation, header and footer)")


def _read_docx(raw: bytes) -> str:
    """A Word file's text; a legacy .doc renamed .docx, or a damaged file, is not one."""
    try:
        return _usable(docx_text(raw), "Word 文件中没有文字 (no text in the Word document)")
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise UnreadableDocument(f"不是有效的 Word (.docx) 文件，无法解压 (not a valid .docx file: {exc})") from exc
    except KeyError as exc:
        raise UnreadableDocument("Word 文件中没有正文 word/document.xml (not a Word document: no word/document.xml)") from exc
    except ElementTree.ParseError as exc:
        raise UnreadableDocument(f"Word 文件正文已损坏 (damaged word/document.xml: {exc})") from exc


def _read_pdf(raw: bytes) -> str:
    """A PDF's text; one that needs a password, a damaged file, or a scan without a text layer is not usable."""
    try:
        text = pdf_text(raw)
    except FileNotDecryptedError as exc:
        raise UnreadableDocument("PDF 已加密，需要密码才能打开 (encrypted PDF: it needs a password to open)") from exc
    except DependencyError as exc:  # AES encryption needs the optional cryptography package
        raise UnreadableDocument(f"PDF 已加密，无法解密 (encrypted PDF that cannot be decrypted: {exc})") from exc
    # pypdf reports some damage as errors of Python's own
    except (PyPdfError, ValueError, LookupError, TypeError, AttributeError, zlib.error) as exc:
        raise UnreadableDocument(f"不是有效的 PDF 文件，可能已损坏 (not a valid PDF file: {exc})") from exc
    return _usable(text, "PDF 中没有可提取的文字，可能是扫描件 (no extractable text in the PDF; a scanned document needs OCR)")


_READERS: dict[str, Callable[[bytes], str]] = {
    ".html": _read_html, ".htm": _read_html, ".docx": _read_docx, ".pdf": _read_pdf,
}


def read_text(path: Path) -> tuple[str, bytes]:
    """Return the text (converted, for a web page, Word file or PDF) and the raw bytes of ``path``.

    A file of a type not supported that cannot be read as text says it is of that type.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(f"无法读取文件 (cannot read file: {exc.strerror or exc})") from exc
    suffix = path.suffix.lower()
    try:
        return _READERS.get(suffix, decode_bytes)(raw), raw
    except UnreadableDocument as exc:
        if suffix in SUPPORTED_SUFFIXES:
            raise
        raise UnreadableDocument(f"{unsupported_type(suffix)}: {exc}") from exc
