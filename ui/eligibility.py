"""The 「资格自查」 tab: an operator's profile (a form, or a sentence read into the form), the provisions that support
it grouped by kind of support with clickable citations, the ones found not to apply collapsed, and the checklist
exported as Markdown and CSV. It runs the same :class:`~policyqa.assistant.eligibility.EligibilityChecker` as
``policyqa eligibility`` and ``POST /v1/eligibility``.
"""
from __future__ import annotations

import html
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import get_args

import gradio as gr

from policyqa.assistant.eligibility import (VERDICT_NAMES, EligibilityChecker, EligibilityResult, Kind, Profile,
                                            Resident, Service, checklist_csv, checklist_markdown, read_profile)
from policyqa.assistant.service import Assistant
from policyqa.corpus.errors import UserError
from policyqa.corpus.numerals import number_or_none

from . import render

UNSET = "未填"
OWNERSHIP = [UNSET, "公办", "公建民营", "民办"]
NONPROFIT = {UNSET: None, "非营利": True, "营利": False}
INCLUSIVE = {UNSET: None, "普惠": True, "非普惠": False}
RESULT_JS = """
element.addEventListener('click', (event) => {
  const chip = event.target.closest('[data-clause]');
  if (!chip) return;
  element.querySelectorAll('.pq-chip-active').forEach((c) => c.classList.remove('pq-chip-active'));
  chip.classList.add('pq-chip-active');
  trigger('cite', {clause_id: chip.dataset.clause, quote: chip.dataset.quote || ''});
});
"""
# The tab's own look, kept with it (the page's stylesheet belongs to ui/style.py).
STYLE = """<style>
.pq-el-profile { color: var(--body-text-color-subdued); margin: 4px 0 10px; }
.pq-el-group h3 { margin: 14px 0 6px; font-size: 1.05em; }
.pq-el-item { border-left: 3px solid var(--border-color-primary); padding: 4px 10px; margin: 6px 0; }
.pq-el-applies { border-left-color: #2e7d32; } .pq-el-conditional { border-left-color: #ed6c02; }
.pq-el-local_rules { border-left-color: #0277bd; }
.pq-el-verdict { font-weight: 600; margin-right: 6px; }
.pq-el-quote { margin: 4px 0; color: var(--body-text-color); }
.pq-el-condition, .pq-el-check { font-size: .92em; color: var(--body-text-color-subdued); }
.pq-el-na { margin-top: 14px; } .pq-el-error { color: #b71c1c; }
</style>"""
EMPTY = ('<div class="pq-el-empty">填写机构情况（或用一句话描述后点「读取并自查」），点「开始自查」，'
         '列出文件中支持本机构的条款：适用、有条件、见地方细则，每条附原文。</div>')


def _text(value: str) -> str:
    return html.escape(value, quote=False)


def _profile_of(kind, ownership, nonprofit, inclusive, beds, services, residents, region) -> Profile:
    try:
        return Profile(kind=kind, ownership=None if ownership in (None, UNSET) else ownership,
                       nonprofit=NONPROFIT.get(nonprofit), inclusive=INCLUSIVE.get(inclusive),
                       beds=_beds(beds), services=list(services or []),
                       residents=list(residents or []), region=(region or "").strip() or None)
    except (ValueError, TypeError) as exc:
        raise UserError("机构档案有误：请检查机构类型、所在地和床位数") from exc


def _beds(value) -> int | None:
    """The beds field: empty is not said; 80 or 八十 is a number; anything else is refused."""
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    beds = number_or_none(text)
    if beds is None:
        raise UserError("床位数应为整数，如 80 (beds must be a whole number)")
    return beds


def _form_values(profile: Profile) -> tuple:
    reverse = lambda table, value: next(k for k, v in table.items() if v is value)  # noqa: E731
    return (profile.kind, profile.ownership or UNSET, reverse(NONPROFIT, profile.nonprofit),
            reverse(INCLUSIVE, profile.inclusive), "" if profile.beds is None else str(profile.beds),
            profile.services, profile.residents,
            profile.region or "")


def result_html(result: EligibilityResult, names: dict[str, tuple[str, str]]) -> str:
    """The provisions grouped by kind of support, each with its verdict, chip, quote, condition and what to check;
    then, collapsed, the provisions found not to apply with the reason. ``names``: clause id → (title, label)."""
    p = result.profile
    read = "、".join(x for x in (p.kind, p.ownership, {True: "非营利", False: "营利"}.get(p.nonprofit, ""),
                                 "普惠" if p.inclusive else "", f"{p.beds}张床位" if p.beds is not None else "",
                                 "、".join(p.services), "、".join(p.residents), p.region or "所在地未填") if x)
    counts = "、".join(f"{VERDICT_NAMES[v]} {n}" for v in VERDICT_NAMES
                       if (n := sum(item.verdict == v for item in result.provisions)))
    out = [f'<div class="pq-el-profile">按此档案核对：{_text(read)}</div>',
           f'<div class="pq-el-summary">列出 {len(result.provisions)} 项（{counts or "无"}），'
           f'经核对不适用 {len(result.not_applicable)} 条</div>']
    if not result.provisions:
        out.append('<div class="pq-el-empty">已加载的文件中没有找到支持本机构的条款。</div>')
    group = None
    for item in result.provisions:
        if item.support != group:
            if group is not None:
                out.append("</section>")
            group = item.support
            out.append(f'<section class="pq-el-group"><h3>{_text(group)}</h3>')
        extra = "".join(f'<div class="pq-el-{cls}"><b>{name}：</b>{_text(value)}</div>'
                        for cls, name, value in (("condition", "条件", item.condition), ("check", "核对", item.check))
                        if value)
        out.append(f'<div class="pq-el-item pq-el-{item.verdict}"><span class="pq-el-verdict">'
                   f'{VERDICT_NAMES[item.verdict]}</span>{render.chip(item.clause_id, item.doc_title, item.label, item.quote)}'
                   f'<blockquote class="pq-el-quote">「{_text(item.quote)}」</blockquote>{extra}</div>')
    if group is not None:
        out.append("</section>")
    if result.not_applicable:
        rows = "".join(f'<li>{render.chip(n.clause_id, *names[n.clause_id])}{_text(n.reason)}</li>'
                       for n in result.not_applicable)
        out.append(f'<details class="pq-el-na"><summary>经核对不适用（{len(result.not_applicable)} 条）</summary>'
                   f'<ul>{rows}</ul></details>')
    return f'{STYLE}<div class="pq-el-result">{"".join(out)}</div>'


