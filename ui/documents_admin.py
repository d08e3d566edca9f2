"""The 「文件管理」 tab: upload files, see how each splits into clauses before committing, add them, replace or remove
a document, mark one repealed (废止) from a date or clear the mark, and each document's status.

The writes are those of ``POST/PUT/DELETE /v1/documents`` (:func:`~policyqa.assistant.api_documents.apply_write`,
run in-process like the rest of the page) under the same rule (:class:`~policyqa.assistant.api_documents.
WriteAccess`): with ``POLICYQA_ADMIN_KEY`` set the tab asks for it; without it the tab exists only where writes are
allowed (``POLICYQA_ALLOW_WRITES=1`` on a loopback address). After a write the page's own process serves the new
generation at once; :func:`documents_admin_tab` returns a hidden component whose value (the generation) changes
then, for the rest of the page to redraw its document lists.
"""
from __future__ import annotations

import html
import logging
from collections.abc import Callable
from pathlib import Path

import gradio as gr

from policyqa.assistant.api_documents import (ParseReportOut, WriteAccess, WriteResponse, apply_write, preview_paths,
                                              upload_name)
from policyqa.assistant.api_errors import ApiError
from policyqa.assistant.reloading import AssistantHolder
from policyqa.corpus.reading import SUPPORTED_SUFFIXES
from policyqa.index import living

from . import render

log = logging.getLogger(__name__)
SHOWN_LABELS = 12  # clause labels listed in a preview before 「等」
STYLE = """<style>
.pq-adm-report { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px; margin: 8px 0; }
.pq-adm-report h4 { margin: 0 0 4px; font-size: 1em; }
.pq-adm-facts { font-size: .88em; color: var(--body-text-color-subdued); }
.pq-adm-labels { margin: 6px 0 0; padding-left: 1.2em; font-size: .9em; }
.pq-adm-labels li { margin: 1px 0; }
.pq-adm-head { color: var(--body-text-color-subdued); }
.pq-adm-problem, .pq-adm-error { color: #b71c1c; }
.pq-adm-ok { color: #2e7d32; }
.pq-adm-exists { color: #ed6c02; }
.pq-adm-table { width: 100%; border-collapse: collapse; font-size: .92em; }
.pq-adm-table th, .pq-adm-table td { border-bottom: 1px solid var(--border-color-primary); padding: 4px 6px;
  text-align: left; vertical-align: top; }
</style>"""
# 「删除」 asks the browser to confirm first; a refusal sends nothing (the doc_id None is ignored).
CONFIRM_REMOVE_JS = """
(key, docId) => {
  if (!docId) return [key, null];
  return window.confirm(`确定删除文件「${docId}」吗？删除后将不再据此回答。`) ? [key, docId] : [key, null];
}
"""


def _text(value: object) -> str:
    return html.escape(str(value), quote=False)


def _message(kind: str, text: str) -> str:
    return f'{STYLE}<div class="pq-adm-{kind}" role="status">{_text(text)}</div>'


def _error(exc: ApiError) -> str:
    return _message("error", render.chinese_part(exc.message))


def _head(label: str, head: str) -> str:
    """A clause's first characters after its label (「第一条　为了…」 → 「为了…」), on one line."""
    head = head.strip()
    if head.startswith(label):
        head = head[len(label):].lstrip("　 、.．")
    return " ".join(head.split())


def report_html(report: ParseReportOut) -> str:
    """One file's preview: its doc_id, title, 发文字号, date, clause count, the labels with each clause's start,
    and the parser's problems."""
    facts = " · ".join(x for x in (f"文件编号 {report.doc_id}", report.doc_number, report.date,
                                   f"{report.clauses} 个条款") if x)
    heads = report.heads or [""] * len(report.labels)
    items = [f'<li>{_text(label)}<span class="pq-adm-head">　{_text(_head(label, head))}</span></li>'
             for label, head in zip(report.labels[:SHOWN_LABELS], heads[:SHOWN_LABELS])]
    if len(report.labels) > SHOWN_LABELS:
        items.append(f"<li>等，共 {len(report.labels)} 条</li>")
    notes = []
    if report.loaded:
        notes.append('<div class="pq-adm-exists">已有同编号的文件：添加会被拒绝，请在下方「替换」。</div>')
    notes += [f'<div class="pq-adm-problem">切分问题：{_text(p)}</div>' for p in report.problems]
    if not report.problems:
        notes.append('<div class="pq-adm-ok">切分检查通过：原文文字无遗漏、无重复。</div>')
    return (f'<div class="pq-adm-report" data-doc-id="{html.escape(report.doc_id)}"><h4>{_text(report.title)}'
            f'（{_text(report.file)}）</h4><div class="pq-adm-facts">{_text(facts)}</div>'
            f'<ol class="pq-adm-labels">{"".join(items)}</ol>{"".join(notes)}</div>')


