"""Documents written over HTTP (issue 20 item 1): every supported format uploaded through a real uvicorn server,
replaced and removed; the write rule (admin key, reading key, writes off, loopback); hostile uploads refused with a
4xx and nothing changed; a second writer told; a second server over the same folder following the generations while
a client keeps asking."""
from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest

from policyqa.assistant.api import GENERATION_HEADER, create_app
from policyqa.assistant.api_documents import WriteAccess
from policyqa.assistant.settings import load_settings
from policyqa.corpus.errors import UserError
from policyqa.index.generations import GENERATIONS, WriteLock, current_generation
from test_api import ASKED, LiveServer, _settings, assert_error
from test_corpus_formats import PAGE, _docx
from test_corpus_pdf import PAGE_1, PAGE_2, _pdf

ADMIN, READER = "admin-密钥-2026".encode().hex(), "reader-key"
NOTICE = (Path(__file__).parent / "data" / "zhucan_notice.txt").read_text(encoding="utf-8")  # also bench_reload's
AMENDED = NOTICE.replace("每餐补贴三元", "每餐补贴五元")
MEAL = "社区助餐点对八十周岁以上老年人每餐补贴多少钱？"
MARKDOWN = """---
title: 某某市关于加强老年人助浴服务的意见
doc_number: 某民发〔2025〕9号
date: 2025-06-01
---

# 某某市关于加强老年人助浴服务的意见

## 一、推广上门助浴

（一）鼓励养老服务机构为失能老年人提供上门助浴服务，每次补贴二十元。

（二）助浴人员应当接受专业培训。
"""


def _formats(tmp_path: Path) -> dict[str, bytes]:
    """One real file of each supported format, made as the corpus tests make them."""
    return {
        "zhucan.txt": NOTICE.encode("gb18030"),
        "zhuyu.md": MARKDOWN.encode(),
        "notice-page.html": PAGE.format(meta='<meta charset="utf-8">').encode(),
        "banfa.docx": _docx(tmp_path / "banfa.docx").read_bytes(),
        "tuoyu.pdf": _pdf(PAGE_1, PAGE_2),
    }


@pytest.fixture
def index_copy(bundled_index_dir, tmp_path) -> Path:
    """The bundled index, copied: each test writes its own."""
    return Path(shutil.copytree(bundled_index_dir, tmp_path / "index"))


def _server(index_dir: Path, **overrides) -> LiveServer:
    return LiveServer(create_app(_settings(index_dir, **({"admin_key": ADMIN, "api_key": READER} | overrides)),
                                 bind_host="127.0.0.1"))


def _generations(index_dir: Path) -> set[str]:
    return {p.name for p in (index_dir / GENERATIONS).iterdir()}


ADMIN_AUTH = {"Authorization": f"Bearer {ADMIN}"}
READ_AUTH = {"Authorization": f"Bearer {READER}"}