def _write_exports(result: EligibilityResult) -> tuple[str, str]:
    folder = Path(tempfile.mkdtemp(prefix="policyqa-checklist-"))
    md, table = folder / "资格自查清单.md", folder / "资格自查清单.csv"
    md.write_text(checklist_markdown(result), encoding="utf-8")
    table.write_text(checklist_csv(result), encoding="utf-8-sig")  # BOM: spreadsheets read it as UTF-8
    return str(md), str(table)


def eligibility_tab(assistant: Assistant, show_clause: Callable[[gr.EventData], str]) -> None:
    """Build the tab inside the caller's ``gr.Tabs``; ``show_clause`` renders a clicked citation."""

    names = {c.clause_id: (c.doc_title, c.label) for c in assistant.index.clauses}

    def run(*form):
        try:
            profile = _profile_of(*form)
            result = EligibilityChecker.for_index(assistant.index).check(profile)
        except UserError as exc:
            return (f'{STYLE}<div class="pq-el-error">{_text(render.chinese_part(str(exc)))}</div>',
                    gr.update(value=None, interactive=False), gr.update(value=None, interactive=False))
        md, table = _write_exports(result)
        return result_html(result, names), gr.update(value=md, interactive=True), gr.update(value=table, interactive=True)

    def read_and_run(text: str):
        try:
            profile = read_profile(text)
        except UserError as exc:
            message = f'{STYLE}<div class="pq-el-error">{_text(render.chinese_part(str(exc)))}</div>'
            return (*(gr.skip() for _ in range(8)), message, gr.skip(), gr.skip())
        values = _form_values(profile)
        return (*values, *run(*values))

    with gr.Tab("资格自查", id="eligibility"), gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=340):
            with gr.Row():
                text = gr.Textbox(label="用一句话描述机构", placeholder="如：我们是济南的民办非营利养老院，80张床，收失能老人",
                                  lines=2, max_lines=4, elem_id="pq-el-text", scale=4)
                read = gr.Button("读取并自查", elem_id="pq-el-read", scale=1, min_width=110)
            with gr.Group(elem_id="pq-el-form"):
                with gr.Row():
                    kind = gr.Dropdown(list(get_args(Kind)), value="养老机构", label="机构类型", elem_id="pq-el-kind")
                    region = gr.Textbox(label="所在地（省、市）", placeholder="如：济南、山东省", elem_id="pq-el-region")
                    beds = gr.Textbox(label="床位数", placeholder="不填表示未说", elem_id="pq-el-beds")
                with gr.Row():
                    ownership = gr.Radio(OWNERSHIP, value=UNSET, label="举办性质", elem_id="pq-el-ownership")
                    nonprofit = gr.Radio(list(NONPROFIT), value=UNSET, label="营利性", elem_id="pq-el-nonprofit")
                    inclusive = gr.Radio(list(INCLUSIVE), value=UNSET, label="普惠", elem_id="pq-el-inclusive")
                services = gr.CheckboxGroup(list(get_args(Service)), label="开展的服务", elem_id="pq-el-services")
                residents = gr.CheckboxGroup(list(get_args(Resident)), label="收住或服务的对象",
                                             elem_id="pq-el-residents")
            go = gr.Button("开始自查", variant="primary", elem_id="pq-el-run")
            result = gr.HTML(STYLE + EMPTY, js_on_load=RESULT_JS, elem_id="pq-el-result")
            with gr.Row():
                md = gr.DownloadButton("下载自查清单（文本）", interactive=False, elem_id="pq-el-md", size="sm")
                table = gr.DownloadButton("下载自查清单（表格）", interactive=False, elem_id="pq-el-csv", size="sm")
        with gr.Column(scale=2, min_width=300):
            panel = gr.HTML(render.panel_empty_html(), elem_id="pq-el-panel")

    form = [kind, ownership, nonprofit, inclusive, beds, services, residents, region]
    quiet = {"show_progress": "hidden"}
    go.click(run, form, [result, md, table], **quiet)
    read.click(read_and_run, [text], [*form, result, md, table], **quiet)
    text.submit(read_and_run, [text], [*form, result, md, table], **quiet)
    result.cite(show_clause, None, panel, **quiet)
