"""The Chinese web UI: chat with clickable citations, the clause panel, the document browser.

:func:`build_ui` wires one :class:`~assistant.service.Assistant` into a ``gr.Blocks``; the same
object serves ``policyqa ui`` (:func:`launch`) and the API server (:func:`mount_ui`), so the page
and the API always give the same answers.
"""
from __future__ import annotations

import logging
import os
import secrets

import gradio as gr

from policyqa.assistant.api_input import MAX_QUESTION_CHARS, printable, question_problem
from policyqa.assistant.service import Assistant
from policyqa.corpus.errors import UserError
from policyqa.corpus.titles import short_title

from . import render
from .render import Turn
from .eligibility import eligibility_tab
from .style import CSS, theme

# Gradio reads this at each telemetry call; the page must not reach the network.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
log = logging.getLogger(__name__)
TITLE = "政策问答"
FAILED = "系统出错，未能回答这个问题，请稍后再试。"

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
// Keep the latest question at the top of the chat box, its answer (however long) flowing below it.
watch('value', () => {
  const asked = element.querySelectorAll('.pq-user');
  const last = asked[asked.length - 1];
  const box = element.closest('#pq-chat');
  if (!last || !box) return;
  box.scrollTop += last.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
});
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


K_RANGE = (1, 10)  # the slider's bounds, enforced for calls through the UI's API too


def _request_problem(question: object, k: object, doc_ids: object, known: set[str]) -> str | None:
    """The API's input contract, applied to what the page (or a script calling its API) sent; Chinese only."""
    if not isinstance(question, str):
        return "问题应为文本"
    if problem := question_problem(question):
        return problem.chinese
    if isinstance(k, bool) or not isinstance(k, int | float) or k != int(k) or not K_RANGE[0] <= k <= K_RANGE[1]:
        return f"参考条款数量应为 {K_RANGE[0]}–{K_RANGE[1]} 的整数"
    if doc_ids is not None and (not isinstance(doc_ids, list) or not set(doc_ids) <= known):
        return "所选文件不在已加载的文件中"
    return None


def _unchecked(component: gr.components.Component) -> gr.components.Component:
    """``component`` with its value passed to the handler as sent, so :func:`_request_problem` judges it: Gradio's
    own check would print a traceback to the log for every bad value a script sends through the UI's API. (An
    instance attribute, not a subclass: Gradio writes a .pyi stub beside the module of every component subclass.)"""
    component.preprocess = lambda payload: payload
    return component