def test_each_format_is_added_answered_from_replaced_and_removed(index_copy, tmp_path):
    files = _formats(tmp_path)
    with _server(index_copy) as live, httpx.Client(base_url=live.url, timeout=120) as c:
        live.wait_ready()
        ready = c.get("/readyz").json()
        before = ready["index"] | {"generation": ready["generation"]}
        upload = [("file", (name, data)) for name, data in files.items()]

        preview = c.post("/v1/documents/preview", files=upload, headers=ADMIN_AUTH)
        assert preview.status_code == 200, preview.text
        reports = {r["doc_id"]: r for r in preview.json()["documents"]}
        assert set(reports) == {Path(n).stem for n in files}
        assert reports["zhucan"]["labels"][1:4] == ["一、社区助餐点对八十周岁以上老年人每餐补贴三元",
                                                     "二、助餐点应当公示菜品价格和补贴标准", "三、本通知自印发之日起施行"]
        assert reports["banfa"]["labels"] == ["第一条", "第二条", "第三条", "第四条"]
        assert reports["tuoyu"]["doc_number"] == "某政办发〔2025〕7号"
        assert reports["zhuyu"]["title"] == "某某市关于加强老年人助浴服务的意见"
        assert all(r["problems"] == [] and r["clauses"] == len(r["labels"]) for r in reports.values())
        assert not any(r["loaded"] for r in reports.values())
        again = c.post("/v1/documents/preview", files={"file": ("yanglao-tuoyu-2020.md", MARKDOWN.encode())},
                       headers=ADMIN_AUTH).json()["documents"]
        assert again[0]["loaded"] is True  # adding it would be refused: replace it
        assert current_generation(index_copy) == before["generation"]  # a preview writes nothing

        added = c.post("/v1/documents", files=upload, headers=ADMIN_AUTH)
        assert added.status_code == 201, added.text
        body = added.json()
        assert body["generation"] == current_generation(index_copy) != before["generation"]
        assert body["document_count"] == before["document_count"] + 5
        assert body["reused"] > 0 and body["embedded"] > 0  # only the new texts were embedded
        assert {r["doc_id"] for r in body["documents"]} == set(reports)
        # The server answers from the new generation at once, and says which one answered.
        listed = c.get("/v1/documents", headers=READ_AUTH)
        assert listed.headers[GENERATION_HEADER] == body["generation"]
        assert {"zhucan", "zhuyu", "notice-page", "banfa", "tuoyu"} <= {d["doc_id"] for d in listed.json()}
        answer = c.post("/v1/ask", json={"question": MEAL}, headers=READ_AUTH).json()
        assert answer["citations"][0]["doc_id"] == "zhucan" and "三元" in answer["answer"]
        bath = c.post("/v1/ask", json={"question": "上门助浴每次补贴多少？"}, headers=READ_AUTH).json()
        assert bath["citations"][0]["doc_id"] == "zhuyu" and "二十元" in bath["answer"]

        replaced = c.put("/v1/documents/zhucan", files={"file": ("zhucan-2025修订.txt", AMENDED.encode())},
                         headers=ADMIN_AUTH)
        assert replaced.status_code == 200, replaced.text
        assert replaced.json()["documents"][0]["doc_id"] == "zhucan"  # the path names the document
        answer = c.post("/v1/ask", json={"question": MEAL}, headers=READ_AUTH).json()
        assert "五元" in answer["answer"] and "三元" not in answer["answer"]

        for doc_id in reports:
            removed = c.delete(f"/v1/documents/{doc_id}", headers=ADMIN_AUTH)
            assert removed.status_code == 200 and removed.json()["removed"] == [doc_id]
        ready = c.get("/readyz").json()
        assert ready["index"]["document_count"] == before["document_count"]
        assert ready["generation"] == current_generation(index_copy)
        answer = c.post("/v1/ask", json={"question": MEAL}, headers=READ_AUTH).json()
        assert all(cite["doc_id"] != "zhucan" for cite in answer["citations"])


