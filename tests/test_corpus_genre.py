"""The parser on documents of the genre that are not in the repository, and on bad files."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from policyqa.corpus import coverage_problems, load_corpus, parse_file, parse_text
from policyqa.corpus.commands import ARTICLE_LINE_RE, COUNTED_ARTICLE_RE
from policyqa.corpus.structure import own_articles
from tests.conftest import LAWS

NOTICE = """
XX市人民政府办公室关于做好
2025年托育服务工作的通知
X政办发〔2025〕7 号

各区人民政府，市政府各部门：

为贯彻落实国家有关部署，现就做好托育服务工作通知如下。

一、扩大普惠托育供给。各区要支持用人单位在工作场所为职工提供托育服务，对新增普惠托位给予一次性建设补助。

二、加强托育机构监管。卫生健康部门牵头，会同市场监管部门开展年度检查。

三、本通知自印发之日起施行。

XX市人民政府办公室

2025 年 3 月 1 日
"""

LAW = """# 某某省养老服务条例

2021年3月1日 某某省第十三届人民代表大会常务委员会第二十次会议通过

<!-- INFO END -->

## 第一章 总则

第一条 为了规范养老服务，制定本条例。

第二条 本条例所称养老服务，包括：

（一）居家养老服务；

（二）社区养老服务。

## 第二章 服务供给

### 第一节 居家

第三条 县级以上人民政府应当支持家庭养老床位建设。

第三条之一 养老机构可以提供上门服务。
"""

PIPE_ANNEX = """---
title: 关于推进某项工作的意见
---

**关于推进某项工作的意见**

### 一、主要任务

（一）加强统筹。建立工作机制。

（二）强化保障。落实资金。

附件

重点任务分工表

| 序号 | 重点任务 | 责任单位 | 完成时限 |
| --- | --- | --- | --- |
| 1 | 建立工作机制 | 市民政局牵头，市财政局参加 | 2025年底 |
| 2 | 落实资金 | 市财政局 | 持续推进 |
"""

# PDF-extracted, hard-wrapped at the margin, page numbers on lines of their own, （一） restarting in every part.
PDF_RESTARTING_ITEMS = """国务院文件

国发〔2013〕35号


国务院关于加快发展养老服务业的若干意见

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
近年来，我国养老服务业快速发展，以居家为基础、社区为依托、机构为
支撑的养老服务体系初步建立。但总体上看，养老服务和产品供给不足、市场
发育不健全、城乡区域发展不平衡等问题还十分突出。为加快发展养老服务业，
现提出以下意见：
一、总体要求
（一）指导思想。以满足日益增长的养老服务需求为出发点，从国情出发，
把不断满足老年人日益增长的养老服务需求作为出发点和落脚点，充分发挥政
府作用，通过简政放权，创新体制机制，激发社会活力，充分发挥社会力量的
主体作用，健全养老服务体系，满足多样化养老服务需求。
（二）基本原则。深化体制改革。加快转变政府职能，减少行政干预，加
大政策支持和引导力度，激发各类服务主体活力。保障基本需求。繁荣养老市
场，满足多样需求。完善监督机制，规范服务行为。
（三）发展目标。到2020年，全面建成以居家为基础、社区为依托、机构
为支撑的，功能完善、规模适度、覆盖城乡的养老服务体系。符合标准的日间
照料中心、老年人活动中心等服务设施覆盖所有城市社区，90%以上的乡镇和
60%以上的农村社区建立包括养老服务在内的社区综合服务设施和站点。全国
社会养老床位数达到每千名老年人35—40张。
二、主要任务
（一）统筹规划发展城市养老服务设施。
1.加强社区养老服务设施建设。城市人民政府要按人均用地不少于0.1平
方米的标准，分区分级规划设置社区养老服务设施。凡新建城区和新建居住（
小）区，要按标准要求配套建设养老服务设施，并与住宅同步规划、同步建设、
同步验收、同步交付使用；凡老城区和已建成居住（小）区无养老服务设施的，
要限期通过购置、置换、租赁等方式开辟养老服务设施，不得挪作他用。
2.综合发挥多种设施作用。各地要发挥社区公共服务设施的养老服务功能，

— 1 —

加强社区养老服务设施与社区服务中心（服务站）及社区卫生、文化、体育等
设施的功能衔接。
（二）大力发展居家养老服务网络。地方政府要支持建立以企业和机构为
主体、社区为纽带、满足老年人各种服务需求的居家养老服务网络。要积极培
育居家养老服务企业和机构，上门为居家老年人提供助餐、助浴、助洁、助急、
助医等定制服务。
三、政策措施
（一）完善投融资政策。积极利用财政贴息、小额贷款等方式，加大对养老服

- 2 -

务业的有效信贷投入。逐步放宽限制，鼓励和支持保险资金投资养老服务
领域。开展老年人住房反向抵押养老保险试点。
本意见自印发之日起施行。

国务院
2013年9月6日
（此件公开发布）

