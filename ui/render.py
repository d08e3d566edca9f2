"""HTML fragments of the web UI: the chat log, the clause panel, the document list and reader.

Pure functions from records to HTML strings; every piece of document text is escaped here.
Clickable elements carry ``data-*`` attributes that the components' ``js_on_load`` turn into
events (see :mod:`policyqa.ui.app`): ``data-clause``/``data-quote`` (show a clause), ``data-question``
(ask an example), ``data-open`` (read the document at a clause), ``data-doc`` (open a document).
"""
from __future__ import annotations

import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from html import escape

from policyqa.assistant.models import Answer, Citation, RelatedClause
from policyqa.corpus.models import Clause
from policyqa.corpus.titles import book_title, cite, short_title

SECTION_SEP = " / "
PART_NAMES = {"preamble": "序言", "body": "正文", "closing": "结尾", "annex": "附件"}
MARK_RE = re.compile(r"【[^【】]*】")

EXAMPLES: list[tuple[str, str, list[str]]] = [
    ("查政策", "想知道文件怎么规定", [
        "养老机构的水电气热能按居民价格收费吗？",
        "普惠养老服务有哪些支持政策？",
    ]),
    ("机构办事", "养老、托育机构能不能这样做", [
        "我们想把闲置的商业用房改造成托育点，需要变更土地性质吗？",
        "养老机构内设医疗机构可以有处方权吗？",
    ]),
    ("找责任部门", "哪个部门牵头、哪些部门负责", [
        "家庭托育点管理办法由哪个部门牵头制定？",
        "养老托育用地保障由哪些部门负责？",
    ]),
]


@dataclass
class Turn:
    """One question and what the assistant has said so far."""

    question: str
    text: str = ""
    citations: list[Citation] = field(default_factory=list)
    answer: Answer | None = None
    error: str | None = None
    doc_ids: list[str] | None = None  # the document filter it was asked with
    doc_titles: list[str] = field(default_factory=list)  # … and those documents' titles, shown above the answer
    k: int = 5
    as_of: str | None = None  # the date the documents are read as of (YYYY-MM-DD; None: today)
    queued: bool = False  # waiting for the question before it
    running: bool = False
    stopped: bool = False  # the reader pressed 「停止」
    feedback: str | None = None  # "up" / "down" once given


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _text(value: str) -> str:
    return escape(value, quote=False)


def chip_label(doc_title: str, label: str) -> str:
    """《关于深化养老服务改革发展的意见》（十四）"""
    return f"{book_title(short_title(doc_title))}{label}"


def chip(clause_id: str, doc_title: str, label: str, quote: str | None = None, extra: str = "",
         warned: Citation | RelatedClause | None = None) -> str:
    """A citation chip; ``warned``: a citation of a text not in force, marked with its status (docs/versions.md)."""
    quote_attr = f' data-quote="{_attr(quote)}"' if quote else ""
    classes = f"pq-chip {extra}".strip()
    name = chip_label(doc_title, label)
    status = f"〔{warned.status}〕" if warned is not None and warned.warning else ""
    title = "查看原文：" + name + (f"。注意：{warned.warning}" if status else "")
    return (f'<button type="button" class="{classes}" data-clause="{_attr(clause_id)}"{quote_attr} '
            f'title="{_attr(title)}">{_text(name + status)}</button>')


def answer_body(text: str, citations: list[Citation]) -> str:
    """The answer text with each 【《…》label】 mark replaced by a chip for its citation.

    Marks are matched to citations in order, so two sentences citing the same clause each
    open it with their own quote highlighted. Citations without a mark in the text are
    listed after it.
    """
    pending: dict[str, deque[Citation]] = defaultdict(deque)
    for c in citations:
        pending[cite(c.doc_title, c.label)].append(c)
    used: set[int] = set()
    out, last = [], 0
    for m in MARK_RE.finditer(text):
        out.append(_text(text[last:m.start()]))
        queue = pending.get(m.group(0))
        if queue:
            c = queue.popleft()
            used.add(id(c))
            out.append(chip(c.clause_id, c.doc_title, c.label, c.quote, warned=c))
        else:
            out.append(_text(m.group(0)))
        last = m.end()
    out.append(_text(text[last:]))
    body = f'<div class="pq-text">{"".join(out)}</div>'
    rest = [c for c in citations if id(c) not in used]
    if rest:
        chips = "".join(chip(c.clause_id, c.doc_title, c.label, c.quote, warned=c) for c in rest)
        body += f'<div class="pq-sources"><span class="pq-sources-label">依据</span>{chips}</div>'
    return body


