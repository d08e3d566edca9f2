"""The eligibility check on real documents: the catalogue read by the real parser from the bundled 意见 and a
real 条例 of shared/laws, a real index folder, the CLI, and the HTTP route on a loopback server."""
from __future__ import annotations

import csv
import io
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import httpx
import pytest

from policyqa.assistant.eligibility import (EligibilityChecker, Profile, checklist_csv, checklist_markdown,
                                            profile_from, read_profile)
from policyqa.corpus import parse_file
from policyqa.corpus.errors import UserError
from policyqa.corpus.supports import SUPPORTS_FILE, catalogue, reach_of
from policyqa.index import current_folder  # hook (index.generations)

from conftest import LAWS

QINGDAO = LAWS / "DLC/山东地方法规/地方性法规/山东/青岛市养老服务促进条例(2018-11-30).md"
needs_laws = pytest.mark.skipif(not QINGDAO.is_file(), reason="shared/laws is not on this machine")


@pytest.fixture(scope="module")
def documents(bundled_corpus):
    docs = list(bundled_corpus.documents)
    if QINGDAO.is_file():
        docs.append(parse_file(QINGDAO))
    return docs


@pytest.fixture(scope="module")
def checker(documents):
    return EligibilityChecker(catalogue(documents), [c for d in documents for c in d.clauses],
                              [d.meta.to_dict() for d in documents])


def _by_clause(result):
    found: dict[str, set[str]] = {}
    for p in result.provisions:
        found.setdefault(p.clause_id, set()).add(p.verdict)
    return found


def test_catalogue_reads_supports_from_the_seed_text(documents):
    entry = {e.doc_id: e for e in catalogue(documents)}["yanglao-gaige-2024"]
    assert entry.reach.level == "national"
    clause = next(c for c in documents[0].clauses + documents[1].clauses if c.clause_id == "yanglao-gaige-2024:（十四）")
    tax = [s for s in entry.supports if s.clause_id == clause.clause_id and "税费减免" in s.kinds]
    assert tax and all(s.quote in clause.text for s in tax)
    assert tax[0].binding == "local_rules" and "价格（水电气热）" in tax[0].kinds
    assert "符合条件的养老服务机构" in tax[0].conditions
    rent = [s for s in entry.supports if "租金/租期" in s.kinds and s.clause_id == clause.clause_id]
    assert rent and rent[0].beneficiaries == ("社区养老服务机构",)


@needs_laws
def test_a_city_regulation_gives_its_supports_by_article_and_its_reach(documents):
    entry = {e.doc_id: e for e in catalogue(documents)}[QINGDAO.stem]
    assert (entry.reach.level, entry.reach.place, entry.reach.province) == ("city", "青岛市", "山东省")
    labels = {s.clause_id.split(":")[1] for s in entry.supports}
    assert {"第三十八条", "第四十条", "第四十一条"} <= labels
    assert "第四十九条" not in labels  # the penalty article grants nothing


def test_reach_from_title_and_issuer():
    assert reach_of("河南省老年人权益保障条例", None).level == "province"
    assert reach_of("国务院办公厅关于促进养老托育服务健康发展的意见", "国务院办公厅").level == "national"
    assert reach_of("关于做好养老服务工作的通知", "济南市民政局").place == "济南市"
    assert reach_of("景宁畲族自治县水资源管理条例", None).place == "景宁畲族自治县"
    assert reach_of("中国（上海）自由贸易试验区条例", None).place == "上海市"
    assert reach_of("城市市容和环境卫生管理条例", None).level == "national"  # 「城市」 is no place
    # A province or a city opens a title by its bare name too; a municipality's district only with its level.
    assert reach_of("绍兴黄酒保护和发展条例", None).place == "绍兴市"
    assert reach_of("上海港口条例", None).place == "上海市"
    assert reach_of("和平利用核能条例", "国务院").level == "national"
    assert reach_of("宁夏养老服务条例", None).place == "宁夏回族自治区"  # a province's short name is no district
    assert (reach_of("和平区养老服务补贴办法", None).place, reach_of("和平区养老服务补贴办法", None).province) == \
        ("和平区", "天津市")


@needs_laws
def test_operator_in_jinan_gets_national_supports_not_qingdaos(checker):
    result = checker.check(Profile(kind="养老机构", ownership="民办", nonprofit=True, beds=80, residents=["失能"],
                                   region="济南"))
    listed = _by_clause(result)
    assert "local_rules" in listed["yanglao-gaige-2024:（十四）"]
    assert "yanglao-tuoyu-2020:（五）" in listed
    assert not any(c.startswith(QINGDAO.stem) for c in listed)
    reasons = {n.clause_id: n.reason for n in result.not_applicable}
    assert "青岛市的地方性规定" in reasons[f"{QINGDAO.stem}:第四十一条"]