第 3 页 共 3 页
"""


def test_notice_with_inline_sections():
    doc = parse_text(NOTICE, "notice")
    assert doc.meta.title == "XX市人民政府办公室关于做好2025年托育服务工作的通知"
    assert doc.meta.doc_number == "X政办发〔2025〕7号"
    assert doc.meta.date == "2025-03-01"
    labels = [(c.label, c.part) for c in doc.clauses]
    assert labels[0] == ("序言", "preamble")
    assert ("一、扩大普惠托育供给", "body") in labels and ("三、本通知自印发之日起施行", "body") in labels
    assert labels[-1] == ("结语", "closing")
    assert coverage_problems(doc) == []


def test_law_items_stay_inside_articles():
    doc = parse_text(LAW, "law", ".md")
    assert doc.meta.title == "某某省养老服务条例"
    assert doc.meta.issuer == "某某省人民代表大会常务委员会"
    assert [c.label for c in doc.clauses] == ["题注", "第一条", "第二条", "第三条", "第三条之一"]
    assert [c.is_article for c in doc.clauses] == [False, True, True, True, True]
    # The adoption history under the title is its title note (题注), cited for when the law was adopted.
    assert doc.clauses[0].text == "2021年3月1日 某某省第十三届人民代表大会常务委员会第二十次会议通过"
    assert doc.clauses[0].part == "preamble"
    art2 = doc.clauses[2]
    assert "（一）居家养老服务；" in art2.text and "（二）社区养老服务。" in art2.text
    assert doc.clauses[3].section == "第二章 服务供给 / 第一节 居家"
    assert coverage_problems(doc) == []


def test_markdown_pipe_task_table():
    doc = parse_text(PIPE_ANNEX, "pipe", ".md")
    rows = [c for c in doc.clauses if c.part == "annex"]
    assert [r.label for r in rows] == ["附件第1项", "附件第2项"]
    assert rows[0].responsible_units == "市民政局牵头，市财政局参加"
    assert rows[0].text == "建立工作机制\n市民政局牵头，市财政局参加\n2025年底"
    assert rows[0].links == ("pipe:（一）",)
    assert coverage_problems(doc) == []


def test_encodings_and_bad_files(tmp_path: Path):
    (tmp_path / "gbk.txt").write_bytes(NOTICE.encode("gb18030"))
    (tmp_path / "utf8.md").write_text(LAW, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "latin.txt").write_bytes(b"\xff\xfe\x00" * 0 + b"\x81\x30\x81" * 3 + b"\xff" * 5)
    corpus = load_corpus([tmp_path])
    assert sorted(d.doc_id for d in corpus.documents) == ["gbk", "utf8"]
    gbk = next(d for d in corpus.documents if d.doc_id == "gbk")
    assert gbk.meta.doc_number == "X政办发〔2025〕7号"
    reasons = {Path(s.path).name: s.reason for s in corpus.skipped}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]
    assert "latin.txt" in reasons


def _law_sample(n: int = 240) -> list[Path]:
    files = sorted(LAWS.rglob("*.md"))
    by_kind: dict[str, list[Path]] = {}
    for f in files:
        by_kind.setdefault(f.relative_to(LAWS).parts[0], []).append(f)
    rng = random.Random(20261123)
    sample: list[Path] = []
    for kind, group in sorted(by_kind.items()):  # every kind: 法律 folders, 行政法规, 司法解释, DLC (地方性法规) …
        sample += rng.sample(group, min(len(group), max(8, n * len(group) // len(files))))
    return sample


@pytest.mark.skipif(not LAWS.is_dir(), reason="../shared/laws is not beside the checkout")
def test_law_sample_articles_and_coverage():
    sample = _law_sample()
    kinds = {f.relative_to(LAWS).parts[0] for f in sample}
    assert len(sample) >= 200 and {"行政法规", "司法解释", "DLC", "社会法"} <= kinds
    corpus = load_corpus(sample)
    assert not corpus.skipped
    for doc in corpus.documents:
        raw = Path(doc.meta.path).read_text(encoding="utf-8")
        expected = len(ARTICLE_LINE_RE.findall(raw)) if own_articles(doc.body.split("\n")) else 0
        found = sum(1 for c in doc.clauses if COUNTED_ARTICLE_RE.match(c.label))
        body = sum(1 for c in doc.clauses if c.part == "body" and re.fullmatch(r"第.+条(之.+)?", c.label))
        assert found == expected, doc.meta.path
        assert body == expected or any(c.part == "annex" for c in doc.clauses), doc.meta.path
        assert coverage_problems(doc) == [], doc.meta.path


RED_HEADER_NOTICE = """国务院办公厅文件
国办发〔2019〕15号
国务院办公厅关于促进
3岁以下婴幼儿照护服务发展的指导意见
各省、自治区、直辖市人民政府：
婴幼儿照护服务事关婴幼儿健康成长。现提出如下意见。
第一部分 总体要求
（一）指导思想。以习近平新时代中国特色社会主义思想为指导。
（二）基本原则。家庭为主，托育补充。
国务院办公厅
二〇一九年四月十七日
"""


def test_red_header_number_above_title_and_parts():
    doc = parse_text(RED_HEADER_NOTICE, "red")
    assert doc.meta.doc_number == "国办发〔2019〕15号"
    assert doc.meta.title == "国务院办公厅关于促进3岁以下婴幼儿照护服务发展的指导意见"
    assert doc.meta.date == "2019-04-17" and doc.meta.issuer == "国务院办公厅"
    items = [c for c in doc.clauses if c.part == "body"]
    assert [c.label for c in items] == ["（一）", "（二）"]
    assert items[0].section == "第一部分 总体要求"
    assert "题注" not in [c.label for c in doc.clauses]  # its date is the sign-off's, in the closing


def test_a_date_under_the_title_is_the_title_note():
    doc = parse_text("XX省民政厅关于加强养老机构消防安全的通知\n（2024年5月6日）\n一、落实主体责任。养老机构要建立消防制度。\n",
                     "xf")
    assert doc.meta.date == "2024-05-06"
    assert [(c.label, c.text) for c in doc.clauses] == [
        ("题注", "（2024年5月6日）"), ("一、落实主体责任", "一、落实主体责任。养老机构要建立消防制度。")]
    assert coverage_problems(doc) == []
    assert coverage_problems(doc) == []


def test_odd_files_are_parsed_or_skipped(tmp_path: Path):
    (tmp_path / "mention.md").write_text("# 说明\n\n本文件解释 <!-- INFO END --> 标记的用法。\n", encoding="utf-8")
    (tmp_path / "utf16.txt").write_bytes(b"\xff\xfe" + "托育".encode("utf-16-le") + b"\x00")
    (tmp_path / "annexes.txt").write_text(
        "第一条 本办法自公布之日起施行。\n\n第二条 附件为登记表。\n\n附件十二\n\n登记表格式说明。\n", encoding="utf-8")
    corpus = load_corpus([tmp_path])
    assert sorted(d.doc_id for d in corpus.documents) == ["annexes", "mention"]
    assert [s.path for s in corpus.skipped] == [str(tmp_path / "utf16.txt")]
    annex = [c for d in corpus.documents for c in d.clauses if c.part == "annex"]
    assert [c.label for c in annex] == ["附件12第1段"]


def test_pdf_page_numbers_items_and_parts_restarting():
    doc = parse_text(PDF_RESTARTING_ITEMS, "fazhan")
    assert doc.meta.doc_number == "国发〔2013〕35号" and doc.meta.date == "2013-09-06"
    labels = [c.label for c in doc.clauses]
    # 「（一）统筹规划发展城市养老服务设施。」 is only its title: its measures 1. 2. are the units (二、（一）1.).
    assert labels == ["序言", "一、（一）", "一、（二）", "一、（三）", "二、（一）1.", "二、（一）2.", "二、（二）", "三、（一）", "结语"]
    text = {c.label: c.text for c in doc.clauses}
    # Page numbers are dropped and the words they cut are joined again.
    assert not any(re.search(r"—\s*\d\s*—|-\s*\d\s*-|第\s*3\s*页", t) for t in text.values())
    assert "加大对养老服务业的有效信贷投入" in text["三、（一）"]
    # A numbered item inside an article starts its own line; a decimal (0.1平方米) does not.
    assert text["二、（一）1."].endswith("不得挪作他用。") and "不少于0.1平方米的标准" in text["二、（一）1."]
    assert text["二、（一）2."].startswith("2.综合发挥多种设施作用")
    # The sentence that puts the document in force belongs to its closing, not to the last item.
    assert text["结语"].startswith("本意见自印发之日起施行。") and "施行" not in text["三、（一）"]
    assert coverage_problems(doc) == []


CATEGORY_TABLE_AND_FORM = """# 某某局关于开展消防安全专项整治的通知

（一）消防设施器材。为每个居室配备独立式感烟火灾探测报警器。

（二）用电安全。排查私拉乱接电线问题。

附件1

## 重点任务分工表

| 序号 | 工作任务 | 牵头单位 | 配合单位 | 完成时限 |
|:---:|---|---|---|---|
| 一、消防设施器材 | | | | |
| 1 | 为每个居室配备独立式感烟火灾探测报警器 | 县级民政部门 | 消防救援机构 | 2024年9月底前 |
| 二、用电安全 | | | | |
| 2 | 排查私拉乱接电线问题 | 消防救援机构 | 县级民政部门、供电企业 | 持续推进 |

附件2

## 情况统计表

填报单位（盖章）：　　　　填报日期：　　年　　月　　日

| 地区 | 排查机构数（家） |
|---|---|
| 合计 | |

---

抄送：应急管理部。

某某局办公室　　　　2024年3月21日印发
"""


def test_task_table_category_rows_and_unit_columns():
    doc = parse_text(CATEGORY_TABLE_AND_FORM, "xf", ".md")
    rows = [c for c in doc.clauses if c.part == "annex" and c.label.startswith("附件1")]
    assert [(r.label, r.number) for r in rows] == [("附件1第1项", 1), ("附件1第2项", 2)]
    assert rows[0].section == "重点任务分工表 / 一、消防设施器材" and "一、消防设施器材" in doc.headings
    assert rows[0].responsible_units == "县级民政部门牵头，消防救援机构配合"
    assert rows[1].responsible_units == "消防救援机构牵头，县级民政部门、供电企业配合"
    assert rows[0].text == "为每个居室配备独立式感烟火灾探测报警器\n县级民政部门\n消防救援机构\n2024年9月底前"
    assert rows[0].links == ("xf:（一）",) and rows[1].links == ("xf:（二）",)
    assert coverage_problems(doc) == []


def test_form_annex_and_imprint():
    doc = parse_text(CATEGORY_TABLE_AND_FORM, "xf", ".md")
    form = [c for c in doc.clauses if c.label.startswith("附件2")]
    assert [c.label for c in form] == ["附件2第1段", "附件2第2段"]
    assert form[0].section == "附件2 / 情况统计表"
    assert form[1].text == "地区\u3000排查机构数（家）\n合计"
    assert not any("抄送" in c.text or "印发" in c.text or "---" in c.text for c in doc.clauses)
    assert "抄送：应急管理部。" in doc.headings
    assert coverage_problems(doc) == []


def test_task_table_rows_numbered_afresh_under_categories():
    text = CATEGORY_TABLE_AND_FORM.replace("| 2 | 排查", "| 1 | 排查")
    doc = parse_text(text, "xf", ".md")
    rows = [c.label for c in doc.clauses if c.part == "annex" and c.label.startswith("附件1")]
    assert rows == ["附件1一、第1项", "附件1二、第1项"]
    assert coverage_problems(doc) == []


COVER_NOTICE = """湖北省人民政府办公厅关于印发湖北省推进普惠托育服务体系建设实施方案的通知
鄂政办发〔2023〕18号