def _related_list(related: list[RelatedClause]) -> str:
    items = []
    for r in related:
        snippet = r.text.replace("\n", " ")
        snippet = snippet[:60] + ("…" if len(snippet) > 60 else "")
        items.append(f'<li>{chip(r.clause_id, r.doc_title, r.label, extra="pq-chip-related", warned=r)}'
                     f'<span class="pq-snippet">{_text(snippet)}</span></li>')
    return "".join(items)


def chinese_part(message: str) -> str:
    """Messages are written "中文 (English)"; the page shows the Chinese part."""
    return message.split(" (", 1)[0]


def _user_warnings(warnings: list[str]) -> str:
    return "".join(f'<div class="pq-warning">注意：{_text(chinese_part(w))}</div>' for w in warnings)


# Features as a reader would name them, for the 「为什么是这条」 panel.
FEATURE_NAMES = {
    "fused": "检索综合得分", "fused_share": "与检索第一名的得分比", "fused_rank": "检索名次", "bm25_z": "关键词匹配",
    "window_z": "语义相近（句段）", "clause_z": "语义相近（全条）", "bm25_rank": "关键词匹配名次",
    "window_rank": "语义相近名次", "coverage": "覆盖问题用词", "heading_coverage": "标题覆盖问题用词",
    "figure_stated": "写明所问数字", "figure_unstated": "未写明所问数字", "who_department": "写明负责部门",
    "who_no_department": "未写明负责部门", "age_held": "年龄段相符", "age_best_fit": "年龄段最贴切",
    "age_not_held": "年龄段不符", "row_plain": "附表行（问的不是数字或部门）", "row_asked": "附表行（问数字或部门）",
    "penalty_article": "规定处罚", "punishes_top_duty": "处罚所问义务的条款", "other_document": "另一份文件",
    "superseded": "已被新版本取代", "preamble": "序言", "closing": "结语", "annex": "附件",
    "things_named": "提到所问事项", "things_missing": "未提到所问事项", "kind_mismatch": "机构类型不符",
    "province_missing": "未涉及所问地方", "place_unasked": "地方性规定（问题未提该地）", "log_length": "条款长度", "top_score": "第一条的排序得分",
    "margin": "领先第二条的幅度", "top_fused_rank": "第一条的检索名次", "top_bm25_rank": "第一条的关键词名次",
    "top_window_rank": "第一条的语义名次", "dense_best": "语义最接近程度", "bm25_share": "与关键词第一名的得分比",
    "window_gap": "与语义第一名的差距", "rare_coverage": "覆盖问题中的少见词", "sentence_coverage": "单句覆盖问题用词",
    "top_rare_coverage": "第一条覆盖少见词", "top_sentence_coverage": "第一条单句覆盖问题用词",
    "coverage_top3": "前三条覆盖问题用词", "top_coverage": "第一条覆盖问题用词",
    "top_figure_unstated": "第一条未写明所问数字", "top_required_figure_unstated": "第一条未写明所问金额或比例", "top_things_missing": "第一条未提到所问事项",
    "top_kind_mismatch": "第一条机构类型不符", "top_province_missing": "第一条未涉及所问地方",
    "unnamed_thing": "所问税种证件等文件中没有", "unloaded_place": "所问地方文件中没有", "asks_figure": "问数字", "figure_required": "必须写明数字",
    "log_terms": "问题用词数", "top_bm25_z": "第一条关键词匹配", "top_window_z": "第一条语义相近",
}
WEAK_MARGIN = 0.1  # an answer whose probability is this close to the refusal threshold is flagged as weak


