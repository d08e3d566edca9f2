"""The Chinese web UI: chat with clickable citations, the clause panel, the document browser.

:func:`build_ui` wires one :class:`~assistant.service.Assistant` into a ``gr.Blocks``; the same
object serves ``policyqa ui`` (:func:`launch`) and the API server (:func:`mount_ui`), so the page
and the API always give the same answers.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import secrets
import tempfile
from datetime import date
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware
from starlette.routing import Mount

from policyqa.assistant.api_input import MAX_QUESTION_CHARS, printable, question_problem
from policyqa.assistant.feedback import FeedbackRecord, record_feedback
from policyqa.assistant.api_documents import WriteAccess
from policyqa.assistant.reloading import CurrentAssistant
from policyqa.assistant.service import Assistant
from policyqa.corpus.errors import UserError
from policyqa.corpus.titles import short_title
from policyqa.corpus.validity import parse_as_of

from . import render
from .conversation import Conversations, Sessions
from .documents_admin import documents_admin_tab
from .eligibility import eligibility_tab
from .export import conversation_markdown
from .render import Turn
from .style import CSS, theme
from .unknown_calls import UnknownUiCalls

# Gradio reads this at each telemetry call; the page must not reach the network.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
log = logging.getLogger(__name__)
TITLE = "政策问答"
FAILED = "系统出错，未能回答这个问题，请稍后再试。"
FEEDBACK_FAILED = "反馈未能保存，请稍后再试。"
EXPORT_NAME = "政策问答对话记录.md"
STORE_KEY = "policyqa-conversations"
# The browser's copy is the reader's own; the key only lets the server read back what it wrote after a restart.
STORE_SECRET = "policyqa-conversations-v1"

# Clicks inside the HTML components become named events carrying the element's data-* values.
CHAT_JS = """
element.addEventListener('click', (event) => {
  const chip = event.target.closest('[data-clause]');
  if (chip) {
    element.querySelectorAll('.pq-chip-active').forEach((c) => c.classList.remove('pq-chip-active'));
    chip.classList.add('pq-chip-active');
    trigger('cite', {clause_id: chip.dataset.clause, quote: chip.dataset.quote || ''});
    return;
  }
  const example = event.target.closest('[data-question]');
  if (example) trigger('example', {question: example.dataset.question});
});
const copyText = async (text) => {
  if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); return; }
  const area = document.createElement('textarea');  // http on an intranet address: no clipboard API
  area.value = text; area.style.position = 'fixed'; area.style.opacity = '0';
  document.body.appendChild(area); area.select(); document.execCommand('copy'); area.remove();
};
element.addEventListener('click', (event) => {
  const copy = event.target.closest('[data-copy]');
  if (copy) {
    copyText(copy.dataset.copy).then(() => { copy.textContent = '已复制'; },
                                     () => { copy.textContent = '复制失败'; });
    setTimeout(() => { copy.textContent = '复制'; }, 2000);
    return;
  }
  const verdict = event.target.closest('[data-verdict]');
  if (verdict) {
    const box = verdict.closest('.pq-feedback');
    box.dataset.chosen = verdict.dataset.verdict;
    box.querySelectorAll('[data-verdict]').forEach((b) => b.classList.toggle('pq-chosen', b === verdict));
    box.querySelector('.pq-feedback-form').hidden = false;
    box.querySelector('input').focus();
    return;
  }
  const send = event.target.closest('[data-feedback-send]');
  if (send) {
    const box = send.closest('.pq-feedback');
    send.disabled = true;
    trigger('feedback', {turn: Number(box.dataset.turn), verdict: box.dataset.chosen,
                         comment: box.querySelector('input').value});
  }
});
element.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && event.target.closest('.pq-feedback-form')) {
    event.preventDefault();
    event.target.closest('.pq-feedback').querySelector('[data-feedback-send]').click();
  }
});
// Keep the latest question at the top of the chat box, its answer (however long) flowing below it.
watch('value', () => {
  const asked = element.querySelectorAll('.pq-user');
  const last = asked[asked.length - 1];
  const box = element.closest('#pq-chat');
  if (!last || !box) return;
  box.scrollTop += last.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
});
"""
CONVS_JS = """
element.addEventListener('click', (event) => {
  const remove = event.target.closest('[data-conv-delete]');
  if (remove) { trigger('remove', {conv: remove.dataset.convDelete}); return; }
  const open = event.target.closest('[data-conv]');
  if (open) trigger('pick', {conv: open.dataset.conv});
});
"""
# Gradio's own notices are in English ("Connection errored out", "Connection lost"...): when the server is slow
# or gone, the page says so in Chinese instead, in a banner of its own, and the English toast is removed.
OFFLINE = "无法连接服务器：服务器可能已停止或网络中断。请检查网络后刷新页面；已回答的对话保存在本浏览器中，刷新后仍在。"
PAGE_JS = """
() => {
  const message = %s;
  const banner = () => {
    let b = document.getElementById('pq-offline');
    if (!b) {
      b = document.createElement('div'); b.id = 'pq-offline'; b.className = 'pq-offline'; b.setAttribute('role', 'alert');
      b.textContent = message; document.body.prepend(b);
    }
    const box = document.querySelector('#pq-question textarea');
    if (box && !box.value && window.pqLastAsked) {  // the question that did not reach the server
      box.value = window.pqLastAsked;
      box.dispatchEvent(new Event('input', {bubbles: true}));
    }
    return b;
  };
  const english = /[A-Za-z]{3,}/;
  const sweep = () => {
    document.querySelectorAll('.toast-body, [data-testid="toast-body"]').forEach((toast) => {
      const text = toast.innerText || '';
      if (!english.test(text) || /[\u4e00-\u9fff]/.test(text)) return;  // the page's own notices are Chinese
      if (/connect|network|fetch|lost|error/i.test(text)) banner().hidden = false;
      (toast.closest('.toast-item') || toast).remove();
    });
  };
  new MutationObserver(sweep).observe(document.body, {childList: true, subtree: true});
  window.addEventListener('offline', () => { banner().hidden = false; });
  window.addEventListener('online', () => { const b = document.getElementById('pq-offline'); if (b) b.hidden = true; });
}
""" % json.dumps(OFFLINE, ensure_ascii=False)
# The box is emptied in the browser as the question is sent (not by the server's reply, which could erase the
# next question being typed); the question is kept aside and put back if the server cannot be reached.
CLEAR_JS = """
(question, k, docIds, asOf) => {
  const box = document.querySelector('#pq-question textarea');
  if (box && question && question.trim()) {
    window.pqLastAsked = question;
    box.value = '';
    box.dispatchEvent(new Event('input', {bubbles: true}));
  }
  return [question, k, docIds, asOf];
}
"""
PANEL_JS = """
element.addEventListener('click', (event) => {
  const open = event.target.closest('[data-open]');
  if (open) { trigger('open', {clause_id: open.dataset.open}); return; }
  const chip = event.target.closest('[data-clause]');
  if (chip) trigger('cite', {clause_id: chip.dataset.clause, quote: chip.dataset.quote || ''});
});
watch('value', () => {
  if (window.matchMedia('(max-width: 900px)').matches) element.scrollIntoView({behavior: 'smooth', block: 'start'});
});
"""
DOCS_JS = """
element.addEventListener('click', (event) => {
  const doc = event.target.closest('[data-doc]');
  if (doc) trigger('pick', {doc_id: doc.dataset.doc});
});
"""
READER_JS = """
const narrow = () => window.matchMedia('(max-width: 900px)').matches;
const reveal = () => {
  const target = element.querySelector('.pq-target');
  const box = element.closest('#pq-reader');
  if (!target) {
    if (box) box.scrollTop = 0;
    if (narrow() && element.querySelector('.pq-reader-title')) element.scrollIntoView({block: 'start'});
    return;
  }
  let tries = 0;
  const go = () => {
    if (target.offsetParent === null && tries++ < 50) { setTimeout(go, 100); return; }
    target.scrollIntoView({block: 'start'});
  };
  go();
};
reveal();
watch('value', reveal);
"""


STOP_POLL_S = 0.1


async def _unless_stopped(events, turn: Turn):
    """The next event of an answer, computed in a thread; None at its end or as soon as the turn is stopped (the
    thread then finishes on its own and its result is dropped)."""
    work = asyncio.get_running_loop().run_in_executor(None, next, events, None)
    while not turn.stopped:
        done, _ = await asyncio.wait({work}, timeout=STOP_POLL_S)
        if done:
            return work.result()
    work.add_done_callback(lambda f: f.exception())  # a late failure of a stopped answer is not reported
    return None


K_RANGE = (1, 10)  # the slider's bounds, enforced for calls through the UI's API too


def _request_problem(question: object, k: object, doc_ids: object, as_of: object, known: set[str]) -> str | None:
    """The API's input contract, applied to what the page (or a script calling its API) sent; Chinese only."""
    if not isinstance(question, str):
        return "问题应为文本"
    if problem := question_problem(question):
        return problem.chinese
    if isinstance(k, bool) or not isinstance(k, int | float) or k != int(k) or not K_RANGE[0] <= k <= K_RANGE[1]:
        return f"参考条款数量应为 {K_RANGE[0]}–{K_RANGE[1]} 的整数"
    if doc_ids is not None and (not isinstance(doc_ids, list) or not set(doc_ids) <= known):
        return "所选文件不在已加载的文件中"
    if as_of is not None and not isinstance(as_of, str):
        return "日期应为文本，如 2024-01-01"
    try:
        parse_as_of(as_of or None)
    except UserError as exc:
        return render.chinese_part(str(exc))
    return None