各市、州、县人民政府，省政府各部门：
《湖北省推进普惠托育服务体系建设实施方案》已经省人民政府同意，现印发给你们，请结合实际，认真组织实施。

湖北省人民政府办公厅
2023年6月12日

湖北省推进普惠托育服务体系建设实施方案

为加快构建普惠托育服务体系，制定本方案。

一、重点任务
（一）扩大普惠托育服务供给。新建居住区按标准配套建设托育服务设施。
（二）落实支持政策。对新增的普惠性托位给予一次性建设补助。
"""


def test_cover_notice_and_the_issued_documents_own_preamble():
    doc = parse_text(COVER_NOTICE, "hubei")
    assert doc.meta.doc_number == "鄂政办发〔2023〕18号" and doc.meta.date == "2023-06-12"
    labels = [(c.label, c.part) for c in doc.clauses]
    assert labels[:2] == [("印发通知", "preamble"), ("序言", "preamble")]
    assert doc.clauses[0].text.endswith("湖北省人民政府办公厅\n2023年6月12日")
    assert doc.clauses[1].text == "为加快构建普惠托育服务体系，制定本方案。"
    assert "湖北省推进普惠托育服务体系建设实施方案" in doc.headings
    assert coverage_problems(doc) == []


def test_space_after_a_bold_run_title_is_dropped():
    doc = parse_text("---\ntitle: 关于某项工作的意见\n---\n\n**（一）指导思想。** 以满足需求为出发点。\n\n"
                     "**（二）基本原则。** 保障基本。\n", "bold", ".md")
    assert [c.text for c in doc.clauses] == ["（一）指导思想。以满足需求为出发点。", "（二）基本原则。保障基本。"]


def test_a_long_heading_without_punctuation_stays_a_paragraph_of_its_own():
    body = "各地要按照统筹规划、分步实施的原则，加快推进居家社区养老服务设施建设，完善服务网络，提升服务能力和水平。" * 3
    wrapped = [body[i:i + 25] for i in range(0, len(body), 25)]
    text = "\n".join(["二、强化居家社区养老服务能力和设施建设保障", *wrapped, "三、加强组织领导", *wrapped])
    doc = parse_text(text, "wrapped")
    assert [c.label for c in doc.clauses] == ["二、强化居家社区养老服务能力和设施建设保障", "三、加强组织领导"]
    assert doc.clauses[0].text == body


def test_only_the_sentence_putting_the_document_in_force_is_closing_text():
    doc = parse_text("某省实施方案\n一、重点任务\n（一）扩大供给。新建居住区配建托育设施。\n"
                     "（二）落实政策。对新增托位给予补助。\n本方案确定的各项任务，各地要结合实际抓好组织实施。\n"
                     "本方案自印发之日起施行。\n", "fa")
    text = {c.label: c.text for c in doc.clauses}
    assert text["（二）"].endswith("本方案确定的各项任务，各地要结合实际抓好组织实施。")
    assert text["结语"] == "本方案自印发之日起施行。"


def test_tables_of_a_form_annex_stay_apart():
    doc = parse_text("# 某某通知\n\n（一）加强统计。按月报送。\n\n附件2\n\n## 情况统计表\n\n"
                     "| 地区 | 托位数 |\n|---|---|\n| 甲市 | 100 |\n\n| 地区 | 机构数 |\n|---|---|\n| 乙市 | 5 |\n",
                     "form", ".md")
    assert [c.text for c in doc.clauses if c.part == "annex"] == ["地区\u3000托位数\n甲市\u3000100", "地区\u3000机构数\n乙市\u30005"]
    assert coverage_problems(doc) == []


NUMBERED_POINTS = """民政部关于加快发展农村养老服务的指导意见
民发〔2024〕20号

各省、自治区、直辖市民政厅（局）：
为加快发展农村养老服务，提出如下意见。

一、总体要求
到2025年，农村养老服务网络进一步健全。

二、主要任务
1.健全县域养老服务网络。推进县级特困供养服务机构改造提升。
2.发展互助养老。鼓励村级邻里互助点建设。
（1）支持农村幸福院运营。
（2）发展老年食堂。

三、保障措施
1．加强组织领导。各地要把农村养老服务纳入议事日程。
本意见自印发之日起施行。

民政部
2024年5月8日
"""


def test_numbered_points_of_a_part_are_its_units_when_there_are_no_items():
    doc = parse_text(NUMBERED_POINTS, "nongcun")
    assert [c.label for c in doc.clauses] == ["序言", "一、总体要求", "二、1.", "二、2.", "三、1．", "结语"]
    point = {c.label: c for c in doc.clauses}["二、2."]
    assert point.number == 2 and point.section == "二、主要任务" and point.text.endswith("（2）发展老年食堂。")
    assert coverage_problems(doc) == []


# A 部门规章 as published: the 令 and its number, the promulgation, the minister's signature, then the 办法 itself.
MINISTRY_ORDER = """                中华人民共和国民政部令
                        第66号
　　《养老机构管理办法》已经2020年8月31日民政部部务会议
修订通过，现予公布，自2020年11月1日起施行。
　　　　　　　　　　　　　　　　　　　　部长　李纪恒
　　　　　　　　　　　　　　　　　2020年9月1日

                    养老机构管理办法
                    第一章　总　　则
　　第一条　为了规范对养老机构的管理，制定本办法。
　　第二条　本办法所称养老机构是指依法办理登记的机构。
"""

# Joint issuers over several lines, above the title and again in the signature, set out in columns.
JOINT_ISSUERS = """民政部　中央精神文明建设办公室　国家发展改革委　财政部
农业农村部　国家卫生健康委　国家医保局
关于加快发展农村养老服务的指导意见

民发〔2024〕20号

各省、自治区、直辖市民政厅（局）：

为加快补齐农村养老服务短板，现提出如下意见。

一、总体要求

1.指导思想。坚持以满足农村老年人基本养老服务需求为导向。

2.主要目标。到2025年，农村养老服务网络进一步健全。

民政部　　　　　　　　　　中央精神文明建设办公室
国家发展改革委　　　　　　财政部
农业农村部　　　　　　　　国家卫生健康委
国家医保局
2024年5月8日
（此件公开发布）
"""


def test_a_ministry_order_is_titled_and_numbered_by_its_order():
    doc = parse_text(MINISTRY_ORDER, "banfa")
    assert (doc.meta.title, doc.meta.doc_number, doc.meta.issuer, doc.meta.date) == (
        "养老机构管理办法", "民政部令第66号", "民政部", "2020-09-01")
    notice, first = doc.clauses[0], doc.clauses[1]
    assert notice.label == "印发通知" and notice.text.startswith("《养老机构管理办法》已经2020年8月31日民政部部务会议修订通过")
    assert first.label == "第一条" and first.section == "第一章　总　　则"
    assert coverage_problems(doc) == []


def test_joint_issuers_in_title_and_signature():
    doc = parse_text(JOINT_ISSUERS, "nongcun")
    assert doc.meta.title == ("民政部　中央精神文明建设办公室　国家发展改革委　财政部　农业农村部　国家卫生健康委　"
                              "国家医保局关于加快发展农村养老服务的指导意见")
    assert doc.meta.issuer.split("、") == ["民政部", "中央精神文明建设办公室", "国家发展改革委", "财政部", "农业农村部",
                                          "国家卫生健康委", "国家医保局"]
    closing = {c.label: c.text for c in doc.clauses}["结语"]
    assert closing.startswith("民政部　　　　　　　　　　中央精神文明建设办公室\n国家发展改革委")
    assert coverage_problems(doc) == []


# PDF text that indents every paragraph (「　　」), an article's closing paragraph after its items.
INDENTED_PARAGRAPHS = """　　第八条　养老机构办理备案，应当如实向民政部门提交以下
材料：
　　（一）备案书；
　　（二）养老机构登记证书；
　　（三）服务场所的自有产权证明或者租赁合同；
　　（四）服务场所符合消防、卫生、环境保护等要求的承诺书。
　　民政部门应当将备案信息告知同级消防、市场监督管理等部
门。
　　第九条　养老机构名称、法定代表人、服务场所等备案事项
发生变更的，应当在变更后10个工作日以内向原备案民政部门办
理变更备案。