@needs_laws
def test_operator_in_qingdao_gets_qingdaos_supports_and_public_only_ones_are_refused(checker):
    result = checker.check(Profile(kind="养老机构", ownership="民办", nonprofit=False, region="青岛市"))
    listed = _by_clause(result)
    assert f"{QINGDAO.stem}:第四十一条" in listed and f"{QINGDAO.stem}:第二十三条" in listed
    reasons = {n.clause_id: n.reason for n in result.not_applicable}
    assert "非营利" in reasons.get(f"{QINGDAO.stem}:第八条", "") or f"{QINGDAO.stem}:第八条" in listed
    shandong = checker.check(Profile(kind="养老机构", region="山东省"))
    assert _by_clause(shandong)[f"{QINGDAO.stem}:第四十一条"] == {"conditional"}


SHANGHAI = LAWS / "DLC/上海地方法规/地方性法规/上海/上海市老年人权益保障条例(2016-01-29).md"


@pytest.mark.skipif(not SHANGHAI.is_file(), reason="shared/laws is not on this machine")
def test_a_provincial_regulation_reaches_its_province_only():
    document = parse_file(SHANGHAI)
    checker = EligibilityChecker(catalogue([document]), document.clauses, [document.meta.to_dict()])
    assert checker.catalogue[0].reach.level == "province"
    medical = Profile(kind="养老机构", services=["内设医疗机构"], region="上海市浦东新区")
    listed = _by_clause(checker.check(medical))
    assert f"{SHANGHAI.stem}:第四十条" in listed  # 内设医疗机构 纳入医疗保险支付范围
    elsewhere = checker.check(medical.model_copy(update={"region": "北京"}))
    assert not elsewhere.provisions and all("上海市的地方性规定" in n.reason for n in elsewhere.not_applicable)
    family = _by_clause(checker.check(Profile(kind="家庭", residents=["经济困难"], region="上海")))
    assert f"{SHANGHAI.stem}:第五十四条" in family  # 经济困难老年人 家庭无障碍设施改造 补贴


def test_childcare_operator_is_not_given_elderly_care_supports(checker):
    result = checker.check(Profile(kind="托育机构", inclusive=True))
    listed = _by_clause(result)
    assert "yanglao-gaige-2024:（十四）" not in listed
    assert "yanglao-tuoyu-2020:（四）" in listed
    assert all("applies" not in v for c, v in listed.items() if c.startswith("yanglao-gaige-2024"))


def test_every_quote_is_verbatim(checker, documents):
    text = {c.clause_id: c.text for d in documents for c in d.clauses}
    for profile in (Profile(kind="社区养老服务机构", services=["助餐"]), Profile(kind="家庭", residents=["失能"]),
                    Profile(kind="用人单位", services=["托育"])):
        result = checker.check(profile)
        assert result.provisions
        for p in result.provisions:
            assert p.quote in text[p.clause_id]


SHANGHAI_AID = [LAWS / f"DLC/上海地方法规/地方性法规/上海/上海市社会救助条例({d}).md" for d in ("2018-11-22", "2024-12-31")]


@needs_laws
def test_a_superseded_version_is_not_listed_beside_the_version_in_force(tmp_path, bundled_corpus):
    """Checklists leave out what answers leave out: the 2018 text of a regulation whose 2024 version is loaded."""
    from policyqa.index import build_index, load_index

    from policyqa.corpus import load_corpus

    build_index(load_corpus([*SHANGHAI_AID]), tmp_path / "index", "none", progress=False)
    profile = profile_from(None, "我们是上海的民办养老院，非营利，80张床")
    for checker in (EligibilityChecker.from_folder(tmp_path / "index"),
                    EligibilityChecker.for_index(load_index(tmp_path / "index"))):
        result = checker.check(profile)
        named = {p.clause_id.split(":")[0] for p in [*result.provisions, *result.not_applicable]}
        assert named == {"上海市社会救助条例(2024-12-31)"}  # listed or set aside with its reason: never the 2018 text


def test_free_text_is_read_into_a_profile():
    profile = read_profile("我们是济南的民办非营利养老院，80张床，收失能老人")
    assert (profile.kind, profile.ownership, profile.nonprofit, profile.beds, profile.residents) == \
           ("养老机构", "民办", True, 80, ["失能"])
    assert "济南" in profile.region
    assert read_profile("河南新乡一家公办敬老院").region == "河南省新乡市"
    assert read_profile("总部在上海，打算在青岛新建一家养老院").region.endswith("青岛市")
    assert read_profile("我们是一家普惠托育中心").kind == "托育机构"
    with pytest.raises(UserError, match="哪类机构"):
        read_profile("你好")
    with pytest.raises(UserError, match="profile"):
        profile_from({"kind": "养老机构"}, "养老院")


