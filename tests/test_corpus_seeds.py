"""The real parser on the two founding documents."""
from __future__ import annotations

import re

from policyqa.corpus import coverage_problems
from policyqa.corpus.numerals import parse_chinese_number, to_chinese_number


def _doc(corpus, doc_id):
    return next(d for d in corpus.documents if d.doc_id == doc_id)


def test_2020_opinion_structure(bundled_corpus):
    doc = _doc(bundled_corpus, "yanglao-tuoyu-2020")
    assert doc.meta.title == "国务院办公厅关于促进养老托育服务健康发展的意见"
    assert doc.meta.doc_number == "国办发〔2020〕52号"
    assert doc.meta.date == "2020-12-14"
    assert doc.meta.issuer == "国务院办公厅"
    body = [c for c in doc.clauses if c.part == "body"]
    assert [c.number for c in body] == list(range(1, 24))
    assert [c.label for c in body][:3] == ["（一）", "（二）", "（三）"] and body[-1].label == "（二十三）"
    sections = {c.section for c in body}
    assert sections == {"一、健全老有所养、幼有所育的政策体系", "二、扩大多方参与、多种方式的服务供给",
                        "三、打造创新融合、包容开放的发展环境", "四、完善依法从严、便利高效的监管服务"}
    assert next(c for c in body if c.label == "（十四）").section == "三、打造创新融合、包容开放的发展环境"
    parts = [c.part for c in doc.clauses]
    assert parts.count("preamble") == 1 and parts.count("closing") == 1
    assert doc.clauses[0].text.startswith("各省、自治区、直辖市人民政府")
    closing = next(c for c in doc.clauses if c.part == "closing")
    assert closing.text.startswith("坚持党委领导、政府主导") and "2020年12月14日" in closing.text


def test_2020_pdf_damage_repaired(bundled_corpus):
    doc = _doc(bundled_corpus, "yanglao-tuoyu-2020")
    art5 = next(c for c in doc.clauses if c.label == "（五）")
    # the page gap inside 「公建服务设施建设」 is gone and no spaces were inserted
    assert "同步考虑公建服务设施建设与后期运营保障" in art5.text
    art10 = next(c for c in doc.clauses if c.label == "（十）")
    assert "确保转养老服务项目2022年底前基本投入运营" in art10.text
    assert all("\n" not in c.text for c in doc.clauses if c.part == "body")


def test_2020_annex_task_table(bundled_corpus):
    doc = _doc(bundled_corpus, "yanglao-tuoyu-2020")
    rows = [c for c in doc.clauses if c.part == "annex"]
    assert [r.label for r in rows] == [f"附件第{i}项" for i in range(1, 34)]
    assert all(r.responsible_units for r in rows)
    row11 = rows[10]
    assert row11.text.startswith("研究出台家庭托育点管理办法。")
    assert row11.responsible_units.startswith("国家卫生健康委牵头")
    assert row11.links == ("yanglao-tuoyu-2020:（八）",)
    assert "yanglao-tuoyu-2020:附件第11项" in next(c for c in doc.clauses if c.label == "（八）").links
    # a task and its units on one line (row 17), and a task wrapped over lines (row 1)
    assert rows[16].responsible_units.startswith("国家发展改革委牵头") and rows[16].text.startswith("促进康养融合发展。")
    assert rows[0].text.split("\n")[0].endswith("提质扩容和区域均衡布局。")
    assert rows[32].links == ("yanglao-tuoyu-2020:结语",)


def test_2024_opinion_structure(bundled_corpus):
    doc = _doc(bundled_corpus, "yanglao-gaige-2024")
    assert doc.meta.title == "中共中央\u3000国务院关于深化养老服务改革发展的意见"
    assert doc.meta.date == "2024-12-30" and doc.meta.status == "生效"
    assert doc.meta.source_url.startswith("https://")
    items = [c for c in doc.clauses if re.fullmatch(r"（.+）", c.label)]
    assert [c.number for c in items] == list(range(1, 18))
    assert not any(c.is_article for c in doc.clauses)  # an 意见's items are not articles: its 第十条 is （十）
    assert {c.section.split("、")[0] for c in items} == {"二", "三", "四", "五"}
    labels = [c.label for c in doc.clauses]
    assert labels[:2] == ["题注", "序言"] and "一、总体要求" in labels and labels[-1] == "六、加强组织实施"
    assert doc.clauses[0].text == "（2024年12月30日）"  # the date under the title: when the opinion was issued
    assert "到2035年" in next(c for c in doc.clauses if c.label == "一、总体要求").text


def test_clause_ids_stable_and_unique(bundled_corpus):
    from policyqa.corpus import load_corpus

    again = load_corpus()
    ids = [c.clause_id for c in bundled_corpus.clauses]
    assert ids == [c.clause_id for c in again.clauses]
    assert len(ids) == len(set(ids))
    assert "yanglao-gaige-2024:（十四）" in ids


def test_nothing_lost(bundled_corpus):
    for doc in bundled_corpus.documents:
        assert coverage_problems(doc) == []


def test_chinese_numerals_round_trip():
    for n in (1, 10, 11, 20, 23, 99, 100, 101, 110, 120, 1005, 1260):
        assert parse_chinese_number(to_chinese_number(n)) == n
    assert parse_chinese_number("二十六") == 26 and parse_chinese_number("一百二十") == 120