"""


def test_an_indent_starts_a_paragraph_where_the_text_indents_its_paragraphs():
    doc = parse_text(INDENTED_PARAGRAPHS, "banfa")
    article = {c.label: c.text for c in doc.clauses}["第八条"]
    assert "承诺书。\n民政部门应当将备案信息告知同级消防、市场监督管理等部门。" in article
    assert "以下材料：\n（一）备案书；" in article  # the wrapped first line is still joined
    assert coverage_problems(doc) == []


def test_a_statutes_table_of_contents_is_no_preamble_text():
    doc = parse_text("# 某市居家养老服务条例\n\n（2015年1月29日某市人民代表大会通过）\n\n目　　录\n\n第一章　总则\n第二章　附则\n\n"
                     "## 第一章　总则\n\n第一条　为了满足居家养老服务需求，制定本条例。\n\n"
                     "## 第二章　附则\n\n第二条　本条例自2015年5月1日起施行。\n", "tiaoli", ".md")
    assert doc.clauses[0].text == "（2015年1月29日某市人民代表大会通过）"
    assert [c.section for c in doc.clauses[1:]] == ["第一章　总则", "第二章　附则"]
    assert coverage_problems(doc) == []


ANNOUNCEMENT = """财政部　税务总局　发展改革委　民政部
商务部　卫生健康委公告
2019年第76号

关于养老、托育、家政等社区家庭服务业
税费优惠政策的公告

为支持养老、托育、家政等社区家庭服务业发展，现将有关税费政策
公告如下：
一、提供社区养老、托育、家政服务取得的收入，免征增值税。
二、符合下列条件的家政服务企业提供家政服务取得的收入，免征增值税。
（一）与家政服务员签订半年及半年以上的劳动合同或者服务协议；
（二）为家政服务员缴纳社会保险费。
家政服务员已享受新型农村养老保险等社会保险的，不受本条第（二）项规定的限制。
三、本公告自2019年6月1日起执行至2025年12月31日。
特此公告。
附件：1．社区养老、托育、家政服务税费优惠政策留存备查资料清单
　　　2．社区养老、托育、家政服务机构享受税费优惠政策情况登记表
财政部　　　　　税务总局　　　　　发展改革委
2019年6月28日
"""


def test_an_announcement_numbered_by_year_with_sentence_articles():
    doc = parse_text(ANNOUNCEMENT, "gg")
    assert doc.meta.title == "关于养老、托育、家政等社区家庭服务业税费优惠政策的公告"  # not the body's first line
    assert doc.meta.doc_number == "财政部　税务总局　发展改革委　民政部　商务部　卫生健康委公告2019年第76号"
    assert doc.meta.issuer == "财政部、税务总局、发展改革委、民政部、商务部、卫生健康委" and doc.meta.date == "2019-06-28"
    text = {c.label: c.text for c in doc.clauses}
    # Parts that open with a sentence are cited by their number; their （一）（二） and the paragraph after them
    # are the article's, as in a law.
    assert list(text) == ["序言", "一、", "二、", "三、", "结语"]
    assert text["二、"].endswith("不受本条第（二）项规定的限制。") and "（一）与家政服务员" in text["二、"]
    assert text["三、"] == "三、本公告自2019年6月1日起执行至2025年12月31日。"
    assert text["结语"].startswith("特此公告。\n附件：1．") and "2．社区养老" in text["结语"]
    assert coverage_problems(doc) == []


def test_a_cover_notice_without_parts_keeps_its_sign_off_apart():
    doc = parse_text("民政部办公厅\n民办函〔2023〕28号\n\n民政部办公厅关于印发《全国养老服务领域安全生产重大事故隐患专项排查整治"
                     "工作方案》的通知\n\n各省、自治区、直辖市民政厅（局）：\n现将工作方案印发给你们，请结合实际认真抓好贯彻落实。\n\n"
                     "附件：1．工作方案\n2．统计表\n\n民政部办公厅\n2023年5月10日\n", "tz")
    # The organ above the 发文字号 is the issuer; the title is one line of 47 characters.
    assert doc.meta.title == "民政部办公厅关于印发《全国养老服务领域安全生产重大事故隐患专项排查整治工作方案》的通知"
    assert doc.meta.doc_number == "民办函〔2023〕28号" and doc.meta.issuer == "民政部办公厅"
    assert [(c.label, c.part) for c in doc.clauses] == [("第1段", "body"), ("第2段", "body"), ("结语", "closing")]
    assert doc.clauses[-1].text == "附件：1．工作方案\n2．统计表\n民政部办公厅\n2023年5月10日"
    assert coverage_problems(doc) == []


def test_a_guide_quoting_articles_of_other_laws_is_not_a_law():
    doc = parse_text("济南市历下区高龄津贴申领服务指南\n\n发布单位：济南市历下区民政局\n更新日期：2023年3月1日\n\n"
                     "一、设定依据\n1.《中华人民共和国老年人权益保障法》\n第三十三条　国家鼓励地方建立八十周岁以上低收入老年人高龄津贴制度。\n"
                     "2.《山东省老年人权益保障条例》\n第二十七条　县级以上人民政府应当建立高龄津贴制度。\n\n"
                     "二、津贴标准\n80至89周岁的老年人，每人每月100元。\n", "zn")
    # The fields under the title are metadata, not title text.
    assert doc.meta.title == "济南市历下区高龄津贴申领服务指南"
    assert doc.meta.issuer == "济南市历下区民政局" and doc.meta.date == "2023-03-01"
    # 第三十三条 and 第二十七条 are quoted: text of the part quoting them, not the guide's own articles.
    assert [c.label for c in doc.clauses] == ["一、1.", "一、2.", "二、津贴标准"]
    assert "第三十三条　国家鼓励" in doc.clauses[0].text
    assert coverage_problems(doc) == []


def test_table_rows_in_pdf_text_stay_apart():
    doc = parse_text("托育机构设置标准\n第一条　各班型保育人员配备应当不低于下表标准：\n| 班型 | 比例 |\n|------|------|\n"
                     "| 乳儿班 | 1:3 |\n每个班的生活单元应当独立使用。\n第二条　本标准自印发之日起施行。\n", "bz")
    assert doc.clauses[0].text == ("第一条　各班型保育人员配备应当不低于下表标准：\n| 班型 | 比例 |\n|------|------|\n"
                                   "| 乳儿班 | 1:3 |\n每个班的生活单元应当独立使用。")
    assert coverage_problems(doc) == []


def test_titled_parts_keep_their_items_and_a_title_may_wrap_before_its_kind():
    doc = parse_text("国务院关于印发“十四五”国家老龄事业发展和养老服务体系规划\n的通知\n国发〔2021〕35号\n"
                     "一、健全服务网络。建设站点。\n二、强化要素保障，支持机构发展。加大投入。\n（三）落实用地。保障用地。\n"
                     "（四）落实补贴。给予补贴。\n三、加强组织领导。各地要落实。\n", "gh")
    assert doc.meta.title == "国务院关于印发“十四五”国家老龄事业发展和养老服务体系规划的通知"
    assert doc.meta.doc_number == "国发〔2021〕35号"
    # Most parts have run titles: a part whose title has a comma is still titled, and its items are units.
    assert [c.label for c in doc.clauses] == ["一、健全服务网络", "二、强化要素保障，支持机构发展", "（三）", "（四）",
                                              "三、加强组织领导"]


def test_metadata_lines_quoted_under_a_markdown_title():
    doc = parse_text("# 某市促进婴幼儿照护服务发展的若干措施\n\n> 发文字号：某卫发〔2024〕8号\n"
                     "> 发布单位：某市卫生健康委员会　某市教育局\n> 成文日期：2024年2月20日\n\n"
                     "**一、扩大托育供给。** 到2025年底建成托位。\n\n**二、强化组织实施。** 各区要落实。\n", "cs", ".md")
    assert (doc.meta.doc_number, doc.meta.issuer, doc.meta.date) == (
        "某卫发〔2024〕8号", "某市卫生健康委员会、某市教育局", "2024-02-20")
    assert [c.label for c in doc.clauses] == ["一、扩大托育供给", "二、强化组织实施"]


def test_bold_article_numbers_and_a_bracketed_note_under_a_markdown_title():
    doc = parse_text("# 某省养老机构管理办法\n\n（2022年11月10日省人民政府第47次常务会议通过　自2023年1月1日起施行）\n\n"
                     "## 第一章　总则\n\n**第一条** 为了规范养老机构管理，制定本办法。\n\n"
                     "**第二条** 本办法适用于本省。\n\n本办法所称养老机构，是指提供集中住宿的机构。\n", "bf", ".md")
    assert [c.label for c in doc.clauses] == ["题注", "第一条", "第二条"]
    assert doc.clauses[2].text == "第二条 本办法适用于本省。\n本办法所称养老机构，是指提供集中住宿的机构。"


def test_a_red_header_over_several_lines_names_the_issuers():
    doc = parse_text("民政部\n国家卫生健康委员会\n文件\n\n民发〔2023〕41号\n\n民政部 国家卫生健康委\n关于深入推进社区老年助餐服务的通知\n\n"
                     "各省、自治区、直辖市民政厅（局）：\n为推进老年助餐服务，现通知如下。\n一、总体要求\n"
                     "（一）基本原则。坚持政府引导。\n", "zc")
    assert doc.meta.title == "民政部 国家卫生健康委关于深入推进社区老年助餐服务的通知"
    assert (doc.meta.doc_number, doc.meta.issuer) == ("民发〔2023〕41号", "民政部、国家卫生健康委员会")


def test_a_joint_red_header_of_eight_issuers_does_not_hide_the_title():
    # Each issuer on a line of its own (one of them letter-spaced), 「文件」, the number, then the title whose first
    # two lines list the issuers again: the header runs past a dozen lines, and the title is still found.
    issuers = ["民政部", "国家发展改革委", "财 政 部", "自然资源部", "农　业　农　村　部", "国家卫生健康委", "国家医保局", "全国老龄办"]
    doc = parse_text("\n".join(issuers) + "\n文件\n\n民发〔2024〕20号\n\n民政部 国家发展改革委 财政部 自然资源部\n"
                     "农业农村部 国家卫生健康委 国家医保局 全国老龄办\n关于加快发展农村养老服务的指导意见\n\n"
                     "各省、自治区、直辖市民政厅（局）：\n为加快发展农村养老服务，现提出如下意见。\n一、总体要求\n"
                     "（一）指导思想。坚持政府主导。\n（二）主要目标。到2025年，农村养老服务网络进一步健全。\n", "nc")
    assert doc.meta.title == ("民政部 国家发展改革委 财政部 自然资源部 农业农村部 国家卫生健康委 国家医保局 全国老龄办"
                              "关于加快发展农村养老服务的指导意见")
    assert doc.meta.doc_number == "民发〔2024〕20号"
    assert doc.meta.issuer == "、".join(i.replace(" ", "").replace("　", "") for i in issuers)
    assert [c.label for c in doc.clauses] == ["序言", "（一）", "（二）"]
    assert "民政部" not in doc.clauses[0].text


def test_titled_items_have_their_numbered_points_as_units():
    doc = parse_text("# 某市托育服务实施方案\n\n为发展托育服务，制定本方案。\n\n## 一、总体要求\n\n### （一）指导思想\n\n"
                     "坚持以人民为中心。\n\n### （二）主要目标\n\n到2025年底，基本形成服务体系。\n\n1. 每千人口托位数达到4.5个。\n\n"
                     "2. 普惠性托位占比不低于60%。\n\n## 二、重点任务\n\n### （一）扩大普惠托育服务供给\n\n"
                     "1. 建设公办托育服务中心。每个区建成1个。\n\n2. 支持幼儿园开设托班。\n\n## 三、保障措施\n\n"
                     "1. 加强组织领导。建立联席会议制度。\n\n2. 加大资金投入。\n", "fa", ".md")
    assert [c.label for c in doc.clauses] == [
        "序言", "一、（一）", "一、（二）", "一、（二）1.", "一、（二）2.", "二、（一）1.", "二、（一）2.", "三、1.", "三、2."]
    point = next(c for c in doc.clauses if c.label == "二、（一）1.")
    assert "扩大普惠托育服务供给" in point.section  # the item's title stays with its points


STANDARDS_NOTICE = """某某省残疾人联合会关于印发《某某省残疾儿童康复救助管理办法》的通知