def _reasons(why: list[dict]) -> str:
    return "、".join(f'{FEATURE_NAMES.get(w["feature"], w["feature"])}（{w["contribution"]:+.2f}）' for w in why)


def why_html(trace: dict | None) -> str:
    """The collapsible 「为什么是这条」 panel: which clause won and why, and why the answer was given or refused."""
    if not trace:
        return ""
    items = []
    if trace.get("lookup"):
        items.append(f'<li>问题直接点名了条款：{_text("、".join(trace["lookup"]))}</li>')
    for position, item in enumerate(trace.get("ranking", [])[:3], 1):
        items.append(f'<li>第{position}名 {_text(item["clause_id"])}（排序得分 {item["score"]:+.2f}，检索第'
                     f'{item["retrieval_rank"]}名）：{_text(_reasons(item["why"]))}</li>')
    if decision := trace.get("decision"):
        verdict = "作答" if decision["answerable"] else "拒答"
        items.append(f'<li>{verdict}：有依据的概率 {decision["probability"]:.2f}，阈值 {decision["threshold"]:.2f}；'
                     f'{_text(_reasons(decision["why"]))}</li>')
    if trace.get("refusal_reason"):
        items.append(f'<li>拒答原因：{_text(chinese_part(trace["refusal_reason"]))}</li>')
    return f'<details class="pq-why"><summary>为什么是这条</summary><ul>{"".join(items)}</ul></details>'


def weak_html(trace: dict | None) -> str:
    """A note when the answer was close to being refused."""
    decision = (trace or {}).get("decision")
    if not decision or not decision["answerable"] or decision["probability"] >= decision["threshold"] + WEAK_MARGIN:
        return ""
    return '<div class="pq-weak">依据较弱：这个回答接近拒答的界限，请核对引用的原文。</div>'


RESOLVED = "按上文理解为："
# 👍/👎 in words: an intranet desktop without an emoji font would show empty boxes.
VERDICTS = {"up": "有用", "down": "有问题"}
SLOW_NOTE = "服务器响应较慢，仍在查找；可以继续等待，或点「停止」。"


def source_name(c: Citation) -> str:
    """《关于深化养老服务改革发展的意见》（国发〔2024〕1号）（十四）"""
    number = f"（{c.doc_number}）" if c.doc_number else ""
    return f"{book_title(c.doc_title)}{number}{c.label}"


def answer_text(answer: Answer) -> str:
    """The answer and, below it, each citation with its quote: what 「复制」 puts on the clipboard."""
    lines = [answer.answer]
    if answer.citations:
        lines += ["", "依据："] + [f"{i}. {source_name(c)}：「{c.quote}」" for i, c in enumerate(answer.citations, 1)]
    return "\n".join(lines)


def filter_note_html(titles: list[str]) -> str:
    """Which documents a question is searched in, when the reader chose some (empty otherwise)."""
    if not titles:
        return ""
    names = "、".join(book_title(short_title(t)) for t in titles)
    return (f'<div class="pq-filter" title="{_attr("、".join(titles))}">仅在所选的 {len(titles)} 份文件中查找：'
            f'{_text(names)}</div>')


def as_of_note_html(as_of: str | None) -> str:
    """The date a question was answered as of, when the reader set one (empty otherwise)."""
    return f'<div class="pq-filter pq-as-of">按 {_text(as_of)} 的效力回答</div>' if as_of else ""


def _resolved(answer: Answer) -> tuple[str, str]:
    """The 「按上文理解为：…」 line (empty when the question stood alone) and the answer text after it."""
    text = answer.answer
    if not answer.resolved_question:
        return "", text
    if text.startswith(RESOLVED):
        text = text.split("\n", 1)[1] if "\n" in text else ""
    return f'<div class="pq-resolved">{_text(RESOLVED + answer.resolved_question)}</div>', text


