"""Web pages (.html, UTF-8 or GBK) and Word files (.docx) read by the real parser, and damaged ones skipped."""
from __future__ import annotations

import hashlib
import random
import re
import zipfile
from pathlib import Path

import pytest

from policyqa.corpus import UnreadableDocument, coverage_problems, load_corpus, parse_file

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
{meta}
<title>某某市民政局关于推进养老服务工作的通知_某某市人民政府门户网站</title>
<style>.nav {{ color: #333; }}</style>
<script>var share = "<p>分享到微信</p>";</script>
</head>
<body>
<nav class="nav"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 政策文件</nav>
<header><div class="logo">某某市人民政府门户网站</div></header>
<div class="article">
  <h1>某某市民政局关于推进养老服务工作的通知</h1>
  <p style="text-align: center">某民发〔2025〕3号</p>
  <p>各区民政局，市直有关单位：</p>
  <p>&emsp;&emsp;为做好养老服务工作，现就有关事项通知如下。</p>
  <p>一、加强统筹协调</p>
  <p>&nbsp;&nbsp;（一）建立工作机制。市民政局牵头建立联席会议制度，定期研究解决养老服务发展中的重大问题。</p>
  <p>（二）落实资金保障。市财政局安排专项资金，支持社区养老服务设施建设。</p>
  <p>二、本通知自印发之日起施行。</p>
  <p style="text-align: right">某某市民政局</p>
  <p style="text-align: right">2025年3月1日</p>
  <p>附件</p>
  <p>重点任务分工表</p>
  <table border="1">
    <tr><th>序号</th><th>重点任务</th><th>责任单位</th></tr>
    <tr><td><p>1</p></td><td><p>建立工作机制</p></td><td><p>市民政局牵头，市财政局参加</p></td></tr>
    <tr><td>2</td><td>落实资金保障</td><td>市财政局</td></tr>
  </table>
</div>
<footer><p>打印本页　关闭窗口</p><p>主办：某某市人民政府办公室　网站标识码：1234000001</p></footer>
</body>
</html>
"""
CHROME = ("首页", "政务公开", "门户网站", "打印本页", "网站标识码", "分享到微信", "color")

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""


def _run(text: str) -> str:
    """A Word run; ``\\t`` and ``\\n`` in ``text`` become a tab and a line break."""
    markup = {"\t": "<w:tab/>", "\n": "<w:br/>"}
    parts = (markup.get(part) or f'<w:t xml:space="preserve">{part}</w:t>'
             for part in re.split(r"([\t\n])", text) if part)
    return f"<w:r>{''.join(parts)}</w:r>"


def _p(*runs: str) -> str:
    return f"<w:p>{''.join(map(_run, runs))}</w:p>"


def _row(*cells: str) -> str:
    return "<w:tr>" + "".join(f"<w:tc><w:tcPr/>{_p(c)}</w:tc>" for c in cells) + "</w:tr>"


DOCUMENT = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body>
{_p("某某市", "养老机构管理办法")}
{_p("第一条", "　为了规范养老机构管理，保障老年人合法权益，制定本办法。")}
{_p("第二条　本办法适用于本市行政区域内的养老机构。")}
<w:p><w:r><w:delText>已删除的文字</w:delText></w:r></w:p>
{_p("第三条　养老机构应当按照下表配备工作人员：")}
<w:tbl><w:tblPr/>
{_row("序号", "岗位", "配备标准")}
{_row("1", "养老护理员", "每10名老年人不少于1名")}
{_row("2", "社会工作者", "每100张床位不少于1名")}
</w:tbl>
{_p("第四条　本办法自2025年1月1日起施行。")}
<w:sectPr/>
</w:body>
</w:document>"""


def _page(tmp_path: Path, name: str, meta: str, encoding: str) -> Path:
    path = tmp_path / name
    path.write_bytes(PAGE.format(meta=meta).encode(encoding))
    return path


def _docx(path: Path, document: str = DOCUMENT) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", document)
    return path


@pytest.mark.parametrize("meta, encoding", [
    ('<meta charset="utf-8">', "utf-8"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=gbk">', "gbk"),
])
def test_a_policy_page_is_read_as_plain_text(tmp_path: Path, meta: str, encoding: str):
    path = _page(tmp_path, "notice.html", meta, encoding)
    doc = parse_file(path)
    assert doc.meta.title == "某某市民政局关于推进养老服务工作的通知"  # the page's <h1>, not its <title>
    assert doc.meta.doc_number == "某民发〔2025〕3号"
    assert doc.meta.date == "2025-03-01" and doc.meta.issuer == "某某市民政局"
    assert doc.meta.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    clauses = {c.label: c for c in doc.clauses}
    assert [c.label for c in doc.clauses if c.part == "body"] == ["（一）", "（二）", "二、本通知自印发之日起施行"]
    assert clauses["（一）"].text.startswith("（一）建立工作机制。市民政局牵头")
    assert clauses["（一）"].section == "一、加强统筹协调"
    assert clauses["序言"].text == "各区民政局，市直有关单位：\n为做好养老服务工作，现就有关事项通知如下。"
    rows = [c for c in doc.clauses if c.part == "annex"]
    assert [(r.label, r.responsible_units) for r in rows] == [
        ("附件第1项", "市民政局牵头，市财政局参加"), ("附件第2项", "市财政局")]
    assert rows[0].text == "建立工作机制\n市民政局牵头，市财政局参加"
    assert rows[0].links == ("notice:（一）",) and rows[1].links == ("notice:（二）",)
    assert not any(word in c.text for c in doc.clauses for word in CHROME)
    assert not any(word in doc.body for word in CHROME)
    assert coverage_problems(doc) == []


def test_a_page_without_a_heading_is_titled_by_its_title_element_without_the_sites_name(tmp_path: Path):
    page = PAGE.replace("<h1>", "<p>").replace("</h1>", "</p>").replace(
        "  <p>某某市民政局关于推进养老服务工作的通知</p>\n", "")
    path = tmp_path / "untitled.htm"
    path.write_text(page.format(meta=""), encoding="utf-8")
    doc = parse_file(path)
    assert doc.meta.title == "某某市民政局关于推进养老服务工作的通知"
    assert doc.meta.doc_number == "某民发〔2025〕3号"


def test_a_word_file_is_read_as_plain_text(tmp_path: Path):
    doc = parse_file(_docx(tmp_path / "banfa.docx"))
    assert doc.meta.title == "某某市养老机构管理办法"
    articles = [c for c in doc.clauses if c.part == "body"]
    assert [c.label for c in articles] == ["第一条", "第二条", "第三条", "第四条"]
    assert articles[0].text == "第一条　为了规范养老机构管理，保障老年人合法权益，制定本办法。"
    third = articles[2].text.split("\n")
    assert third[0] == "第三条　养老机构应当按照下表配备工作人员："
    assert third[1:] == ["| 序号 | 岗位 | 配备标准 |", "| 1 | 养老护理员 | 每10名老年人不少于1名 |",
                         "| 2 | 社会工作者 | 每100张床位不少于1名 |"]
    assert "已删除" not in doc.body
    assert coverage_problems(doc) == []


def test_tabs_and_line_breaks_in_a_word_paragraph(tmp_path: Path):
    document = DOCUMENT.replace(_p("第二条　本办法适用于本市行政区域内的养老机构。"),
                                _p("第二条　本办法适用于：\n养老机构\t养老服务中心。"))
    doc = parse_file(_docx(tmp_path / "banfa.docx", document))
    assert "第二条　本办法适用于：\n养老机构\t养老服务中心。" in doc.body
    assert next(c for c in doc.clauses if c.label == "第二条").text.endswith("养老机构\t养老服务中心。")


def test_damaged_and_unsupported_files_are_skipped_with_a_reason(tmp_path: Path):
    (tmp_path / "random.docx").write_bytes(random.Random(7).randbytes(2048))
    with zipfile.ZipFile(tmp_path / "nobody.docx", "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
    _docx(tmp_path / "broken.docx", DOCUMENT[:400])
    _docx(tmp_path / "blank.docx", DOCUMENT[:DOCUMENT.index("<w:body>")] + "<w:body><w:sectPr/></w:body></w:document>")
    (tmp_path / "empty.html").write_text("<html><head><title></title></head><body><nav>首页</nav></body></html>",
                                         encoding="utf-8")
    (tmp_path / "legacy.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    _page(tmp_path, "notice.html", '<meta charset="utf-8">', "utf-8")
    corpus = load_corpus([tmp_path])
    assert [d.doc_id for d in corpus.documents] == ["notice"]
    reasons = {Path(s.path).name: s.reason for s in corpus.skipped}
    assert "not a valid .docx file" in reasons["random.docx"] and "不是有效的 Word" in reasons["random.docx"]
    assert "no word/document.xml" in reasons["nobody.docx"]
    assert "damaged word/document.xml" in reasons["broken.docx"]
    assert "no text in the Word document" in reasons["blank.docx"]
    assert "no text in the page" in reasons["empty.html"]
    assert reasons["legacy.doc"] == "不支持的文件类型 (unsupported file type .doc)"
    assert reasons["scan.pdf"].startswith("不是有效的 PDF 文件，可能已损坏 (not a valid PDF file: ")
    with pytest.raises(UnreadableDocument, match="not a valid .docx file"):
        parse_file(tmp_path / "random.docx")


def test_a_legacy_word_file_named_explicitly_says_its_type_is_not_supported(tmp_path: Path):
    path = tmp_path / "legacy.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    corpus = load_corpus([path])
    assert not corpus.documents
    assert corpus.skipped[0].reason.startswith("不支持的文件类型 (unsupported file type .doc): ")


def test_a_text_box_is_read_once(tmp_path: Path):
    box = "<w:txbxContent>{}</w:txbxContent>".format(_p("（此件公开发布）"))
    alternate = (
        '<w:p><w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        f"<mc:Choice Requires=\"wps\"><w:drawing>{box}</w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict>{box}</w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>")
    doc = parse_file(_docx(tmp_path / "banfa.docx", DOCUMENT.replace("<w:sectPr/>", alternate + "<w:sectPr/>")))
    assert doc.body.count("（此件公开发布）") == 1


def test_an_old_page_laid_out_in_tables(tmp_path: Path):
    """Cells left open, the document in a table cell, its task table nested inside: the rows are still rows."""
    page = (PAGE.format(meta='<meta charset="utf-8">')
            .replace('<div class="article">', '<table width="100%"><tr><td align="center">')
            .replace("</div>\n<footer>", "</table>\n<footer>")
            .replace("</td>", ""))
    path = tmp_path / "old.html"
    path.write_text(page, encoding="utf-8")
    doc = parse_file(path)
    assert doc.meta.title == "某某市民政局关于推进养老服务工作的通知"
    assert [c.label for c in doc.clauses if c.part == "annex"] == ["附件第1项", "附件第2项"]
    assert [c.responsible_units for c in doc.clauses if c.part == "annex"] == ["市民政局牵头，市财政局参加", "市财政局"]


def test_each_paragraph_of_a_page_stays_a_paragraph(tmp_path: Path):
    """A <p> that does not end in punctuation is not run into the next one, as a wrapped line of PDF text is."""
    paragraphs = ["各市民政局：", "近年来，我省养老服务体系建设取得积极进展，养老机构数量和床位数量稳步增长。",
                  "但是部分养老机构管理不规范、安全隐患排查不到位等问题仍然存在，群众反映较多。",
                  "为进一步加强养老机构管理，切实保障老年人合法权益，现就有关事项通知如下。",
                  "附表所列的各项养老服务补贴标准和发放办法按照省财政厅和省民政厅联合印发的有关文件执行",
                  "各地要认真落实，确保补贴及时足额发放到位。"]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    path = tmp_path / "notice.html"
    path.write_text(f"<html><body><h1>某某省民政厅关于加强养老机构管理的通知</h1>{body}</body></html>", encoding="utf-8")
    doc = parse_file(path)
    assert [c.text for c in doc.clauses] == paragraphs


def test_the_charset_a_page_declares_and_a_byte_order_mark(tmp_path: Path):
    """Big5 bytes would also decode as GB18030 (wrongly): the declared charset is what tells; a BOM overrules it."""
    page = ('<html><head><meta charset="{}"></head><body><h1>臺北市老人福利機構設立標準</h1>'
            "<p>第一條　為規範老人福利機構，特訂定本標準。</p></body></html>")
    (tmp_path / "big5.html").write_bytes(page.format("big5").encode("big5"))
    (tmp_path / "bom.html").write_bytes(b"\xef\xbb\xbf" + page.format("iso-8859-1").encode("utf-8"))
    for name in ("big5.html", "bom.html"):
        doc = parse_file(tmp_path / name)
        assert doc.meta.title == "臺北市老人福利機構設立標準", name
        assert [c.text for c in doc.clauses] == ["第一條　為規範老人福利機構，特訂定本標準。"], name


PORTAL_PAGE = """<html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="某某省民政厅关于做好失能老年人集中照护服务工作的通知">
<title>某某省民政厅关于做好失能老年人集中照护服务工作的通知_政策文件_某某省民政厅</title></head>
<body>
<div class="top-bar">欢迎访问某某省民政厅网站！<a href="/wza/">无障碍</a> | <a href="/en/">English</a></div>
<div class="breadcrumbs">当前位置：<a href="/">首页</a> &gt; 政策文件</div>
<table class="meta">
  <tr><td>索　引　号：</td><td>1136-2024-00158</td><td>主题分类：</td><td>民政</td></tr>
  <tr><td>发布机构：</td><td>某某省民政厅</td><td>成文日期：</td><td>2024-09-12</td></tr>
  <tr><td>发文字号：</td><td>某民发〔2024〕58号</td><td>发布日期：</td><td>2024-09-12</td></tr>
</table>
<h1>某某省民政厅关于做好失能老年人集中照护服务工作的通知</h1>
<div class="info">发布时间：2024-09-12 16:20　来源：社会事务处　浏览次数：2386</div>
<div class="content">
<p>各设区市民政局：</p>
<p>现就做好失能老年人集中照护服务工作通知如下：</p>
<p>一、服务对象</p>
<p>（一）具有本省户籍、年满60周岁的失能老年人可以申请集中照护服务。</p>
<p>（二）特困人员优先安排。</p>
<p>二、本通知自印发之日起施行。</p>
<p>某某省民政厅</p>
<p>2024年9月12日</p>
</div>
<div class="share">分享到：微信 微博</div>
<div class="tools">打印本页　关闭窗口</div>
<div class="related"><p>相关文件</p><p>关于印发养老服务体系建设规划的通知</p></div>
</body></html>"""


def test_a_portal_page_is_the_document_under_its_heading_with_the_portals_fields(tmp_path: Path):
    # The welcome bar and breadcrumbs before the heading, and the share, print and related links after the
    # document, are the portal's; its table of labelled fields gives the document number and date.
    path = tmp_path / "portal.html"
    path.write_text(PORTAL_PAGE, encoding="utf-8")
    doc = parse_file(path)
    assert doc.meta.title == "某某省民政厅关于做好失能老年人集中照护服务工作的通知"
    assert doc.meta.doc_number == "某民发〔2024〕58号"
    assert doc.meta.date == "2024-09-12"
    assert [c.label for c in doc.clauses if c.part == "body"][:2] == ["（一）", "（二）"]
    text = "\n".join(c.text for c in doc.clauses)
    assert not any(word in text for word in ("欢迎访问", "当前位置", "索引号", "分享到", "打印本页", "相关文件", "养老服务体系建设规划"))


def test_a_portals_attachment_box_is_not_the_documents_text(tmp_path: Path):
    # 「附件下载：….pdf」 under the article is the page's download box: it ends the document, so the 实施方案's
    # 「本方案自印发之日起施行」 after its last item is read as the document's closing, not as that item's text.
    signed = "<p>二、本通知自印发之日起施行。</p>\n<p>某某省民政厅</p>\n<p>2024年9月12日</p>\n</div>\n"
    page = PORTAL_PAGE.replace(signed, "<p>本通知自印发之日起施行，有效期至2027年12月31日。</p>\n</div>\n"
                               '<div class="article-attach">附件下载：<a href="/files/P0202409.pdf">集中照护服务工作通知.pdf</a>'
                               "</div>\n")
    assert page != PORTAL_PAGE
    path = tmp_path / "portal.html"
    path.write_text(page, encoding="utf-8")
    doc = parse_file(path)
    assert [(c.label, c.part) for c in doc.clauses][-2:] == [("（二）", "body"), ("结语", "closing")]
    assert doc.clauses[-2].text == "（二）特困人员优先安排。"
    assert doc.clauses[-1].text == "本通知自印发之日起施行，有效期至2027年12月31日。"
    assert "附件下载" not in "\n".join(c.text for c in doc.clauses)
    # The box above the text, as some portals put it, leaves the text whole.
    above = PORTAL_PAGE.replace('<div class="content">', '<div class="article-attach">附件下载：<a href="/f.pdf">通知.pdf</a></div>\n'
                                '<div class="content">', 1)
    path.write_text(above, encoding="utf-8")
    assert [c.label for c in parse_file(path).clauses if c.part == "body"][:2] == ["（一）", "（二）"]


def test_a_file_repeating_another_is_indexed_once_and_reported(tmp_path: Path):
    from policyqa.corpus import BUNDLED_DIR

    seed = next(BUNDLED_DIR.glob("*.md"))
    for folder in ("社会法", "经济法"):  # the same law filed under two categories
        (tmp_path / folder).mkdir()
        (tmp_path / folder / seed.name).write_bytes(seed.read_bytes())
    (tmp_path / "草案").mkdir()
    (tmp_path / "草案" / seed.name).write_text(seed.read_text(encoding="utf-8") + "\n附：征求意见稿。\n", encoding="utf-8")
    corpus = load_corpus([tmp_path])
    assert len(corpus.documents) == 2  # the two copies once, the edited text beside them
    assert sorted(Path(d.meta.path).parent.name for d in corpus.documents) == ["社会法", "草案"]
    assert all(d.doc_id.startswith(seed.stem + "@") for d in corpus.documents)  # two different texts share a stem
    [copy] = corpus.skipped
    assert Path(copy.path).parent.name == "经济法"
    assert copy.reason == f"与 {tmp_path / '社会法' / seed.name} 内容相同 (same content as {tmp_path / '社会法' / seed.name})"