各市州残联：

现将《某某省残疾儿童康复救助管理办法》印发给你们，请认真贯彻执行。

附件：某某省残疾儿童康复救助项目和标准

某某省残疾人联合会
2025年4月10日

某某省残疾儿童康复救助管理办法

第一条　为规范残疾儿童康复救助工作，制定本办法。

第二条　康复救助项目和标准见附件。

附件

某某省残疾儿童康复救助项目和标准

序号\t救助类别\t救助项目\t救助标准（元）
1\t视力残疾\t视功能训练\t每人每年不超过12000
2\t听力残疾\t助听器适配\t每人每耳不超过6000，
可以双耳适配
3\t孤独症\t社会交往及行为干预训练\t每人每年不超过30000

备注：1.手术救助每人限享受一次；2.救助标准为最高限额。
"""


def test_a_numbered_table_without_responsible_units_is_cited_by_its_rows():
    # A table of standards (序号 / 类别 / 项目 / 标准) in plain text: each numbered row is a unit, its cells spaced,
    # a wrapped cell goes on its row, and the header is the rows' heading (it says the figures are in 元).
    doc = parse_text(STANDARDS_NOTICE, "kf")
    rows = {c.label: c for c in doc.clauses if c.part == "annex"}
    assert list(rows) == ["附件第1项", "附件第2项", "附件第3项", "附件第1段"]
    assert rows["附件第2项"].text == "听力残疾\u3000助听器适配\u3000每人每耳不超过6000，\u3000可以双耳适配"
    assert rows["附件第1项"].heading == "序号\u3000救助类别\u3000救助项目\u3000救助标准（元）"
    assert rows["附件第1段"].text.startswith("备注：")  # the note under the table is prose, not a row
    assert not coverage_problems(doc)


RUNNING_MEASURES = """# 某某市推进居家适老化改造的若干措施

> 发文字号：某政办发〔2025〕11号
> 主题分类：民政、社会福利

为加快补齐居家养老服务短板，制定以下措施。

## 一、扩大改造覆盖范围

**1. 明确重点改造对象。** 将特困人员家庭纳入改造范围。

**2. 拓展普通老年人家庭改造。** 对其他老年人家庭给予补贴。

## 二、加大资金支持力度

**3. 提高补助标准。** 每户补助不超过5000元。

**4. 引导社会力量参与。** 鼓励企业给予价格优惠。
"""

POLICY_QA = """某某县民政局关于养老服务补贴的政策问答

发布机构：某某县民政局
索引号：MZ-2025-00731

为方便群众了解补贴政策，现将常见问题解答如下。

1.问：高龄津贴发给哪些老人？
答：年满80周岁的本县户籍老年人。

2.问：高龄津贴每个月能领多少钱？
答：80至89周岁每人每月100元。

3.问：老人去世了，补贴什么时候停？
答：自次月起停发。

某某县民政局
2025年3月12日
"""

SPACED_RED_HEADER = """岭 西 省 民 政 厅
岭 西 省 财 政 厅

岭民发〔2025〕26号

岭西省民政厅 岭西省财政厅
关于印发《岭西省老年助餐服务补贴实施细则》
的通知