def _tools(turn: Turn, index: int) -> str:
    """Copy the answer with its citations; 👍/👎 with an optional comment (the form opens on a click)."""
    copy = (f'<button type="button" class="pq-tool" data-copy="{_attr(answer_text(turn.answer))}" '
            f'title="复制回答和引用的原文">复制</button>')
    if turn.feedback:
        given = VERDICTS[turn.feedback]
        verdict = f'<span class="pq-feedback-done">已记录反馈：{given}，谢谢</span>'
    else:
        verdict = (f'<span class="pq-feedback" data-turn="{index}">'
                   f'<button type="button" class="pq-tool" data-verdict="up" title="👍">{VERDICTS["up"]}</button>'
                   f'<button type="button" class="pq-tool" data-verdict="down" title="👎">{VERDICTS["down"]}</button>'
                   '<span class="pq-feedback-form" hidden>'
                   '<input type="text" maxlength="1000" placeholder="补充说明（可不填）" aria-label="补充说明">'
                   '<button type="button" class="pq-tool pq-send" data-feedback-send="1">提交反馈</button>'
                   '</span></span>')
    return f'<div class="pq-tools">{copy}{verdict}</div>'


def _assistant_html(turn: Turn, index: int = 0) -> str:
    note = filter_note_html(turn.doc_titles) + as_of_note_html(turn.as_of)
    if turn.error:
        return f'<div class="pq-msg pq-bot pq-error" role="alert">{note}{_text(turn.error)}</div>'
    answer = turn.answer
    if answer is None:
        if turn.stopped:
            return f'<div class="pq-msg pq-bot pq-stopped">{note}已停止回答。</div>'
        if turn.queued:
            return (f'<div class="pq-msg pq-bot pq-queued" aria-live="polite">{note}'
                    '排队中：上一个问题回答完后接着回答。</div>')
        if not turn.text:
            return (f'<div class="pq-msg pq-bot pq-pending" aria-live="polite">{note}'
                    '<span class="pq-dots"></span>正在查找相关条款…'
                    f'<div class="pq-slow">{_text(SLOW_NOTE)}</div></div>')
        return (f'<div class="pq-msg pq-bot pq-streaming" aria-live="polite">{note}'
                f'{answer_body(turn.text, turn.citations)}</div>')
    resolved, text = _resolved(answer)
    if answer.needs_clarification:
        return (f'<div class="pq-msg pq-bot pq-clarify">{note}<div class="pq-refusal-title">需要补充</div>'
                f'<div class="pq-text">{_text(text)}</div></div>')
    if answer.refused:
        related = ""
        if answer.related:
            related = (f'<div class="pq-related"><div class="pq-related-title">相关条款，仅供参考</div>'
                       f'<ul>{_related_list(answer.related)}</ul></div>')
        return (f'<div class="pq-msg pq-bot pq-refusal">{note}{resolved}'
                f'<div class="pq-refusal-title">未找到依据</div>'
                f'<div class="pq-text">{_text(_after_refusal_heading(text))}</div>{related}'
                f'{_user_warnings(answer.warnings)}{why_html(answer.trace)}{_tools(turn, index)}</div>')
    return (f'<div class="pq-msg pq-bot pq-answer">{note}{resolved}{weak_html(answer.trace)}'
            f'{answer_body(text, answer.citations)}'
            f'{_user_warnings(answer.warnings)}{why_html(answer.trace)}{_tools(turn, index)}</div>')


def _after_refusal_heading(text: str) -> str:
    """The refusal's reason without the 「现有文件中未找到依据：」 the heading above it already says."""
    return text.split("未找到依据：", 1)[1] if "未找到依据：" in text[:20] else text


def welcome_html() -> str:
    groups = []
    for name, hint, questions in EXAMPLES:
        buttons = "".join(f'<button type="button" class="pq-example" data-question="{_attr(q)}">{_text(q)}</button>'
                          for q in questions)
        groups.append(f'<div class="pq-example-group"><div class="pq-example-kind">{_text(name)}'
                      f'<span>{_text(hint)}</span></div>{buttons}</div>')
    return ('<div class="pq-welcome">'
            '<p class="pq-welcome-lead">用中文提问，回答只摘录已加载文件的原文，每句都注明出处；'
            '点击出处即可查看条款原文。文件中没有依据时，会如实说明。</p>'
            f'<div class="pq-examples">{"".join(groups)}</div></div>')