def build_ui(assistant: Assistant, *, log_questions: bool = False) -> gr.Blocks:
    """The page; ``log_questions`` (``POLICYQA_LOG_QUESTIONS``) lets a failed question's text into the log."""
    docs = assistant.documents()
    doc_meta = {d["doc_id"]: d for d in docs}
    titles = {d["doc_id"]: d["title"] for d in docs}
    clause_count = sum(d.get("clause_count", 0) for d in docs)

    def respond(question: str, turns: list[Turn], k: float, doc_ids: list[str] | None):
        if isinstance(question, str) and not question.strip():
            yield gr.skip(), gr.skip(), gr.skip()
            return
        if problem := _request_problem(question, k, doc_ids, set(doc_meta)):
            shown = question[:MAX_QUESTION_CHARS] if isinstance(question, str) else ""
            turn = Turn(printable(shown).strip() or "（无效问题）")
            turn.error = problem
            yield render.chat_html([*turns, turn]), [*turns, turn], gr.skip()
            return
        question = question.strip()
        turn = Turn(question)
        turns = [*turns, turn]
        yield render.chat_html(turns), turns, ""
        try:
            for kind, payload in assistant.ask_stream(question, k=int(k), doc_ids=list(doc_ids or []) or None,
                                                      explain=True):
                if kind == "citations":
                    turn.citations = list(payload)
                elif kind == "delta":
                    turn.text += payload
                    yield render.chat_html(turns), turns, gr.skip()
                elif kind == "done":
                    turn.answer = payload
        except UserError as exc:
            turn.error = render.chinese_part(str(exc))
        except Exception:  # the page must answer something; the traceback goes to the server log
            if log_questions:
                log.exception("answering %r failed", question)
            else:  # the question may be personal: its length only, unless the operator turns logging on
                log.exception("answering a question of %d characters failed", len(question))
            turn.error = FAILED
        yield render.chat_html(turns), turns, gr.skip()

    def respond_example(turns: list[Turn], k: float, doc_ids: list[str] | None, evt: gr.EventData):
        yield from respond(getattr(evt, "question", ""), turns, k, doc_ids)

    def show_clause(evt: gr.EventData) -> str:
        try:
            clause = assistant.clause(getattr(evt, "clause_id", ""))
        except UserError as exc:
            return render.panel_error_html(str(exc))
        doc = doc_meta.get(clause.doc_id, {})
        return render.clause_html(clause, doc, getattr(evt, "quote", "") or None, titles)

    def open_document(evt: gr.EventData):
        try:
            clause = assistant.clause(getattr(evt, "clause_id", ""))
            doc = assistant.document(clause.doc_id)
        except UserError:
            return gr.skip(), gr.skip(), gr.skip()
        return (gr.Tabs(selected="docs"), render.documents_html(docs, active=clause.doc_id),
                render.reader_html(doc, target=clause.clause_id))

    def pick_document(evt: gr.EventData):
        try:
            doc = assistant.document(getattr(evt, "doc_id", ""))
        except UserError:
            return gr.skip(), gr.skip()
        return render.documents_html(docs, active=doc["doc_id"]), render.reader_html(doc)

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        turns = gr.State([])
        gr.HTML(f'<header class="pq-header"><h1>{TITLE}</h1>'
                f'<p>已加载 {len(docs)} 份政策文件、{clause_count} 个条款；回答均摘自原文并注明出处</p></header>',
                js_on_load=None)
        with gr.Tabs(selected="chat") as tabs:
            with gr.Tab("问答", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=340):
                    chat = gr.HTML(render.chat_html([]), js_on_load=CHAT_JS, elem_id="pq-chat",
                                   autoscroll=False, min_height=320, max_height="calc(100vh - 300px)")
                    question = gr.Textbox(label="问题", show_label=False, placeholder="请输入问题，按回车提问",
                                          lines=1, max_lines=4, submit_btn="提问", autofocus=True,
                                          elem_id="pq-question")
                    with gr.Row():
                        clear = gr.Button("清空对话", size="sm", scale=0, min_width=100)
                    with gr.Accordion("检索设置", open=False):
                        k = _unchecked(gr.Slider(*K_RANGE, value=5, step=1, label="参考条款数量",
                                                 info="每次回答最多参考的条款数"))
                        doc_ids = _unchecked(gr.CheckboxGroup(
                            [(short_title(d["title"]), d["doc_id"]) for d in docs],
                            label="只在这些文件中查找", info="不选则在全部文件中查找"))
                with gr.Column(scale=2, min_width=300, elem_id="pq-side"):
                    panel = gr.HTML(render.panel_empty_html(), js_on_load=PANEL_JS, elem_id="pq-panel")
            with gr.Tab("文件浏览", id="docs"), gr.Row(equal_height=False):
                with gr.Column(scale=1, min_width=260):
                    doc_list = gr.HTML(render.documents_html(docs), js_on_load=DOCS_JS, elem_id="pq-doc-list")
                with gr.Column(scale=3, min_width=320):
                    reader = gr.HTML(render.reader_empty_html(), js_on_load=READER_JS, elem_id="pq-reader")
            eligibility_tab(assistant, show_clause)  # hook: the 「资格自查」 tab (ui/eligibility.py)

        quiet = {"show_progress": "hidden"}
        question.submit(respond, [question, turns, k, doc_ids], [chat, turns, question], **quiet)
        chat.example(respond_example, [turns, k, doc_ids], [chat, turns, question], **quiet)
        chat.cite(show_clause, None, panel, **quiet)
        panel.cite(show_clause, None, panel, **quiet)
        panel.open(open_document, None, [tabs, doc_list, reader], **quiet)
        doc_list.pick(pick_document, None, [doc_list, reader], **quiet)
        clear.click(lambda: (render.chat_html([]), [], render.panel_empty_html()), None, [chat, turns, panel],
                    **quiet)
    return demo


# Passed to launch() and mount_gradio_app() alike: in Gradio 6 these belong to the server, not the Blocks.
def _look() -> dict:
    return {"theme": theme(), "css": CSS, "footer_links": []}


def _key_login(api_key: str | None) -> dict:
    """With ``POLICYQA_API_KEY`` set, the page asks for the key (any user name) like the API does."""
    if not api_key:
        return {}
    return {"auth": lambda _user, password: secrets.compare_digest(password.encode(), api_key.encode()),
            "auth_message": "请输入 API 密钥（用户名任意） Enter the API key (any user name)"}


def mount_ui(fastapi_app, assistant: Assistant, path: str = "/ui"):
    """Serve the UI inside an existing FastAPI app (one process for API and page), behind the app's API key."""
    settings = getattr(fastapi_app.state, "settings", None)  # set by assistant.api.create_app
    key = settings.api_key_value if settings is not None else None
    log_questions = settings.log_questions if settings is not None else False
    return gr.mount_gradio_app(fastapi_app, build_ui(assistant, log_questions=log_questions), path=path, **_look(),
                               **_key_login(key))


def launch(assistant: Assistant, host: str = "127.0.0.1", port: int = 7860, api_key: str | None = None,
           log_questions: bool = False) -> None:
    """Serve the UI on its own and block until interrupted."""
    demo = build_ui(assistant, log_questions=log_questions)
    demo.launch(server_name=host, server_port=port, share=False, inbrowser=False, quiet=True,
                prevent_thread_lock=True, show_error=False, **_look(), **_key_login(api_key))
    print(f"政策问答界面已启动 UI running at http://{host}:{port}/ （按 Ctrl+C 停止 press Ctrl+C to stop）", flush=True)
    demo.block_thread()