def written_html(result: WriteResponse, verb: str, titles: dict[str, str], subject: str | None = None) -> str:
    """What a write did; ``titles``: the documents' titles before it (a removed one is named by its title);
    ``subject``: the doc_id a status change was about."""
    done = ("、".join(f"{r.title}（{r.clauses} 个条款）" for r in result.documents)
            or "、".join(titles.get(d, d) for d in result.removed or [subject or ""]))
    return (f'{STYLE}<div class="pq-adm-ok" role="status">已{verb}：{_text(done)}。现为索引版本 {_text(result.generation)}，'
            f'共 {result.document_count} 份文件、{result.clause_count} 个条款；新计算向量 {result.embedded} 条，'
            f'沿用 {result.reused} 条，用时 {result.seconds:.1f} 秒。</div>')


def _status_cell(doc: dict) -> str:
    """A document's status today: its validity (现行有效, 已被修订 …, with the warning naming the version in force
    and the number of loaded versions), or the front matter's status where the index records no validity."""
    validity = doc.get("validity")
    if not isinstance(validity, dict):
        return _text(doc.get("status") or "—")
    cell = _text(validity.get("status") or "—")
    if validity.get("repealed"):
        by = "（用户标记）" if validity.get("repealed_by") == "user" else ""
        cell += f'<div class="pq-adm-facts">{_text(validity["repealed"])} 废止{by}</div>'
    if len(validity.get("versions") or []) > 1:
        cell += f'<div class="pq-adm-facts">已加载 {len(validity["versions"])} 个版本</div>'
    if validity.get("warning"):
        cell += f'<div class="pq-adm-exists">{_text(validity["warning"])}</div>'
    return cell


def documents_table_html(docs: list[dict]) -> str:
    """Every loaded document: doc_id, title, 发文字号, date, 施行 date, clauses, status."""
    def effective(d: dict) -> str:
        return (d.get("validity") or {}).get("effective") or "—" if isinstance(d.get("validity"), dict) else "—"

    rows = "".join(
        f'<tr data-doc-id="{html.escape(d["doc_id"])}"><td>{_text(d["doc_id"])}</td><td>{_text(d["title"])}</td>'
        f'<td>{_text(d.get("doc_number") or "—")}</td><td>{_text(d.get("date") or "—")}</td>'
        f'<td>{_text(effective(d))}</td><td>{d.get("clause_count", 0)}</td><td>{_status_cell(d)}</td></tr>'
        for d in docs)
    return (f'{STYLE}<table class="pq-adm-table"><thead><tr><th>文件编号</th><th>标题</th><th>发文字号</th><th>日期</th>'
            f'<th>施行日期</th><th>条款数</th><th>状态</th></tr></thead><tbody>{rows}</tbody></table>')


def _paths(files: object) -> list[Path]:
    """The uploaded files (Gradio keeps them under their own names), each name checked as the API checks it."""
    items = files if isinstance(files, list) else [files] if files else []
    paths = [Path(f if isinstance(f, str) else getattr(f, "name", "")) for f in items]
    for path in paths:
        upload_name(path.name)
    return paths


