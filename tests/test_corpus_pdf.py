"""PDF files read by the real pypdf and the real parser; encrypted, damaged and scanned ones skipped."""
from __future__ import annotations

import io
import logging
import random
import re
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from policyqa.corpus import UnreadableDocument, coverage_problems, load_corpus, parse_file
from policyqa.corpus.pdf import pdf_text

Line = str | tuple[str, ...]  # a line of text, or a table row's cells set out in columns
COLUMNS = (72, 130, 340)  # where a table row's cells start
MARGIN = 30  # characters in a full line of body text


def _wrap(paragraph: str) -> list[str]:
    """``paragraph`` broken every MARGIN characters, as a PDF breaks its lines at the margin."""
    return [paragraph[i:i + MARGIN] for i in range(0, len(paragraph), MARGIN)]


def _to_unicode(codes: dict[str, int]) -> str:
    """A ToUnicode CMap mapping the 2-byte code of each character to it."""
    pairs = [f"<{code:04X}> <{ord(ch):04X}>" for ch, code in codes.items()]
    blocks = [pairs[i:i + 100] for i in range(0, len(pairs), 100)]  # at most 100 mappings a block
    mappings = [f"{len(block)} beginbfchar\n" + "\n".join(block) + "\nendbfchar" for block in blocks]
    return "\n".join(["/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
                      "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
                      "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
                      "1 begincodespacerange <0000> <FFFF> endcodespacerange",
                      *mappings, "endcmap CMapName currentdict /CMap defineresource pop end end"])


def _hex(text: str, codes: dict[str, int]) -> str:
    """``text`` as a hex string of 2-byte codes, as Identity-H shows it."""
    return "<" + "".join(f"{codes[ch]:04X}" for ch in text) + ">"


def _shown(text: str, codes: dict[str, int], tracking: int) -> str:
    """The operator showing ``text``; ``tracking`` (thousandths of the font size, negative to widen) spaces out
    its characters as a letter-spaced heading is set."""
    if tracking:
        return "[" + f" {tracking} ".join(_hex(ch, codes) for ch in text) + "] TJ"
    return f"{_hex(text, codes)} Tj"


def _content(lines: list[Line], codes: dict[str, int], tracking: int, line_per_cell: bool = False) -> str:
    """A page's content stream: lines from the top, 28 points apart; a row's cells at COLUMNS, one cell after
    another as a word processor writes them, a cell's lines (split at \\n) one under another; ``tracking`` for
    the lines of text; ``line_per_cell``: each cell's line ended by a move to the next line (T*), as report
    generators write them, so that pypdf gives each on a line of its own."""
    ops = ["0 0 1 1 re f"]  # a mark that is not text (all a scanned page has)
    y = 800
    for line in lines:
        cells = (line,) if isinstance(line, str) else line
        for x, cell in zip(COLUMNS, cells):
            for k, text in enumerate(cell.splitlines()):
                shown = _shown(text, codes, tracking if isinstance(line, str) else 0)
                ops.append(f"BT /F1 16 Tf 28 TL 1 0 0 1 {x} {y - 28 * k} Tm {shown}{' T*' * line_per_cell} ET")
        y -= 28 * max(1, *(len(cell.splitlines()) for cell in cells))
    return "\n".join(ops)