各设区市民政局、财政局：
现将《岭西省老年助餐服务补贴实施细则》印发给你们，请认真贯彻执行。
"""


def test_measures_numbered_through_the_parts_are_cited_by_their_number():
    # 1.–4. run on across 一、 and 二、: 「若干措施第3条」 is 3., not 二、3.; where points restart in each part they keep it.
    doc = parse_text(RUNNING_MEASURES, "cs", ".md")
    assert [c.label for c in doc.clauses] == ["序言", "1.", "2.", "3.", "4."]
    assert "主题分类" not in doc.clauses[0].text and doc.meta.doc_number == "某政办发〔2025〕11号"
    restarting = parse_text(RUNNING_MEASURES.replace("**3.", "**1.").replace("**4.", "**2."), "cs", ".md")
    assert [c.label for c in restarting.clauses][1:] == ["一、1.", "一、2.", "二、1.", "二、2."]


def test_a_policy_qa_is_cited_by_its_numbered_questions_with_their_answers():
    doc = parse_text(POLICY_QA, "wd")
    assert doc.meta.title == "某某县民政局关于养老服务补贴的政策问答" and doc.meta.issuer == "某某县民政局"
    labels = {c.label: c for c in doc.clauses}
    assert list(labels) == ["序言", "1.", "2.", "3.", "结语"]
    assert labels["2."].text == "2.问：高龄津贴每个月能领多少钱？\n答：80至89周岁每人每月100元。"
    assert not coverage_problems(doc)


def test_a_red_header_of_spaced_out_issuers_above_the_number_is_not_the_title():
    doc = parse_text(SPACED_RED_HEADER, "zc")
    assert doc.meta.title == "岭西省民政厅 岭西省财政厅关于印发《岭西省老年助餐服务补贴实施细则》的通知"
    assert doc.meta.issuer == "岭西省民政厅、岭西省财政厅" and doc.meta.doc_number == "岭民发〔2025〕26号"


MATERIALS_ANNEX = """某某市家庭托育点管理暂行办法

第一条　举办家庭托育点，应当按照本办法附件所列清单提交备案材料。

附件
家庭托育点备案材料清单
序号 材料名称 要求
1 家庭托育点备案书 按统一格式填写，由举办者签字
2 场所平面图和实景照片 标明各功能区域面积和疏散通道走向
3 健康合格证明 照护人员须提供县级以上医疗机构出具的近3个月内证明
"""


def test_a_table_header_spaced_by_single_spaces_has_its_rows_cited():
    # 「序号 材料名称 要求」: short column names apart by one space make a header; each numbered line is a row.
    doc = parse_text(MATERIALS_ANNEX, "cl")
    rows = {c.label: c for c in doc.clauses if c.part == "annex"}
    assert list(rows) == ["附件第1项", "附件第2项", "附件第3项"]
    assert rows["附件第2项"].text == "场所平面图和实景照片 标明各功能区域面积和疏散通道走向"
    assert rows["附件第2项"].heading == "序号\u3000材料名称\u3000要求"
    assert not coverage_problems(doc)


PRESS_QA = """某某县民政局负责人就老年人助餐服务政策答记者问
来源：某某县民政局　2025年3月1日
近日，某某县印发了助餐服务实施方案。县民政局负责人接受采访，回答了记者提问。
问：出台这个方案的背景是什么？
答：我县60周岁以上老年人口占比已达23%，助餐需求旺盛。
问：哪些老人可以享受助餐补贴？
答：具有本县户籍、年满60周岁的老年人均可享受，其中80周岁以上每餐补贴3元。
特困老人免费就餐。
问：补贴怎么申请？
答：老年人持身份证到就近助餐点登记即可。
"""


def test_questions_and_answers_without_numbers_are_cited_by_their_count():
    # An 答记者问: each 「问：」 with its 「答：」 paragraphs is a unit 「第N问」; the portal's 来源 line dates it.
    doc = parse_text(PRESS_QA, "dj")
    assert doc.meta.title == "某某县民政局负责人就老年人助餐服务政策答记者问"
    assert doc.meta.date == "2025-03-01"
    units = {c.label: c for c in doc.clauses}
    assert list(units) == ["序言", "第1问", "第2问", "第3问"]
    assert units["第2问"].text.endswith("特困老人免费就餐。")  # the answer's second paragraph stays with it
    assert not coverage_problems(doc)


def test_the_header_of_a_table_of_standards_is_its_rows_heading():
    # A pipe table without a responsible-unit column (a Word table read as text): its header, which says the
    # figures are 元 per place a year, is the rows' heading, as for a numbered table in plain text.
    doc = parse_text("# 某某市普惠托育机构运营补贴管理办法\n\n第一条　补贴标准见附件。\n\n附件\n\n普惠托育运营补贴标准\n\n"
                     "| 序号 | 托位类型 | 补贴标准（元/托位·年） |\n|---|---|---|\n| 1 | 乳儿班托位 | 4800 |\n"
                     "| 2 | 托小班托位 | 3600 |\n", "ty", ".md")
    row = next(c for c in doc.clauses if c.label == "附件第2项")
    assert row.heading.endswith("序号\u3000托位类型\u3000补贴标准（元/托位·年）")


def test_a_task_list_with_lead_partner_and_deadline_columns():
    # PDF text of a 重点任务清单 (序号 / 工作任务 / 牵头单位 / 配合单位 / 完成时限), each cell wrapped over lines: the
    # deadline is the row's last line(s), the first unit leads and the rest take part; a task's wrapped end
    # (「价位」「实训基地」) stays the task's, a unit's wrapped end (「障厅」) the unit's.
    doc = parse_text("某某省民政厅关于印发养老护理员职业技能提升行动实施方案的通知\n某民发〔2024〕17号\n\n"
                     "各设区市民政局：\n现将实施方案印发给你们，请认真贯彻执行。\n一、总体目标\n到2026年，培训养老护理员5万人次。\n\n"
                     "附件\n\n重点任务清单\n\n序号 工作任务 牵头单位 配合单位 完成时限\n"
                     "1\n发布养老护理员分技能等级工资指导\n价位\n省人力资源社会保\n障厅\n省民政厅\n每年9月底前\n"
                     "2\n每个设区市建成1个市级养老护理员\n实训基地\n各设区市人民政府\n省民政厅、省财政厅\n2025年12月\n底前\n"
                     "3\n举办全省养老护理职业技能大赛 省民政厅\n省人力资源社会保障厅、省总工会\n2024年、2026年\n", "hl")
    rows = {c.label: c for c in doc.clauses if c.part == "annex" and c.number}
    assert rows["附件第1项"].text == "发布养老护理员分技能等级工资指导价位\n省人力资源社会保障厅牵头，省民政厅配合\n每年9月底前"
    assert rows["附件第2项"].responsible_units == "各设区市人民政府牵头，省民政厅、省财政厅配合"
    assert rows["附件第2项"].text.endswith("\n2025年12月底前")
    assert rows["附件第3项"].text.startswith("举办全省养老护理职业技能大赛\n省民政厅牵头，")


def test_a_policy_qa_counts_its_questions_after_a_part_that_is_none():
    # 「一、政策背景」 then 「二、问：…」: the questions are counted as a reader counts them, each under its own heading.
    doc = parse_text("# 某某政策问答\n\n一、政策背景\n\n为了做好工作，制定本问答。\n\n二、问：哪些人能领？\n\n答：具有本省户籍的老年人：\n\n"
                     "（一）低保家庭；\n\n（二）特困家庭。\n\n三、问：领多少？\n\n答：每月100元。\n", "wd", ".md")
    assert [(c.label, c.section) for c in doc.clauses] == [
        ("一、政策背景", "一、政策背景"), ("第1问", "第1问"), ("第2问", "第2问")]
    assert doc.clauses[1].text.endswith("（二）特困家庭。")


STANDARD = """ICS 03.080.99
CCS A 12
DB99
某 某 省 地 方 标 准
DB99/T 0123—2025
养老机构老年人防走失服务规范
Specification for wandering prevention of older adults
in elderly care institutions
2025-03-01 发布 2025-06-01 实施
某某省市场监督管理局 发 布


DB99/T 0123—2025
目 次
前言 ..................................................... II
1 范围 ................................................... 1
2 术语和定义 ............................................. 1
I


DB99/T 0123—2025
前 言
本文件按照GB/T 1.1—2020的规定起草。
本文件由某某省民政厅提出并归口。
II


DB99/T 0123—2025
养老机构老年人防走失服务规范
1 范围
本文件规定了养老机构老年人防走失的基本要求、风险评估和走失后处置。
2 术语和定义
下列术语和定义适用于本文件。
2.1
走失 wandering
老年人离开养老机构后下落不明的情形。
3 基本要求
3.1 养老机构应建立防走失管理制度，明确第一责任人。
3.2 养老机构应每半年至少组织1次防走失演练。
4 走失后处置
4.1 发现与报告
4.1.1 发现老年人走失的，当班人员应在15 min内向负责人报告；负责人应在30 min内通知
相关第三方。
1