def test_checklist_exports(checker):
    result = checker.check(Profile(kind="养老机构", ownership="民办", region="济南"))
    markdown = checklist_markdown(result)
    assert markdown.startswith("# 政策支持自查清单") and "## 税费减免" in markdown
    assert result.provisions[0].quote in markdown
    rows = list(csv.reader(io.StringIO(checklist_csv(result))))
    assert rows[0][0] == "支持类别" and len(rows) == len(result.provisions) + 1
    assert {r[7] for r in rows[1:]} == {p.clause_id for p in result.provisions}


def _old_index(bundled_index_dir, tmp_path):
    """The bundled index as built before the catalogue existed: no supports.jsonl, a manifest without it."""
    old = tmp_path / "old"
    shutil.copytree(bundled_index_dir, old)
    files = current_folder(old)  # hook (index.generations): the current generation's files
    (files / SUPPORTS_FILE).unlink()
    manifest = json.loads((files / "manifest.json").read_text(encoding="utf-8"))
    del manifest["files"][SUPPORTS_FILE]
    (files / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return old


def test_index_folder_carries_the_catalogue_and_an_old_index_says_rebuild(bundled_index_dir, tmp_path):
    assert (current_folder(bundled_index_dir) / SUPPORTS_FILE).is_file()
    checker = EligibilityChecker.from_folder(bundled_index_dir)
    assert checker.check(Profile(kind="养老机构")).provisions
    with pytest.raises(UserError, match="policyqa build"):
        EligibilityChecker.from_folder(_old_index(bundled_index_dir, tmp_path))


def test_cli_prints_json_and_writes_the_checklist(bundled_index_dir, tmp_path):
    md, table = tmp_path / "list.md", tmp_path / "list.csv"
    run = subprocess.run([sys.executable, "-m", "policyqa", "eligibility", "我们是民办养老院，在济南",
                          "--index", str(bundled_index_dir), "--json", "--markdown", str(md), "--csv", str(table)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["profile"]["kind"] == "养老机构" and data["provisions"]
    assert set(data["provisions"][0]) >= {"clause_id", "doc_id", "doc_title", "label", "number", "part", "support",
                                          "verdict", "quote", "condition", "check"}
    assert md.read_text(encoding="utf-8").startswith("# 政策支持自查清单")
    assert table.read_text(encoding="utf-8-sig").startswith("支持类别")
    bad = subprocess.run([sys.executable, "-m", "policyqa", "eligibility", "--profile", "-", "--index",
                          str(bundled_index_dir)], input='{"kind": "学校"}', capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "kind" in bad.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


API_KEY = "eligibility-test-key-0123456789"


@contextmanager
def _serving(assistant, **settings):
    """The API on a free loopback port, serving ``assistant``."""
    import uvicorn

    from policyqa.assistant.api import create_app
    from policyqa.assistant.settings import Settings

    port = _free_port()
    app = create_app(Settings(index=assistant.index.path, rate_limit="", **settings), loader=lambda: assistant)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        yield base
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def server(assistant):
    """The API with an API key, as an operator would deploy it."""
    with _serving(assistant, api_key=API_KEY) as base:
        yield base


def test_http_route_answers_profiles_and_text_and_refuses_bad_input(server):
    anonymous = httpx.post(f"{server}/v1/eligibility", json={"text": "养老院"}, timeout=30)
    assert anonymous.status_code == 401  # protected like /v1/ask
    client = httpx.Client(headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30)
    r = client.post(f"{server}/v1/eligibility", json={"profile": {"kind": "托育机构", "inclusive": True}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["profile"]["kind"] == "托育机构" and body["provisions"] and "not_applicable" in body
    r = client.post(f"{server}/v1/eligibility", json={"text": "我们是济南的民办养老院，80张床"})
    assert r.status_code == 200 and r.json()["profile"]["beds"] == 80
    for bad, status in (({"profile": {"kind": "学校"}}, 422), ({}, 422), ({"text": "你好"}, 422),
                        ({"profile": {"kind": "养老机构"}, "text": "养老院"}, 422), ({"profile": None}, 422)):
        r = client.post(f"{server}/v1/eligibility", json=bad)
        assert r.status_code == status, (bad, r.text)
        assert r.json()["error"]["message"]


def test_http_route_on_an_index_built_before_the_catalogue_says_rebuild(bundled_index_dir, tmp_path):
    from policyqa.assistant.service import Assistant

    old = Assistant.load(_old_index(bundled_index_dir, tmp_path))
    with _serving(old) as base:
        r = httpx.post(f"{base}/v1/eligibility", json={"profile": {"kind": "养老机构"}}, timeout=30)
        assert r.status_code == 400 and "policyqa build" in r.json()["error"]["message"]
        assert httpx.post(f"{base}/v1/ask", json={"question": "养老机构的水电气热能按居民价格收费吗？"},
                          timeout=60).status_code == 200  # the rest of the index still answers