def _pdf(*pages: list[Line], tracking: int = 0, line_per_cell: bool = False) -> bytes:
    """A PDF of ``pages`` in a Type0 font (Identity-H, a CIDFontType2 without its font program) whose ToUnicode
    CMap gives each character back, with a correct xref table."""
    chars = sorted({ch for page in pages for line in page for ch in "".join(line)} - {"\n"})
    codes = {ch: i + 1 for i, ch in enumerate(chars)}
    objects = {
        1: "<< /Type /Catalog /Pages 2 0 R >>",
        2: f"<< /Type /Pages /Kids [{' '.join(f'{7 + 2 * n} 0 R' for n in range(len(pages)))}] /Count {len(pages)} >>",
        3: "<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [4 0 R]"
           " /ToUnicode 6 0 R >>",
        4: "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /DW 1000 /CIDToGIDMap /Identity"
           " /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 5 0 R >>",
        5: "<< /Type /FontDescriptor /FontName /SimSun /Flags 4 /FontBBox [0 -120 1000 880] /ItalicAngle 0"
           " /Ascent 880 /Descent -120 /CapHeight 880 /StemV 80 >>",
    }
    streams = {6: _to_unicode(codes)}
    for n, page in enumerate(pages):
        objects[7 + 2 * n] = ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
                              f" /Resources << /Font << /F1 3 0 R >> >> /Contents {8 + 2 * n} 0 R >>")
        streams[8 + 2 * n] = _content(page, codes, tracking, line_per_cell)
    for num, data in streams.items():
        objects[num] = f"<< /Length {len(data.encode())} >>\nstream\n{data}\nendstream"
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num in sorted(objects):
        offsets.append(len(out))
        out += f"{num} 0 obj\n{objects[num]}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _encrypted(raw: bytes, user_password: str, algorithm: str = "RC4-128") -> bytes:
    """``raw`` encrypted with an owner password (AES needs the cryptography package, installed with pypdf[crypto])."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


INTRO = "为推进普惠托育服务发展，更好满足群众托育服务需求，经市政府同意，现就有关事项通知如下。"
ITEMS = {
    "一、（一）": "（一）支持用人单位办托。鼓励有条件的用人单位在工作场所为职工提供托育服务，对新增普惠托位给予一次性"
                "建设补助，补助标准由市卫生健康委会同市财政局另行制定。",
    # Broken across the page break, the page number between its halves.
    "一、（二）": "（二）发展社区嵌入式托育。在城镇老旧小区改造和完整社区建设中统筹建设托育服务设施，支持托育机构在"
                "社区设置托育点，为家庭提供全日托、半日托、计时托和临时托等多样化托育服务。",
    "二、（一）": "（一）落实监管责任。卫生健康部门牵头，会同市场监管、消防救援等部门开展托育机构年度检查，检查结果"
                "向社会公布。",
    "二、（二）": "（二）保障托育安全。托育机构要建立健全安全管理制度，配备必要的安全设施设备，定期开展安全演练。",
}
BODY = [
    "某某市人民政府办公室文件",
    "某政办发〔2025〕7号",
    "某某市人民政府办公室关于推进普惠托育服务发展的通知",
    "各区人民政府，市政府各部门：",
    *_wrap(INTRO),
    "一、扩大普惠托育服务供给",
    *_wrap(ITEMS["一、（一）"]),
    *_wrap(ITEMS["一、（二）"]),
    "二、加强托育服务监管",
    *_wrap(ITEMS["二、（一）"]),
    *_wrap(ITEMS["二、（二）"]),
    "附件：重点任务分工表",
    "某某市人民政府办公室",
    "2025年3月1日",
]
PAGE_BREAK = BODY.index("二、加强托育服务监管") - 2  # two lines before the end of item （二）
ANNEX: list[Line] = [
    "附件",
    "重点任务分工表",
    ("序号", "重点任务", "责任单位"),
    ("1", "支持用人单位在工作场所为\n职工提供托育服务。", "市卫生健康委牵头，市财\n政局参加"),
    ("2", "发展社区嵌入式托育。", "市住房城乡建设局、市卫\n生健康委"),
    ("3", "落实监管责任。", "市卫生健康委、市市场监管局"),
]
UNITS = ["市卫生健康委牵头，市财政局参加", "市住房城乡建设局、市卫生健康委", "市卫生健康委、市市场监管局"]
PAGE_1 = BODY[:PAGE_BREAK] + ["", "— 1 —"]
PAGE_2 = BODY[PAGE_BREAK:] + ANNEX


@pytest.fixture
def notice(tmp_path: Path) -> Path:
    path = tmp_path / "tuoyu.pdf"
    path.write_bytes(_pdf(PAGE_1, PAGE_2))
    return path


def test_pypdf_gives_back_the_lines_of_the_pages(notice: Path, caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING, logger="pypdf"):
        pages = [page.extract_text() for page in PdfReader(notice, strict=True).pages]
    assert not caplog.records  # nothing repaired: the xref table points at every object
    assert pages[0].splitlines() == BODY[:PAGE_BREAK] + ["— 1 —"]
    # A row's cells one after another, each cell's lines together: the order the parser reads a task table in.
    assert pages[1].splitlines()[-8:] == [
        "序号 重点任务 责任单位", "1 支持用人单位在工作场所为", "职工提供托育服务。", "市卫生健康委牵头，市财", "政局参加",
        "2 发展社区嵌入式托育。 市住房城乡建设局、市卫", "生健康委", "3 落实监管责任。 市卫生健康委、市市场监管局"]


def test_a_two_page_notice_with_its_task_table(notice: Path):
    doc = parse_file(notice)
    assert doc.meta.title == "某某市人民政府办公室关于推进普惠托育服务发展的通知"
    assert doc.meta.doc_number == "某政办发〔2025〕7号"
    assert (doc.meta.issuer, doc.meta.date) == ("某某市人民政府办公室", "2025-03-01")
    text = {c.label: c.text for c in doc.clauses if c.part == "body"}
    assert text == ITEMS  # each item whole: the sentence across the page break joined, nothing put in between
    assert not any(re.search(r"—\s*1\s*—", c.text) for c in doc.clauses)
    rows = [c for c in doc.clauses if c.part == "annex"]
    assert [c.label for c in rows] == ["附件第1项", "附件第2项", "附件第3项"]
    assert [c.responsible_units for c in rows] == UNITS
    assert rows[0].text == "支持用人单位在工作场所为职工提供托育服务。\n市卫生健康委牵头，市财政局参加"
    assert coverage_problems(doc) == []


def test_characters_a_pdf_font_maps_elsewhere_come_out_as_text_has_them():
    raw = _pdf(["养老服务⼈员⼀律持证上岗，", "第⼀条\xa0托育机构\uf967得擅自停业：", "“一老一小”\u2003服务"])
    # Kangxi radicals and a compatibility ideograph are unified ideographs; full-width punctuation stays as it is.
    assert pdf_text(raw) == "养老服务人员一律持证上岗，\n第一条 托育机构不得擅自停业：\n“一老一小”\u3000服务"


def test_a_letter_spaced_line_is_closed_up_but_table_cells_stay_apart():
    raw = _pdf(["某某市民政局文件", ("序号", "重点任务", "责任单位"), ("1", "落实资金", "市财政局")], tracking=-400)
    assert PdfReader(io.BytesIO(raw)).pages[0].extract_text().startswith("某 某 市 民 政 局 文 件")
    assert pdf_text(raw) == "某某市民政局文件\n序号 重点任务 责任单位\n1 落实资金 市财政局"


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-128", "AES-256"])
def test_a_pdf_opened_with_the_empty_password_is_read(tmp_path: Path, algorithm: str):
    path = tmp_path / "protected.pdf"  # printing or copying restricted, as many published documents are
    path.write_bytes(_encrypted(_pdf(PAGE_1, PAGE_2), user_password="", algorithm=algorithm))
    assert parse_file(path).meta.doc_number == "某政办发〔2025〕7号"


def test_encrypted_damaged_and_scanned_pdfs_are_skipped_with_a_reason(tmp_path: Path, notice: Path):
    (tmp_path / "secret.pdf").write_bytes(_encrypted(notice.read_bytes(), user_password="secret"))
    (tmp_path / "random.pdf").write_bytes(random.Random(7).randbytes(2048))
    (tmp_path / "cut.pdf").write_bytes(notice.read_bytes()[:600])
    (tmp_path / "scan.pdf").write_bytes(_pdf([], []))
    corpus = load_corpus([tmp_path])
    assert [d.doc_id for d in corpus.documents] == ["tuoyu"]
    reasons = {Path(s.path).name: s.reason for s in corpus.skipped}
    assert reasons["secret.pdf"] == "PDF 已加密，需要密码才能打开 (encrypted PDF: it needs a password to open)"
    assert reasons["random.pdf"].startswith("不是有效的 PDF 文件，可能已损坏 (not a valid PDF file: ")
    assert reasons["cut.pdf"].startswith("不是有效的 PDF 文件，可能已损坏 (not a valid PDF file: ")
    assert reasons["scan.pdf"] == ("PDF 中没有可提取的文字，可能是扫描件 "
                                   "(no extractable text in the PDF; a scanned document needs OCR)")
    with pytest.raises(UnreadableDocument, match="needs a password"):
        parse_file(tmp_path / "secret.pdf")


def test_a_table_laid_out_cell_by_cell_is_read_a_row_a_line(tmp_path: Path):
    """A generator that ends each cell's line (pypdf then gives every cell, and every wrapped line of one, a line of
    its own): the header's positions put each row back on one line, its cells apart and a wrapped cell whole, so
    that its rows are cited by their 序号; the note under the table is not a row's."""
    table = [("序号", "补贴项目", "补贴标准"), ("1", "高龄津贴", "每人每月\n100元"), ("2", "护理补贴", "每人每月200元"),
             "注：按月发放至本人社会保障卡。"]
    raw = _pdf(["某某县民政局关于调整补贴标准的通知", "一、补贴标准见附件。", "附件", *table], line_per_cell=True)
    assert PdfReader(io.BytesIO(raw)).pages[0].extract_text().count("\n") > 10  # a line a cell, as pypdf gives them
    text = pdf_text(raw)
    assert "序号\u3000补贴项目\u3000补贴标准\n1\u3000高龄津贴\u3000每人每月100元\n2\u3000护理补贴\u3000每人每月200元\n注：" in text
    path = tmp_path / "bz.pdf"
    path.write_bytes(raw)
    rows = {c.label: c.text for c in parse_file(path).clauses if c.part == "annex"}
    assert rows["附件第1项"] == "高龄津贴\u3000每人每月100元" and "附件第3项" not in rows


def test_a_table_laid_out_cell_by_cell_across_pages_and_what_ends_it():
    """Rows going on at the top of the next page (with or without the header repeated) are the table's; a
    signature under the table is not its last row's; a line across the table between rows (a category) leaves
    the page as pypdf gives it rather than put rows together wrongly."""
    header, rows = ("序号", "补贴项目", "补贴标准"), [("1", "高龄津贴", "每月100元"), ("2", "护理补贴", "每月200元")]
    later = [("3", "困难补贴", "每月50元")]
    for second in (later, [header, *later]):
        text = pdf_text(_pdf([header, *rows], second, line_per_cell=True))
        assert "2\u3000护理补贴\u3000每月200元\n" in text and "3\u3000困难补贴\u3000每月50元" in text
        assert text.count("序号") == 1
    signed = pdf_text(_pdf([header, *rows, "", "某某县民政局", "2024年3月1日"], line_per_cell=True))
    assert "2\u3000护理补贴\u3000每月200元\n" in signed and "\n2024年3月1日" in signed
    category = pdf_text(_pdf([header, *rows[:1], ("", "二、专项补贴"), *rows[1:]], line_per_cell=True))
    assert "1\u3000高龄津贴" not in category and "\n二、专项补贴\n" in category