def documents_admin_tab(holder: AssistantHolder, access: WriteAccess,
                        documents: Callable[[], list[dict]]) -> gr.Textbox | None:
    """Build the tab inside the caller's ``gr.Tabs`` (nothing when writes are off or the index folder is not
    known); returns the hidden component holding the generation, which changes after each write."""
    if access.mode == "off" or holder.index_dir is None:
        return None
    index_dir = holder.index_dir

    def allowed(key: str | None, request: gr.Request) -> ApiError | None:
        client = getattr(getattr(request, "client", None), "host", "") or ""
        refusal = access.check(key or None, client=client)
        if refusal is not None and refusal.status == 401:
            access.failed(client)
        return refusal

    def listing() -> tuple:
        docs = documents()
        return documents_table_html(docs), gr.Dropdown(choices=[(f"{d['title']}（{d['doc_id']}）", d["doc_id"])
                                                                for d in docs], value=None)

    def preview(files, key: str, request: gr.Request) -> str:
        if refusal := allowed(key, request):
            return _error(refusal)
        try:
            paths = _paths(files)
            if not paths:
                return _message("error", "请先选择要上传的文件。")
            reports = preview_paths(paths, {d["doc_id"] for d in documents()})
        except ApiError as exc:
            return _error(exc)
        return STYLE + "".join(report_html(r) for r in reports)

    def refused(message: str) -> tuple:
        return (message, gr.skip(), gr.skip(), gr.skip(), gr.skip())

    def write(key: str, request: gr.Request, verb: str, call, *args) -> tuple:
        """message, table, document choice, generation, and None for the file input (emptied once written).
        ``args[0]`` names the document for a status change."""
        if refusal := allowed(key, request):
            return refused(_error(refusal))
        titles = {d["doc_id"]: d["title"] for d in documents()}
        try:
            result = apply_write(holder, call, index_dir, *args)
        except ApiError as exc:
            return refused(_error(exc))
        subject = args[0] if isinstance(args[0], str) else None
        return (written_html(result, verb, titles, subject), *listing(), result.generation, None)

    def add(files, key: str, request: gr.Request) -> tuple:
        try:
            paths = _paths(files)
        except ApiError as exc:
            return refused(_error(exc))
        if not paths:
            return refused(_message("error", "请先选择要上传的文件。"))
        return write(key, request, "添加", living.add_documents, paths)

    def replace(key: str, doc_id: str | None, file, request: gr.Request) -> tuple:
        try:
            paths = _paths(file)
        except ApiError as exc:
            return refused(_error(exc))
        if not doc_id or not paths:
            return refused(_message("error", "请选择要替换的文件，并上传新文本。"))
        return write(key, request, "替换", living.replace_document, doc_id, paths[0])

    def remove(key: str, doc_id: str | None, request: gr.Request) -> tuple:
        if not doc_id:  # none chosen, or the browser's confirmation declined
            return (gr.skip(),) * 4
        return write(key, request, "删除", living.remove_documents, [doc_id])[:4]

    def repeal(key: str, doc_id: str | None, on: str, request: gr.Request) -> tuple:
        if not doc_id or not (on or "").strip():
            return refused(_message("error", "请选择文件，并填写废止日期（YYYY-MM-DD）。"))[:4]
        return write(key, request, f"标记自 {on.strip()} 起废止", living.set_document_status, doc_id, on.strip())[:4]

    def unrepeal(key: str, doc_id: str | None, request: gr.Request) -> tuple:
        if not doc_id:
            return refused(_message("error", "请先选择文件。"))[:4]
        return write(key, request, "取消废止标记", living.set_document_status, doc_id, None)[:4]

    kinds = list(SUPPORTED_SUFFIXES)
    with gr.Tab("文件管理", id="admin") as tab:
        if access.page_asks_key:
            which = "管理密钥（POLICYQA_ADMIN_KEY）" if access.admin is not None else "API 密钥（POLICYQA_API_KEY）"
            key = gr.Textbox(label=which.split("（")[0], type="password", placeholder=f"请输入{which}",
                             elem_id="pq-adm-key")
        else:
            key = gr.Textbox(value="", visible=False)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=340):
                gr.Markdown("### 上传文件\n可一次选择多个文件（.txt、.md、.html、.docx、.pdf）；文件名去掉后缀即文件编号。"
                            "先「预览切分」查看每份文件切分出的条款，确认无误后「添加到索引」。")
                files = gr.File(label="选择文件", file_count="multiple", file_types=kinds, elem_id="pq-adm-files")
                with gr.Row():
                    show = gr.Button("预览切分", elem_id="pq-adm-preview")
                    commit = gr.Button("添加到索引", variant="primary", elem_id="pq-adm-add")
                shown = gr.HTML(STYLE, elem_id="pq-adm-report")
            with gr.Column(scale=2, min_width=300):
                gr.Markdown("### 替换或删除")
                chosen = gr.Dropdown(label="选择文件", choices=[], elem_id="pq-adm-doc")
                new_text = gr.File(label="新文本（替换时上传）", file_count="single", file_types=kinds,
                                   elem_id="pq-adm-new")
                with gr.Row():
                    swap = gr.Button("替换", elem_id="pq-adm-replace")
                    drop = gr.Button("删除", variant="stop", elem_id="pq-adm-remove")
                repeal_on = gr.Textbox(label="废止日期", placeholder="YYYY-MM-DD，如 2025-01-01", max_lines=1,
                                       info="用户标记：自该日起按已废止处理，回答引用时提示", elem_id="pq-adm-repeal-date")
                with gr.Row():
                    mark = gr.Button("标记废止", elem_id="pq-adm-repeal")
                    unmark = gr.Button("取消废止标记", elem_id="pq-adm-unrepeal")
                status = gr.HTML(STYLE, elem_id="pq-adm-status")
        gr.Markdown("### 已加载的文件")
        table = gr.HTML(documents_table_html([]), elem_id="pq-adm-table")
        generation = gr.Textbox(value=str(holder.generation or ""), visible=False)

    quiet = {"show_progress": "minimal"}
    one_writer = {"concurrency_limit": 1, "concurrency_id": "admin-write", **quiet}
    show.click(preview, [files, key], shown, **quiet)
    commit.click(add, [files, key], [shown, table, chosen, generation, files], **one_writer)  # the result replaces the preview
    swap.click(replace, [key, chosen, new_text], [status, table, chosen, generation, new_text], **one_writer)
    drop.click(remove, [key, chosen], [status, table, chosen, generation], js=CONFIRM_REMOVE_JS, **one_writer)
    mark.click(repeal, [key, chosen, repeal_on], [status, table, chosen, generation], **one_writer)
    unmark.click(unrepeal, [key, chosen], [status, table, chosen, generation], **one_writer)
    # The list as the generation in service has it, whenever the tab is opened (another process may have written).
    tab.select(listing, None, [table, chosen], **quiet)
    return generation