def _unchecked(component: gr.components.Component) -> gr.components.Component:
    """``component`` with its value passed to the handler as sent, so :func:`_request_problem` judges it: Gradio's
    own check would print a traceback to the log for every bad value a script sends through the UI's API. (An
    instance attribute, not a subclass: Gradio writes a .pyi stub beside the module of every component subclass.)"""
    component.preprocess = lambda payload: payload
    return component


def build_ui(assistant: Assistant | CurrentAssistant, *, log_questions: bool = False,
             writes: WriteAccess | None = None) -> gr.Blocks:
    """The page; ``log_questions`` (``POLICYQA_LOG_QUESTIONS``) lets a failed question's text into the log;
    👍/👎 go to :func:`~policyqa.assistant.feedback.feedback_dir` (``POLICYQA_FEEDBACK_DIR``). A
    :class:`CurrentAssistant` is followed as the index folder's generations change; with ``writes`` allowing it the
    page has the 「文件管理」 tab (ui/documents_admin.py)."""

    known: dict[tuple, tuple] = {}

    def catalogue() -> tuple[list[dict], dict[str, dict], dict[str, str]]:
        """The documents of the generation in service, by doc_id, and their titles; worked out once per generation
        and day (a document's status is today's), not at every question."""
        index = assistant.index
        key = (getattr(index, "generation", None), id(index), date.today())
        if key not in known:
            docs = assistant.documents()
            known.clear()  # the previous generation's (holding no reference to its index)
            known[key] = docs, {d["doc_id"]: d for d in docs}, {d["doc_id"]: d["title"] for d in docs}
        return known[key]

    docs, _, _ = catalogue()
    sessions = Sessions()
    exports = Path(tempfile.mkdtemp(prefix="policyqa-ui-"))

    def conversations(request: gr.Request) -> Conversations:
        return sessions.get(getattr(request, "session_hash", None) or "")

    def export_file(convs: Conversations, request: gr.Request):
        """The active conversation as a Markdown file for the 「导出对话」 button (inactive while empty)."""
        turns = [t for t in convs.current.turns if not t.queued and not t.running]
        if not turns:
            return gr.DownloadButton(value=None, interactive=False)
        folder = exports / hashlib.sha256((getattr(request, "session_hash", "") or "").encode()).hexdigest()[:16]
        folder.mkdir(exist_ok=True)
        path = folder / EXPORT_NAME
        tmp = path.with_suffix(".tmp")
        tmp.write_text(conversation_markdown(turns), encoding="utf-8")
        tmp.replace(path)
        return gr.DownloadButton(value=str(path), interactive=True)

    def lists(convs: Conversations) -> str:
        return render.conversations_html([(c.id, c.title, len(c.turns)) for c in convs.items], convs.active)

    def status(convs: Conversations) -> str:
        return render.status_html(convs.busy() is not None, convs.queued_count())

    def everything(convs: Conversations, request: gr.Request) -> tuple:
        """chat, conversation list, status, browser store, export button: after any change."""
        return (render.chat_html(convs.current.turns), lists(convs), status(convs), convs.to_store(),
                export_file(convs, request))

    async def enqueue(question: str, k: float, doc_ids: list[str] | None, as_of: str | None, request: gr.Request):
        """Put the question at the end of the queue (answered by :func:`answer_next`). A coroutine that never
        awaits: run on the event loop, the submissions are taken one at a time in the order they came."""
        convs = conversations(request)
        if isinstance(question, str) and not question.strip():
            return gr.skip(), gr.skip(), gr.skip()
        _, doc_meta, titles = catalogue()
        with convs.lock:
            if problem := _request_problem(question, k, doc_ids, as_of, set(doc_meta)):
                shown = question[:MAX_QUESTION_CHARS] if isinstance(question, str) else ""
                turn = Turn(printable(shown).strip() or "（无效问题）", error=problem)
            else:
                chosen = list(doc_ids or []) or None
                turn = Turn(question.strip(), doc_ids=chosen, k=int(k), queued=True,
                            doc_titles=[titles[d] for d in chosen or []], as_of=parse_as_of(as_of or None))
            convs.current.turns.append(turn)
            return render.chat_html(convs.current.turns), lists(convs), status(convs)

    def claim(convs: Conversations):
        """The oldest waiting question, marked as being answered; None when there is none or one is running."""
        with convs.lock:
            found = convs.next_queued()
            if found is None or convs.busy() is not None:
                return None
            conversation, turn = found
            turn.queued, turn.running = False, True
            return turn, conversation.history(turn)

    async def answer_next(request: gr.Request):
        """Answer the waiting questions one after another, each with its conversation's history, streaming
        into the chat. A question put in the queue meanwhile is taken by the loop already running. Every handler
        that changes the chat runs on the event loop (only the answering itself runs in a thread), so the chat
        changes in one order; a loop that finds another answering draws nothing (see the end)."""
        convs = conversations(request)
        claimed_any = False
        while claimed := claim(convs):
            claimed_any = True
            turn, history = claimed
            try:  # however the loop ends from here (a closed page closes it at a yield), the turn stops running
                yield render.chat_html(convs.current.turns), gr.skip(), status(convs), gr.skip(), gr.skip()
                events = assistant.ask_stream(turn.question, k=turn.k, doc_ids=turn.doc_ids, explain=True,
                                              history=history, as_of=turn.as_of)
                while (item := await _unless_stopped(events, turn)) is not None:
                    kind, payload = item
                    if kind == "citations":
                        turn.citations = list(payload)
                    elif kind == "delta":
                        turn.text += payload
                        yield render.chat_html(convs.current.turns), gr.skip(), gr.skip(), gr.skip(), gr.skip()
                    elif kind == "done":
                        turn.answer = payload
            except UserError as exc:
                turn.error = render.chinese_part(str(exc))
            except Exception:  # the page must answer something; the traceback goes to the server log
                if log_questions:
                    log.exception("answering %r failed", turn.question)
                else:  # the question may be personal: its length only, unless the operator turns logging on
                    log.exception("answering a question of %d characters failed", len(turn.question))
                turn.error = FAILED
            finally:
                turn.running = False
            yield everything(convs, request)
            if turn.stopped:
                return
        if not claimed_any:
            # Another loop is answering: it draws the chat after every answer, and a drawing from here, made now but
            # sent after some thread hops, could reach the page after that loop's last one and leave it stale.
            with convs.lock:
                answering = convs.busy() is not None
            # Else e.g. the questions it was started for were stopped meanwhile: draw them as they are.
            yield (gr.skip(),) * 5 if answering else everything(convs, request)

    async def stop(request: gr.Request):
        """「停止」: the answer being written and the questions waiting are dropped. The chat is redrawn by the
        answering loop itself (within :data:`STOP_POLL_S`): Gradio draws a still running event's last output over
        any other event's, so the stop's own output leaves the chat alone."""
        convs = conversations(request)
        with convs.lock:
            for conversation in convs.items:
                for turn in conversation.turns:
                    if turn.running or turn.queued:
                        turn.stopped, turn.running, turn.queued = True, False, False
            return everything(convs, request)[1:]

    async def restore(store: object, request: gr.Request):
        """The conversations this browser kept, on page load."""
        convs = conversations(request)
        with convs.lock:
            convs.restore(Conversations.from_store(store))
            return (*everything(convs, request), render.panel_empty_html())

    async def new_conversation(request: gr.Request):
        convs = conversations(request)
        with convs.lock:
            convs.start()
            return (*everything(convs, request), render.panel_empty_html())

    async def pick_conversation(request: gr.Request, evt: gr.EventData):
        convs = conversations(request)
        with convs.lock:
            if not convs.switch(str(getattr(evt, "conv", ""))):
                return (gr.skip(),) * 6
            return (*everything(convs, request), render.panel_empty_html())

    async def remove_conversation(request: gr.Request, evt: gr.EventData):
        convs = conversations(request)
        with convs.lock:
            convs.remove(str(getattr(evt, "conv", "")))
            return (*everything(convs, request), render.panel_empty_html())

    async def give_feedback(request: gr.Request, evt: gr.EventData):
        """👍/👎 with the comment: one line in the feedback log; the answer then says it was recorded."""
        convs = conversations(request)
        turns = convs.current.turns
        index, verdict = getattr(evt, "turn", None), getattr(evt, "verdict", None)
        comment = getattr(evt, "comment", "")
        if (not isinstance(index, int) or not 0 <= index < len(turns) or turns[index].answer is None
                or verdict not in ("up", "down") or not isinstance(comment, str)):
            return gr.skip(), gr.skip()
        turn = turns[index]
        earlier = [t.answer.question for t in turns[:index] if t.answer is not None]
        try:
            record_feedback(FeedbackRecord.of(turn.answer, verdict, printable(comment), earlier))
        except UserError:
            log.exception("feedback not saved")
            gr.Warning(FEEDBACK_FAILED)
            return gr.skip(), gr.skip()
        turn.feedback = verdict
        return render.chat_html(turns), convs.to_store()

    def forget(request: gr.Request) -> None:
        sessions.drop(getattr(request, "session_hash", None) or "")

    def show_filter(doc_ids: list[str] | None) -> str:
        titles = catalogue()[2]
        chosen = [titles[d] for d in doc_ids or [] if d in titles] if isinstance(doc_ids, list) else []
        return render.filter_note_html(chosen)

    async def respond_example(k: float, doc_ids: list[str] | None, as_of: str | None, request: gr.Request,
                              evt: gr.EventData):
        return await enqueue(getattr(evt, "question", ""), k, doc_ids, as_of, request)

    def show_clause(evt: gr.EventData) -> str:
        try:
            clause = assistant.clause(getattr(evt, "clause_id", ""))
        except UserError as exc:
            return render.panel_error_html(str(exc))
        _, doc_meta, titles = catalogue()
        doc = doc_meta.get(clause.doc_id, {})
        return render.clause_html(clause, doc, getattr(evt, "quote", "") or None, titles)

    def open_document(evt: gr.EventData):
        try:
            clause = assistant.clause(getattr(evt, "clause_id", ""))
            doc = assistant.document(clause.doc_id)
        except UserError:
            return gr.skip(), gr.skip(), gr.skip()
        return (gr.Tabs(selected="docs"), render.documents_html(catalogue()[0], active=clause.doc_id),
                render.reader_html(doc, target=clause.clause_id))

    def pick_document(evt: gr.EventData):
        try:
            doc = assistant.document(getattr(evt, "doc_id", ""))
        except UserError:
            return gr.skip(), gr.skip()
        return render.documents_html(catalogue()[0], active=doc["doc_id"]), render.reader_html(doc)

    def header_html() -> str:
        docs = catalogue()[0]
        return (f'<header class="pq-header"><h1>{TITLE}</h1><p>已加载 {len(docs)} 份政策文件、'
                f'{sum(d.get("clause_count", 0) for d in docs)} 个条款；回答均摘自原文并注明出处</p></header>')

    def redraw_documents() -> tuple:
        """After a write: the header's counts, the document browser and the filter's choices."""
        docs = catalogue()[0]
        return (header_html(), render.documents_html(docs),
                gr.CheckboxGroup(choices=[(short_title(d["title"]), d["doc_id"]) for d in docs]))

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        store = gr.BrowserState(None, storage_key=STORE_KEY, secret=STORE_SECRET)
        header = gr.HTML(header_html(), js_on_load=None)
        with gr.Tabs(selected="chat") as tabs:
            with gr.Tab("问答", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=340):
                    with gr.Row(elem_id="pq-conv-bar"):
                        new = gr.Button("＋ 新对话", size="sm", scale=0, min_width=96, elem_id="pq-new")
                        conv_list = gr.HTML(render.conversations_html([], ""), js_on_load=CONVS_JS,
                                            elem_id="pq-conv-list")
                    chat = gr.HTML(render.chat_html([]), js_on_load=CHAT_JS, elem_id="pq-chat",
                                   autoscroll=False, min_height=320, max_height="calc(100vh - 340px)")
                    question = gr.Textbox(label="问题", show_label=False, placeholder="请输入问题，按回车提问",
                                          lines=1, max_lines=4, submit_btn="提问", autofocus=True,
                                          elem_id="pq-question")
                    with gr.Row(elem_id="pq-actions"):
                        busy = gr.HTML(render.status_html(False, 0), elem_id="pq-status")
                        stop_button = gr.Button("停止", size="sm", scale=0, min_width=80, variant="stop",
                                                elem_id="pq-stop")
                        export = gr.DownloadButton("导出对话", size="sm", scale=0, min_width=100,
                                                   interactive=False, elem_id="pq-export")
                    filter_note = gr.HTML("", elem_id="pq-filter-note")
                    with gr.Accordion("检索设置", open=False):
                        k = _unchecked(gr.Slider(*K_RANGE, value=5, step=1, label="参考条款数量",
                                                 info="每次回答最多参考的条款数"))
                        doc_ids = _unchecked(gr.CheckboxGroup(
                            [(short_title(d["title"]), d["doc_id"]) for d in docs],
                            label="只在这些文件中查找", info="不选则在全部文件中查找"))
                        as_of = _unchecked(gr.Textbox(label="按此日期的效力", placeholder="YYYY-MM-DD，留空为今天",
                                                      info="按该日有效的文件版本回答，引用当时未施行或已废止的文件会注明",
                                                      max_lines=1, elem_id="pq-as-of"))
                with gr.Column(scale=2, min_width=300, elem_id="pq-side"):
                    panel = gr.HTML(render.panel_empty_html(), js_on_load=PANEL_JS, elem_id="pq-panel")
            with gr.Tab("文件浏览", id="docs"), gr.Row(equal_height=False):
                with gr.Column(scale=1, min_width=260):
                    doc_list = gr.HTML(render.documents_html(docs), js_on_load=DOCS_JS, elem_id="pq-doc-list")
                with gr.Column(scale=3, min_width=320):
                    reader = gr.HTML(render.reader_empty_html(), js_on_load=READER_JS, elem_id="pq-reader")
            eligibility_tab(assistant, show_clause)  # hook: the 「资格自查」 tab (ui/eligibility.py)
            written = (documents_admin_tab(assistant.holder, writes, lambda: catalogue()[0])
                       if writes is not None and isinstance(assistant, CurrentAssistant) else None)

        quiet = {"show_progress": "hidden"}
        after = [chat, conv_list, busy, store, export]
        # A question asked while another is answered waits in the queue: enqueue takes every submission at
        # once, in the order sent; answer_next then answers the waiting questions in order (one loop per page).
        asked = question.submit(enqueue, [question, k, doc_ids, as_of], [chat, conv_list, busy], js=CLEAR_JS,
                                trigger_mode="multiple", concurrency_limit=None, **quiet)
        asked.then(answer_next, None, after, trigger_mode="multiple", concurrency_limit=2,
                   concurrency_id="answer", **quiet)
        clicked = chat.example(respond_example, [k, doc_ids, as_of], [chat, conv_list, busy],
                               trigger_mode="multiple", concurrency_limit=None, **quiet)
        clicked.then(answer_next, None, after, trigger_mode="multiple", concurrency_limit=2, concurrency_id="answer",
                     **quiet)
        # Not Gradio's cancels=: a cancelled event's last output can reach the page after the stop's and draw the
        # stopped answer as running again. The answer being computed finishes in its thread and is dropped.
        stop_button.click(stop, None, after[1:], concurrency_limit=None, **quiet)
        chat.feedback(give_feedback, None, [chat, store], concurrency_limit=None, **quiet)
        chat.cite(show_clause, None, panel, **quiet)
        panel.cite(show_clause, None, panel, **quiet)
        panel.open(open_document, None, [tabs, doc_list, reader], **quiet)
        doc_list.pick(pick_document, None, [doc_list, reader], **quiet)
        doc_ids.change(show_filter, doc_ids, filter_note, **quiet)
        switched = [*after, panel]
        new.click(new_conversation, None, switched, **quiet)
        conv_list.pick(pick_conversation, None, switched, **quiet)
        conv_list.remove(remove_conversation, None, switched, **quiet)
        demo.load(restore, store, switched, **quiet)
        if isinstance(assistant, CurrentAssistant):  # the documents of the generation in service, as it changes
            demo.load(redraw_documents, None, [header, doc_list, doc_ids], **quiet)
            if written is not None:
                written.change(redraw_documents, None, [header, doc_list, doc_ids], **quiet)
        demo.unload(forget)
    return demo