@pytest.mark.parametrize("name, data, status, code", [
    ("../../evil.txt", NOTICE.encode(), 400, "bad_filename"),
    ("..\\evil.txt", NOTICE.encode(), 400, "bad_filename"),
    ("sub/evil.txt", NOTICE.encode(), 400, "bad_filename"),
    ("/etc/passwd.txt", NOTICE.encode(), 400, "bad_filename"),
    (".hidden.txt", NOTICE.encode(), 400, "bad_filename"),
    ("C:evil.txt", NOTICE.encode(), 400, "bad_filename"),
    ("", NOTICE.encode(), 400, "bad_filename"),
    ("empty.txt", b"", 422, "unreadable_document"),
    ("blank.txt", b" \n\t\n", 422, "unreadable_document"),
    ("binary.txt", bytes(range(256)) * 4, 422, "unreadable_document"),
    ("random.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8, 422, "unreadable_document"),
    ("legacy.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), 415, "unsupported_file_type"),
    ("script.sh", b"rm -rf /", 415, "unsupported_file_type"),
    ("noext", NOTICE.encode(), 415, "unsupported_file_type"),
])
def test_hostile_uploads_are_refused_and_change_nothing(index_copy, name, data, status, code):
    with _server(index_copy) as live, httpx.Client(base_url=live.url, timeout=60) as c:
        live.wait_ready()
        generations = _generations(index_copy)
        for route in ("/v1/documents", "/v1/documents/preview"):
            response = c.post(route, files={"file": (name, data)}, headers=ADMIN_AUTH)
            if name == "":  # an empty name is not even a file part to the form parser
                assert response.status_code in (400, 422), response.text
                continue
            assert_error(response, status, code)
        if name:
            assert_error(c.put("/v1/documents/yanglao-gaige-2024", files={"file": (name, data)}, headers=ADMIN_AUTH),
                         status, code)
        assert _generations(index_copy) == generations
        assert not list(index_copy.glob("**/evil*")) and not Path("/tmp/evil.txt").exists()


def test_a_control_character_in_a_raw_file_name_is_refused(index_copy):
    """httpx escapes control characters in a file name; a hand-written request does not."""
    body = (b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="evil\x07\x1b[2J.txt"\r\n'
            b"Content-Type: text/plain\r\n\r\n" + NOTICE.encode() + b"\r\n--b0undary--\r\n")
    with _server(index_copy) as live, httpx.Client(base_url=live.url, timeout=60) as c:
        live.wait_ready()
        response = c.post("/v1/documents", content=body,
                          headers=ADMIN_AUTH | {"Content-Type": "multipart/form-data; boundary=b0undary"})
        assert_error(response, 400, "bad_filename")


def test_bad_requests_and_keys_are_refused_with_their_reason(index_copy):
    upload = {"file": ("zhucan.txt", NOTICE.encode())}
    with _server(index_copy, max_upload_bytes=64 * 1024, max_upload_files=3) as live, \
            httpx.Client(base_url=live.url, timeout=60) as c:
        live.wait_ready()
        generations = _generations(index_copy)
        assert_error(c.post("/v1/documents", files={"other": ("zhucan.txt", b"x")}, headers=ADMIN_AUTH),
                     422, "invalid_request")
        assert_error(c.post("/v1/documents", json={"file": "zhucan.txt"}, headers=ADMIN_AUTH), 422, "invalid_request")
        huge = NOTICE.encode() * (70 * 1024 // len(NOTICE.encode()))
        assert_error(c.post("/v1/documents", files={"file": ("huge.txt", huge)}, headers=ADMIN_AUTH),
                     413, "payload_too_large")
        many = [("file", (f"n{i}.txt", NOTICE.encode())) for i in range(4)]
        assert_error(c.post("/v1/documents", files=many, headers=ADMIN_AUTH), 422, "too_many_files")
        twice = [("file", ("same.txt", NOTICE.encode())), ("file", ("same.md", NOTICE.encode()))]
        assert_error(c.post("/v1/documents", files=twice, headers=ADMIN_AUTH), 422, "duplicate_document")
        # Keys: none or a wrong one is 401 (and counts towards the lock-out), the reading key 403.
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {ADMIN}"}):
            response = c.post("/v1/documents", files=upload, headers=headers)
            assert_error(response, 401, "unauthorized")
            assert response.headers["www-authenticate"] == "Bearer"
            assert_error(c.delete("/v1/documents/yanglao-gaige-2024", headers=headers), 401, "unauthorized")
        assert_error(c.post("/v1/documents", files=upload, headers=READ_AUTH), 403, "admin_key_required")
        assert_error(c.delete("/v1/documents/yanglao-gaige-2024", headers=READ_AUTH), 403, "admin_key_required")
        # The admin key does not open the reading routes, nor the reading key the writes.
        assert_error(c.get("/v1/documents", headers=ADMIN_AUTH), 401, "unauthorized")
        # Unknown documents; an existing doc_id added again.
        assert_error(c.delete("/v1/documents/no-such-doc", headers=ADMIN_AUTH), 404, "unknown_document")
        assert_error(c.put("/v1/documents/no-such-doc", files=upload, headers=ADMIN_AUTH), 404, "unknown_document")
        assert_error(c.post("/v1/documents", files={"file": ("yanglao-gaige-2024.txt", NOTICE.encode())},
                            headers=ADMIN_AUTH), 409, "document_exists")
        assert _generations(index_copy) == generations


def test_a_second_writer_is_told_and_nothing_changes(index_copy):
    with _server(index_copy) as live, httpx.Client(base_url=live.url, timeout=60) as c:
        live.wait_ready()
        generation = current_generation(index_copy)
        with WriteLock(index_copy):  # another writer (policyqa add, another server) holds the folder
            response = c.post("/v1/documents", files={"file": ("zhucan.txt", NOTICE.encode())}, headers=ADMIN_AUTH)
            error = assert_error(response, 409, "writer_busy")
            assert "另一个写入正在进行" in error["message"]
            assert_error(c.delete("/v1/documents/yanglao-gaige-2024", headers=ADMIN_AUTH), 409, "writer_busy")
        assert current_generation(index_copy) == generation
        assert c.post("/v1/documents", files={"file": ("zhucan.txt", NOTICE.encode())},
                      headers=ADMIN_AUTH).status_code == 201


def test_without_an_admin_key_writes_are_off_unless_allowed_on_loopback(index_copy):
    upload = {"file": ("zhucan.txt", NOTICE.encode())}
    off = create_app(_settings(index_copy), bind_host="127.0.0.1")
    exposed = create_app(_settings(index_copy, allow_writes=True, allow_open=True), bind_host="0.0.0.0")
    for app in (off, exposed):
        with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=60) as c:
            live.wait_ready()
            error = assert_error(c.post("/v1/documents", files=upload), 403, "writes_disabled")
            assert "POLICYQA_ADMIN_KEY" in error["message"] and "POLICYQA_ALLOW_WRITES" in error["message"]
            assert_error(c.delete("/v1/documents/yanglao-gaige-2024"), 403, "writes_disabled")
    # Allowed on loopback; a reading key, when set, is then needed to write as to read.
    with LiveServer(create_app(_settings(index_copy, allow_writes=True, api_key=READER), bind_host="127.0.0.1")) \
            as live, httpx.Client(base_url=live.url, timeout=60) as c:
        live.wait_ready()
        assert_error(c.post("/v1/documents", files=upload), 401, "unauthorized")
        assert c.post("/v1/documents", files=upload, headers=READ_AUTH).status_code == 201


def test_wrong_admin_keys_in_the_page_lock_its_client_out():
    """The 「文件管理」 tab checks keys itself (its calls are not /v1 requests): the API's lock-out rule, per address."""
    access = WriteAccess.of(load_settings(admin_key=ADMIN, api_key=READER, auth_failures="3/minute", lockout_s=60),
                            "127.0.0.1")
    for _ in range(4):  # the fourth wrong key in a minute is one too many
        refusal = access.check("wrong", client="10.0.0.9")
        assert refusal.status == 401
        access.failed("10.0.0.9")
    locked = access.check(ADMIN, client="10.0.0.9")  # the right key too, while locked out
    assert locked.status == 429 and locked.code == "locked_out" and int(locked.headers["Retry-After"]) > 50
    assert access.check(ADMIN, client="10.0.0.8") is None  # another address is not
    assert access.check(READER, client="10.0.0.8").code == "admin_key_required"


def test_the_admin_key_must_differ_from_the_reading_key():
    with pytest.raises(UserError, match="POLICYQA_ADMIN_KEY"):
        load_settings(api_key="same", admin_key="same")
    assert load_settings(api_key="read", admin_key=" ").admin_key is None  # blank: none


def test_a_second_server_follows_the_generations_while_a_client_keeps_asking(index_copy):
    """Server A writes; server B over the same folder keeps answering throughout (no error) and serves each new
    generation within its poll interval plus a load."""
    errors: list[str] = []
    cited: list[set[str]] = []
    stop = threading.Event()
    with _server(index_copy) as a, _server(index_copy, reload_poll_s=0.2) as b, \
            httpx.Client(base_url=a.url, timeout=120) as writer, httpx.Client(base_url=b.url, timeout=120) as asker:
        a.wait_ready()
        b.wait_ready()

        def keep_asking() -> None:
            while not stop.is_set():
                for question in (ASKED, MEAL):
                    try:
                        response = asker.post("/v1/ask", json={"question": question}, headers=READ_AUTH)
                    except httpx.HTTPError as exc:
                        errors.append(repr(exc))
                        continue
                    if response.status_code != 200:
                        errors.append(f"{response.status_code} {response.text}")
                    else:
                        cited.append({c["doc_id"] for c in response.json()["citations"]})

        def serves(generation: str) -> bool:
            deadline = threading.Event()
            for _ in range(600):
                if asker.get("/readyz").json()["generation"] == generation:
                    return True
                deadline.wait(0.1)
            return False

        client = threading.Thread(target=keep_asking, daemon=True)
        client.start()
        added = writer.post("/v1/documents", files={"file": ("zhucan.txt", NOTICE.encode())}, headers=ADMIN_AUTH)
        assert added.status_code == 201, added.text
        assert serves(added.json()["generation"])
        answer = asker.post("/v1/ask", json={"question": MEAL}, headers=READ_AUTH)
        assert answer.headers[GENERATION_HEADER] == added.json()["generation"]
        assert answer.json()["citations"][0]["doc_id"] == "zhucan"
        replaced = writer.put("/v1/documents/zhucan", files={"file": ("zhucan.txt", AMENDED.encode())},
                              headers=ADMIN_AUTH)
        assert serves(replaced.json()["generation"])
        assert "五元" in asker.post("/v1/ask", json={"question": MEAL}, headers=READ_AUTH).json()["answer"]
        removed = writer.delete("/v1/documents/zhucan", headers=ADMIN_AUTH)
        assert serves(removed.json()["generation"])
        for _ in range(1200):  # a few answers from the last generation too, however slow the machine
            if len(cited) > 10 and not cited[-1] & {"zhucan"}:
                break
            threading.Event().wait(0.1)
        stop.set()
        client.join(60)
    assert errors == []
    assert any("zhucan" in docs for docs in cited) and len(cited) > 10


def test_a_document_marked_repealed_is_shown_so_and_the_mark_cleared(index_copy):
    with _server(index_copy) as live, httpx.Client(base_url=live.url, timeout=60) as c:
        live.wait_ready()

        def validity() -> dict:
            docs = c.get("/v1/documents", headers=READ_AUTH).json()
            return next(d for d in docs if d["doc_id"] == "yanglao-tuoyu-2020")["validity"]

        assert validity()["status"] == "现行有效"
        marked = c.patch("/v1/documents/yanglao-tuoyu-2020", json={"repealed": "2025-01-01"}, headers=ADMIN_AUTH)
        assert marked.status_code == 200, marked.text
        assert marked.json()["generation"] == current_generation(index_copy)
        now = validity()
        assert now["status"] == "已废止" and now["repealed"] == "2025-01-01" and now["repealed_by"] == "user"
        cleared = c.patch("/v1/documents/yanglao-tuoyu-2020", json={"repealed": None}, headers=ADMIN_AUTH)
        assert cleared.status_code == 200 and validity()["status"] == "现行有效"
        generations = _generations(index_copy)
        for body in ({"repealed": "2025-13-45"}, {"repealed": "2025/01/01"}, {}, {"repealed": "2025-01-01", "x": 1}):
            assert_error(c.patch("/v1/documents/yanglao-tuoyu-2020", json=body, headers=ADMIN_AUTH),
                         *((400, "bad_request") if body == {"repealed": "2025-13-45"} else (422, "invalid_request")))
        assert_error(c.patch("/v1/documents/no-such-doc", json={"repealed": None}, headers=ADMIN_AUTH),
                     404, "unknown_document")
        assert_error(c.patch("/v1/documents/yanglao-tuoyu-2020", json={"repealed": None}, headers=READ_AUTH),
                     403, "admin_key_required")
        assert _generations(index_copy) == generations


def test_a_generation_that_fails_to_load_leaves_the_previous_one_in_service(index_copy, caplog):
    """A pointer naming a generation that cannot be loaded (here: one that is not there): the server logs it and
    keeps answering from the generation it has, then follows the next good one."""
    good = current_generation(index_copy)
    with _server(index_copy, reload_poll_s=0.05) as live, httpx.Client(base_url=live.url, timeout=60) as c:
        live.wait_ready()
        (index_copy / "CURRENT.tmp").write_text("g999999\n")
        (index_copy / "CURRENT.tmp").replace(index_copy / "CURRENT")
        for _ in range(20):
            answer = c.post("/v1/ask", json={"question": ASKED}, headers=READ_AUTH)
            assert answer.status_code == 200 and answer.headers[GENERATION_HEADER] == good
            time.sleep(0.05)
        ready = c.get("/readyz").json()
        assert ready["status"] == "ready" and ready["generation"] == good
        assert ready["message"].startswith(f"就绪 (ready)；新版本索引加载失败，仍使用 {good}")  # said, not hidden
        assert "reload failed; serving generation " + good in caplog.text  # it was tried, and refused
        (index_copy / "CURRENT.tmp").write_text(good + "\n")
        (index_copy / "CURRENT.tmp").replace(index_copy / "CURRENT")
        added = c.post("/v1/documents", files={"file": ("zhucan.txt", NOTICE.encode())}, headers=ADMIN_AUTH)
        assert added.status_code == 201
        assert c.get("/readyz").json() | {"index": None} == {"status": "ready", "message": "就绪 (ready)",
                                                           "index": None, "generation": added.json()["generation"]}


def test_a_request_in_flight_finishes_on_the_generation_it_started_with(index_copy):
    """A long batch on server B keeps the assistant it started with while B switches to the generation a write on
    server A made: none of its answers cite the added document; the next request does."""
    with _server(index_copy) as a, _server(index_copy, reload_poll_s=0.05, max_batch=100) as b, \
            httpx.Client(base_url=a.url, timeout=120) as writer, httpx.Client(base_url=b.url, timeout=300) as asker:
        a.wait_ready()
        b.wait_ready()
        before = current_generation(index_copy)
        batch: dict = {}

        def ask_batch() -> None:
            batch["response"] = asker.post("/v1/ask/batch", json={"questions": [MEAL] * 100, "k": 3},
                                           headers=READ_AUTH)

        thread = threading.Thread(target=ask_batch)
        thread.start()
        time.sleep(0.5)
        added = writer.post("/v1/documents", files={"file": ("zhucan.txt", NOTICE.encode())}, headers=ADMIN_AUTH)
        after = added.json()["generation"]
        while httpx.get(f"{b.url}/readyz").json()["generation"] != after:
            time.sleep(0.02)
        assert thread.is_alive(), "the batch ended before the switch: nothing was shown"
        thread.join(300)
        response = batch["response"]
        assert response.status_code == 200 and response.headers[GENERATION_HEADER] == before
        answers = response.json()
        assert len(answers) == 100 and not any(c["doc_id"] == "zhucan" for one in answers for c in one["citations"])
        now = asker.post("/v1/ask", json={"question": MEAL}, headers=READ_AUTH)
        assert now.headers[GENERATION_HEADER] == after and now.json()["citations"][0]["doc_id"] == "zhucan"