DB99/T 0123—2025
4.1.2 走失超过2 h仍未找到的，应报警。
4.2 走失后跟进
老年人找回后，应在24 h内完成以下工作：
a) 重新评估走失风险；
b) 修订照护计划。
附 录 A
（资料性）
走失风险评估表
表A.1给出了走失风险评估表。
2
"""


def test_a_standard_is_cited_by_its_clause_numbers():
    """A standard (GB/T 1.1): its cover gives number, title, issuer and date; page furniture (the number atop each
    page, bare page numbers, the table of contents) is dropped; each numbered clause is a unit labelled by its
    number, a number with only deeper clauses under it a heading; 前言 and 附录A by name."""
    doc = parse_text(STANDARD, "fzs", ".txt")
    assert (doc.meta.title, doc.meta.doc_number, doc.meta.issuer, doc.meta.date) == (
        "养老机构老年人防走失服务规范", "DB99/T 0123—2025", "某某省市场监督管理局", "2025-03-01")
    assert [c.label for c in doc.clauses] == ["前言", "1", "2", "2.1", "3.1", "3.2", "4.1.1", "4.1.2", "4.2", "附录A"]
    by = {c.label: c for c in doc.clauses}
    assert "DB99" not in by["4.1.1"].text and by["4.1.1"].text.endswith("通知相关第三方。")  # one paragraph over the page
    assert "走失wandering" in by["2.1"].text.replace(" ", "") and "下落不明" in by["2.1"].text
    assert by["4.2"].text.startswith("4.2") and "b) 修订照护计划。" in by["4.2"].text
    assert by["4.1.1"].section.endswith("4.1发现与报告") and by["附录A"].part == "annex"
    assert "养老机构老年人防走失服务规范" not in by["前言"].text  # the title printed again above chapter 1


def test_a_guides_questions_inside_a_part_are_cited_by_their_count(tmp_path):
    """A guide's 「常见问题」 (「1.问：…」「答：…」) or a 解读's 「问3：…」 inside a part: each question with its answer is
    a unit 第N问, not a point of the part; a portal's 「附件下载：」 box and its file names are not text."""
    page = ("<html><body><h1>某市高龄津贴申领办事指南</h1>"
            "<p>一、申请条件</p><p>1.具有本市户籍；</p><p>2.年满80周岁。</p>"
            "<p>二、常见问题</p><p>1.问：户籍在本市、住在外地能领吗？</p><p>答：可以，委托亲属代办，带上：</p>"
            "<p>1.代办人身份证；</p><p>2.委托书。</p>"
            "<p>2.问：过了几个月才申请，能补发吗？</p><p>答：自年满80周岁的当月起计发。</p>"
            "<p>附件下载：</p><p>1.申请表.docx</p><p>2.委托书.pdf</p><p>【打印本页】 【关闭窗口】</p></body></html>")
    (tmp_path / "zn.html").write_text(page, "utf-8")
    doc = parse_file(tmp_path / "zn.html")
    assert [c.label for c in doc.clauses] == ["一、1.", "一、2.", "第1问", "第2问"]
    assert doc.clauses[-1].text == "2.问：过了几个月才申请，能补发吗？\n答：自年满80周岁的当月起计发。"
    assert doc.clauses[2].text.endswith("带上：\n1.代办人身份证；\n2.委托书。")  # the answer's list stays in it
    jiedu = parse_text("# 某某补贴政策解读\n\n一、主要内容\n\n补贴每人每月100元。\n\n二、常见问题解答\n\n"
                       "**问1：老证能申请吗？**\n\n答：须先换领新证。\n\n**问2：什么时候到账？**\n\n答：每月10日前。\n",
                       "jd", ".md")
    assert [c.label for c in jiedu.clauses] == ["一、主要内容", "第1问", "第2问"]


def test_an_items_measures_and_a_box_in_a_word_table_are_units():
    """An item whose paragraph is only its title sentence (「（一）实施居家养老服务提升行动。」) is the heading of the
    numbered measures under it, each a unit （一）1. (qualified by its part where items restart); a 专栏 written as a
    table of one cell is a unit 专栏1."""
    doc = parse_text("某某省积极应对人口老龄化行动计划\n\n一、主要任务\n\n（一）实施居家养老服务提升行动。\n\n"
                     "1.发展家庭养老床位。每年新建1万张。（省民政厅牵头）\n\n2.强化家庭照护支持。每年累计不超过21天。\n\n"
                     "| 专栏1　居家养老服务重点工程 |\n\n| 1.家庭养老床位建设工程。累计建设3万张以上。 |\n\n"
                     "（二）实施社区养老服务网络织密行动。\n\n1.建设区域养老服务中心。护理型床位不少于20张。\n\n二、保障措施\n\n"
                     "（一）加强组织领导。各级老龄委要统筹协调。\n\n（二）强化资金保障。各级财政要加大投入。\n", "xd", ".txt")
    assert [c.label for c in doc.clauses] == ["一、（一）1.", "一、（一）2.", "专栏1", "一、（二）1.", "二、（一）", "二、（二）"]
    assert "累计建设3万张以上" in doc.clauses[2].text
    assert doc.clauses[0].section.endswith("（一）实施居家养老服务提升行动。")


def test_a_standards_cover_contents_and_clause_numbers_read_as_printed():
    """Two issuers above 「发 布」 and dates on two lines; a table of contents without dot leaders; a chapter whose title
    opens with a quote; a quantity wrapped to the start of a line (「4.5 m」 under 4.2) is no clause; a clause
    without a full stop is a clause, and a number is a heading only above deeper clauses."""
    text = ("ICS 11.020\nCCS C 05\n中华人民共和国国家标准\nGB/T 40000.1—2024\n老年人照料设施设计规范　第1部分：通则\n"
            "Design code for care facilities for older people—Part 1: General\n2024-05-01 发布\n2024-11-01 实施\n"
            "国家市场监督管理总局\n国家标准化管理委员会\n发 布\n\n目 次\n1 范围\n2 术语\n3 “互联网+”服务\n\n"
            "1 范围\n本文件规定了照料设施的设计要求。\n2 术语\n2.1 照料设施　为老年人提供照料的设施。\n"
            "3 “互联网+”服务\n3.1 门\n3.1.1 门的净宽不应小于\n4.5 m 时应设双扇门。\n3.1.2 服务人员应持证上岗\n")
    doc = parse_text(text, "gb", ".txt")
    assert (doc.meta.title, doc.meta.doc_number, doc.meta.issuer, doc.meta.date) == (
        "老年人照料设施设计规范　第1部分：通则", "GB/T 40000.1—2024", "国家市场监督管理总局、国家标准化管理委员会",
        "2024-05-01")
    assert [c.label for c in doc.clauses] == ["1", "2.1", "3.1.1", "3.1.2"]
    assert doc.clauses[2].text.endswith("4.5 m时应设双扇门。")


def test_a_press_conference_transcript_is_cited_by_its_reporters_questions(tmp_path):
    """A transcript tagging its speakers (「【…记者】」 asks, anyone else answers): each reporter's question with its
    answers is a unit 第N问, a follow-up (「追问」) goes on the question asked, the host's closing words are the
    closing; what precedes the first question (the officials' statements) is the preamble."""
    page = ("<html><body><h1>某省长期护理保险新闻发布会实录</h1>"
            "<p>【主持人 刘某某】各位记者朋友，大家上午好！</p><p>【省医保局局长 王某某】下面介绍实施办法的主要内容。</p>"
            "<p>【某某日报记者】哪些人能参加长期护理保险？</p><p>【省医保局副局长 张某某】职工医保参保人员同步参保。</p>"
            "<p>参保不需要另行登记。</p>"
            "<p>【某某电视台记者】失能评估去哪里申请？</p><p>【省医保局副局长 张某某】向参保地医保经办机构申请。</p>"
            "<p>【某某晚报记者】试点城市的待遇会降低吗？</p><p>【某某市医保局局长 周某某】设置过渡期，待遇不降低。</p>"
            "<p>【某某晚报记者】追问一句，过渡期到什么时候？</p><p>【某某市医保局局长 周某某】到2026年12月31日。</p>"
            "<p>【主持人 刘某某】提问就到这里，谢谢大家。</p></body></html>")
    (tmp_path / "fbh.html").write_text(page, "utf-8")
    doc = parse_file(tmp_path / "fbh.html")
    units = {c.label: c for c in doc.clauses}
    assert list(units) == ["序言", "第1问", "第2问", "第3问", "结语"]
    assert units["第1问"].text.endswith("参保不需要另行登记。")
    assert units["第3问"].text.endswith("【某某市医保局局长 周某某】到2026年12月31日。")  # the follow-up stays with it
    assert units["结语"].text == "【主持人 刘某某】提问就到这里，谢谢大家。"