# Passed to launch() and mount_gradio_app() alike: in Gradio 6 these belong to the server, not the Blocks.
def _look() -> dict:
    return {"theme": theme(), "css": CSS, "footer_links": [], "js": PAGE_JS}


def _key_login(api_key: str | None) -> dict:
    """With ``POLICYQA_API_KEY`` set, the page asks for the key (any user name) like the API does."""
    if not api_key:
        return {}
    return {"auth": lambda _user, password: secrets.compare_digest(password.encode(), api_key.encode()),
            "auth_message": "请输入 API 密钥（用户名任意） Enter the API key (any user name)"}


def mount_ui(fastapi_app, assistant: Assistant | CurrentAssistant, path: str = "/ui"):
    """Serve the UI inside an existing FastAPI app (one process for API and page), behind the app's API key, with
    the app's write rule for the 「文件管理」 tab."""
    settings = getattr(fastapi_app.state, "settings", None)  # set by assistant.api.create_app
    key = settings.api_key_value if settings is not None else None
    log_questions = settings.log_questions if settings is not None else False
    writes = getattr(fastapi_app.state, "write_access", None)
    demo = build_ui(assistant, log_questions=log_questions, writes=writes)
    app = gr.mount_gradio_app(fastapi_app, demo, path=path, **_look(), **_key_login(key),
                              max_file_size=settings.max_upload_bytes if settings is not None else None)
    for route in app.router.routes:  # an unknown page function is a 404, not Gradio's 500 (ui/unknown_calls.py)
        if isinstance(route, Mount) and route.path == path.rstrip("/"):
            route.app = UnknownUiCalls(route.app, demo)
    return app


def launch(assistant: Assistant | CurrentAssistant, host: str = "127.0.0.1", port: int = 7860,
           api_key: str | None = None, log_questions: bool = False, writes: WriteAccess | None = None,
           max_file_size: int | None = None) -> None:
    """Serve the UI on its own and block until interrupted."""
    demo = build_ui(assistant, log_questions=log_questions, writes=writes)
    demo.launch(server_name=host, server_port=port, share=False, inbrowser=False, quiet=True,
                prevent_thread_lock=True, show_error=False, max_file_size=max_file_size, **_look(),
                **_key_login(api_key), app_kwargs={"middleware": [Middleware(UnknownUiCalls, demo=demo)]})
    print(f"政策问答界面已启动 UI running at http://{host}:{port}/ （按 Ctrl+C 停止 press Ctrl+C to stop）", flush=True)
    demo.block_thread()