def chat_html(turns: list[Turn]) -> str:
    if not turns:
        return f'<div class="pq-chat">{welcome_html()}</div>'
    parts = []
    for index, turn in enumerate(turns):
        parts.append(f'<div class="pq-msg pq-user">{_text(turn.question)}</div>')
        parts.append(_assistant_html(turn, index))
    return f'<div class="pq-chat">{"".join(parts)}</div>'


def conversations_html(items: list[tuple[str, str, int]], active: str) -> str:
    """The list of conversations, ``(id, title, number of questions)`` newest first: open one, or delete it."""
    rows = []
    for conversation_id, title, count in items:
        current = " pq-conv-active" if conversation_id == active else ""
        rows.append(f'<li class="pq-conv{current}"><button type="button" class="pq-conv-open" '
                    f'data-conv="{_attr(conversation_id)}" title="{_attr(title)}">{_text(title)}'
                    f'<span class="pq-conv-count">{count} 问</span></button>'
                    f'<button type="button" class="pq-conv-delete" data-conv-delete="{_attr(conversation_id)}" '
                    f'title="删除这个对话" aria-label="删除对话：{_attr(title)}">×</button></li>')
    return f'<nav class="pq-convs" aria-label="对话列表"><ul>{"".join(rows)}</ul></nav>'


def status_html(running: bool, queued: int) -> str:
    """The busy line under the question box: answering, and how many questions wait."""
    if not running and not queued:
        return '<div class="pq-status pq-idle"></div>'
    waiting = f"，另有 {queued} 个问题排队" if queued else ""
    return f'<div class="pq-status pq-busy" role="status"><span class="pq-dots"></span>正在回答{waiting}…</div>'


def _highlight(text: str, quote: str | None) -> str:
    if quote:
        at = text.find(quote)
        if at >= 0:
            return (_text(text[:at]) + f'<mark>{_text(quote)}</mark>' + _text(text[at + len(quote):]))
    return _text(text)


def _meta_rows(rows: list[tuple[str, str | None]]) -> str:
    return "".join(f"<dt>{_text(k)}</dt><dd>{_text(v)}</dd>" for k, v in rows if v)


def panel_empty_html() -> str:
    return ('<div class="pq-panel pq-panel-empty"><div class="pq-panel-heading">条款原文</div>'
            '<p>点击回答中的出处（如《关于……的意见》（十四）），这里会显示该条款的全文，'
            '并用底色标出回答所引用的句子。</p></div>')


def panel_error_html(message: str) -> str:
    return f'<div class="pq-panel pq-error" role="alert">{_text(chinese_part(message))}</div>'


def clause_html(clause: Clause, doc: dict, quote: str | None, titles: dict[str, str]) -> str:
    """The side panel: one clause in full with the quoted sentence marked, and where it stands."""
    section = SECTION_SEP.join(p for p in clause.section.split(SECTION_SEP) if p) if clause.section else ""
    meta = _meta_rows([
        ("文件", doc.get("title") or clause.doc_title),
        ("发文字号", doc.get("doc_number") or clause.doc_number or "无"),
        ("发布机关", doc.get("issuer")),
        ("日期", doc.get("date")),
        ("所在章节", section.replace(SECTION_SEP, " › ")),
        ("部分", PART_NAMES.get(clause.part, clause.part)),
    ])
    links = ""
    if clause.links:
        chips = "".join(chip(cid, titles.get(cid.split(":", 1)[0], clause.doc_title), cid.split(":", 1)[1])
                        for cid in clause.links)
        links = f'<div class="pq-links"><span class="pq-sources-label">关联条目</span>{chips}</div>'
    return (f'<div class="pq-panel">'
            f'<div class="pq-panel-heading">{_text(chip_label(clause.doc_title, clause.label))}</div>'
            f'<div class="pq-clause-text">{_highlight(clause.text, quote)}</div>'
            f'<dl class="pq-meta">{meta}</dl>{links}'
            f'<button type="button" class="pq-open" data-open="{_attr(clause.clause_id)}">'
            f'阅读全文，定位到此条 →</button></div>')