AMENDMENT = """某某市人民代表大会常务委员会
公　　告
第二十一号

《某某市人民代表大会常务委员会关于修改〈某某市养老服务条例〉的决定》已
由某某市第十六届人民代表大会常务委员会第二十七次会议于 2025 年 8 月 27 日通过，现予公布，自 2026 年 1 月 1 日起施行。

某某市人民代表大会常务委员会关于修改《某某市养老服务条例》的决定

某某市第十六届人民代表大会常务委员会第二十七次会议决定对《某某市养老服务条例》作如下修改：
一、将第十二条修改为：“新建住宅小区应当按照每百户不低于二十平方米的标准配套建设社区养老服务用房。”
二、在第二十条后增加一条，作为第二十条之一：“村（居）民委员会每月至少探访一次独居老年人。”
三、删去第三十一条。
本决定自2026年1月1日起施行。
《某某市养老服务条例》根据本决定作相应修改，重新公布。

第一章　总　　则
第一条　为了规范养老服务活动，制定本条例。
第十二条　新建住宅小区应当按照每百户不低于二十平方米的标准配套建设社区养老服务用房。
第二十条　市、县人民政府应当统筹建设老年助餐服务网络。
第二十条之一　村（居）民委员会每月至少探访一次独居老年人。
"""


def test_an_amending_decision_above_the_regulation_it_republishes():
    """A people's congress 公告 (issuer, 「公告」, 「第二十一号」) titles the document by what it promulgates; the
    decision's numbered parts before the re-published regulation's first article are units of their own, its
    「本决定自…施行」 their closing, the regulation's articles as numbered."""
    doc = parse_text(AMENDMENT, "xg")
    assert doc.meta.title == "某某市人民代表大会常务委员会关于修改〈某某市养老服务条例〉的决定"
    assert doc.meta.doc_number == "某某市人民代表大会常务委员会公告第二十一号"
    labels = [c.label for c in doc.clauses]
    assert labels[1:5] == ["一、将第十二条修改为", "二、在第二十条后增加一条，作为第二十条之一", "三、删去第三十一条", "结语"]
    assert labels[5:] == ["第一条", "第十二条", "第二十条", "第二十条之一"]
    assert doc.clauses[4].text.startswith("本决定自2026年1月1日起施行。")


def test_a_web_tables_merged_cells_and_the_notes_under_it(tmp_path):
    """A cell spanning rows (a category, a way of payment) is in each row it spans; a header over two rows
    (「补贴标准」 above 「城市」「农村」) names each column whole; the notes under the table (「说明：」 1. 2.) are
    cited as the notes' (附件说明1.), not as rows."""
    page = ("<html><body><h1>某市普惠托育补贴标准的通知</h1><p>一、补贴标准见附件。</p><p>二、本通知自印发之日起施行。</p>"
            "<p>附件</p><p>某市普惠托育补贴标准表</p><table>"
            "<tr><td rowspan='2'>序号</td><td rowspan='2'>补贴类别</td><td rowspan='2'>适用条件</td>"
            "<td colspan='2'>补贴标准（元/人·月）</td><td rowspan='2'>发放方式</td></tr><tr><td>城市</td><td>农村</td></tr>"
            "<tr><td>1</td><td rowspan='2'>运营补贴</td><td>乳儿班</td><td>600</td><td>480</td><td rowspan='2'>按季度拨付</td></tr>"
            "<tr><td>2</td><td>托小班</td><td>450</td><td>360</td></tr>"
            "<tr><td>3</td><td>入托补贴</td><td>低保家庭婴幼儿</td><td colspan='2'>按实际保育费全额补贴</td><td>按季度发放</td></tr>"
            "</table><p>说明：</p><p>1.城市是指各区所辖街道。</p><p>2.不满10天的当月不予补贴。</p><p>3.补贴资金由市、县两级财政分担。</p></body></html>")
    (tmp_path / "bz.html").write_text(page, "utf-8")
    doc = parse_file(tmp_path / "bz.html")
    units = {c.label: c for c in doc.clauses}
    assert units["附件第2项"].text == "运营补贴\n托小班\n450\n360\n按季度拨付"
    assert units["附件第3项"].text == "入托补贴\n低保家庭婴幼儿\n按实际保育费全额补贴\n按季度发放"
    assert units["附件第2项"].heading.endswith("补贴标准（元/人·月） 城市\u3000补贴标准（元/人·月） 农村\u3000发放方式")
    assert units["附件说明2."].text == "2.不满10天的当月不予补贴。"


def test_what_the_new_shapes_must_not_take_in(tmp_path):
    """Shapes near those above parse as before: a cover notice's requirements above the 办法 it issues stay the
    notice (印发通知); a 公告 numbered by year keeps its number; a 公告 that promulgates nothing by name is titled
    as one; the host speaking inside an answer is the answer's; a header row wider below than above reads."""
    notice = parse_text("岚川市民政局关于印发《岚川市养老服务补贴管理办法》的通知\n岚民发〔2024〕5号\n\n各区民政局：\n"
                        "现将办法印发给你们，请抓好落实：\n一、加强领导。\n二、规范发放。\n三、强化监督。\n\n岚川市民政局\n"
                        "2024年3月1日\n\n岚川市养老服务补贴管理办法\n\n第一章　总则\n第一条　为了规范补贴，制定本办法。\n"
                        "第二条　本办法适用于本市户籍老年人。\n", "bf")
    assert [c.label for c in notice.clauses] == ["印发通知", "第一条", "第二条"]
    tax = parse_text("财政部　税务总局\n公告\n2024年第12号\n关于延续实施残疾人就业保障金优惠政策的公告\n\n"
                     "为支持残疾人就业，现将有关政策公告如下：\n一、继续减征。\n二、免征。\n三、自发布之日起施行。\n", "gg")
    assert tax.meta.doc_number == "财政部　税务总局　公告2024年第12号"
    plain = parse_text("岚川市人民政府\n公　告\n第3号\n\n为加强春节期间烟花爆竹燃放管理，现将有关事项公告如下：\n"
                       "一、禁止燃放。\n二、违者处罚。\n三、自发布之日起施行。\n", "gg2")
    assert plain.meta.title == "岚川市人民政府公告" and plain.meta.doc_number == "岚川市人民政府公告第3号"
    transcript = parse_text("# 医保政策新闻发布会实录\n\n【主持人 李某】大家好。\n\n【甲报记者】门诊报销有什么变化？\n\n"
                            "【副局长 张某】比例提高。\n\n【乙台记者】异地备案怎么办？\n\n【副局长 张某】线上办理。\n\n"
                            "【丙社记者】护理保险什么时候推开？\n\n【主持人 李某】请王局长回答。\n\n【局长 王某】明年推开。\n\n"
                            "【主持人 李某】发布会到此结束。\n", "fb", ".md")
    units = {c.label: c.text for c in transcript.clauses}
    assert units["第3问"].endswith("【局长 王某】明年推开。") and units["结语"] == "【主持人 李某】发布会到此结束。"
    (tmp_path / "bad.html").write_text(
        "<html><body><h1>低保标准的通知</h1><p>一、标准见附件。</p><p>二、自印发之日起施行。</p><p>附件</p><table>"
        "<tr><td rowspan=2>序号</td><td rowspan=2>地区</td><td colspan=2>低保标准</td></tr>"
        "<tr><td>城市</td><td>农村</td><td>备注</td></tr><tr><td>1</td><td>甲县</td><td>800</td><td>600</td></tr>"
        "</table></body></html>", "utf-8")
    assert parse_file(tmp_path / "bad.html").clauses  # read, not an IndexError