def clause_anchor(doc_id: str, ordinal: int) -> str:
    """The element id of a clause in the reader: stable, ASCII, one per clause."""
    return f"clause-{doc_id}-{ordinal}"


def documents_html(docs: list[dict], active: str | None = None) -> str:
    items = []
    for d in docs:
        current = " pq-doc-active" if d["doc_id"] == active else ""
        stale = (d.get("validity") or {}).get("status") if (d.get("validity") or {}).get("warning") else None
        facts = " · ".join(x for x in (d.get("doc_number"), d.get("issuer"), d.get("date"), stale) if x)
        items.append(f'<li><button type="button" class="pq-doc{current}" data-doc="{_attr(d["doc_id"])}">'
                     f'<span class="pq-doc-title">{_text(d["title"])}</span>'
                     f'<span class="pq-doc-facts">{_text(facts)}</span>'
                     f'<span class="pq-doc-count">{d.get("clause_count", 0)} 个条款</span></button></li>')
    return (f'<div class="pq-docs"><div class="pq-panel-heading">已加载的文件（{len(docs)}）</div>'
            f'<ul>{"".join(items)}</ul></div>')


def reader_empty_html() -> str:
    return '<div class="pq-reader pq-panel-empty"><p>在左侧选择一份文件，按原文顺序逐条阅读。</p></div>'


def reader_html(doc: dict, target: str | None = None) -> str:
    """A whole document in reading order, section headings included; ``target`` is marked and scrolled to."""
    validity = doc.get("validity") or {}
    versions = "、".join(f'{v["version_date"] or v["doc_id"]}（{v["status"]}）'
                         for v in validity.get("versions", [])) if len(validity.get("versions", [])) > 1 else None
    facts = _meta_rows([("发文字号", doc.get("doc_number")), ("发布机关", doc.get("issuer")),
                        ("日期", doc.get("date")), ("状态", doc.get("status")),
                        ("效力", validity.get("status")), ("施行日期", validity.get("effective")),
                        ("废止日期", validity.get("repealed")), ("各版本", versions)])
    # hook (docs/versions.md): a text not in force says so, naming the one that is
    warning = f'<div class="pq-warning">注意：{_text(validity["warning"])}</div>' if validity.get("warning") else ""
    source = ""
    if doc.get("source_url"):
        source = (f'<a class="pq-source" href="{_attr(doc["source_url"])}" target="_blank" '
                  f'rel="noopener noreferrer">查看来源网页</a>')
    body, current = [], None
    for c in doc["clauses"]:
        path = c["section"] or ""
        if c["part"] == "annex":
            heading = f"附件：{path}" if path else "附件"
        else:
            heading = path.replace(SECTION_SEP, " › ")
        if heading and heading != current:
            body.append(f'<h3 class="pq-reader-section">{_text(heading)}</h3>')
        current = heading
        is_target = " pq-target" if c["clause_id"] == target else ""
        named = c["text"].startswith(c["label"]) or c["label"] == path.split(SECTION_SEP)[-1]
        label = "" if named else f'<span class="pq-reader-label">{_text(c["label"])}</span>'
        body.append(f'<section class="pq-reader-clause{is_target}" id="{clause_anchor(c["doc_id"], c["ordinal"])}" '
                    f'data-clause-id="{_attr(c["clause_id"])}">{label}'
                    f'<div class="pq-clause-text">{_text(c["text"])}</div></section>')
    return (f'<article class="pq-reader"><h2 class="pq-reader-title" title="{_attr(doc["title"])}">{_text(doc["title"])}</h2>'
            f'<dl class="pq-meta">{facts}</dl>{warning}{source}{"".join(body)}</article>')
