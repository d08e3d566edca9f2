"""A conversation as Markdown (「导出对话」): each answer with its citations and quotes, and each cited document's
title and 发文字号. (One answer as plain text for 「复制」 is :func:`policyqa.ui.render.answer_text`.)"""
from __future__ import annotations

from datetime import datetime

from policyqa.assistant.models import Citation
from policyqa.corpus.titles import book_title

from .render import Turn, chinese_part, source_name


def _turn_markdown(turn: Turn, number: int) -> list[str]:
    out = [f"## {number}. 问：{turn.question}", ""]
    if turn.doc_titles:
        out += [f"> 仅在这些文件中查找：{'、'.join(book_title(t) for t in turn.doc_titles)}", ""]
    if turn.as_of:
        out += [f"> 按 {turn.as_of} 的效力作答", ""]
    answer = turn.answer
    if answer is None:
        out += [f"（{turn.error or '已停止回答'}）", ""]
        return out
    text = answer.answer
    if answer.resolved_question:
        out += [f"*按上文理解为：{answer.resolved_question}*", ""]
        text = text.split("\n", 1)[1] if text.startswith("按上文理解为：") and "\n" in text else text
    if answer.needs_clarification:
        out += [f"**需要补充：**{text}", ""]
    elif answer.refused:
        out += [f"**未找到依据：**{text}", ""]
    else:
        out += ["答：" + text, ""]
    if answer.citations:
        out.append("引用：")
        for i, c in enumerate(answer.citations, 1):
            out.append(f"{i}. {source_name(c)}（条款编号 `{c.clause_id}`）")
            out.append(f"   > {c.quote}")
        out.append("")
    for warning in answer.warnings:
        out += [f"注意：{chinese_part(warning)}", ""]
    return out


def conversation_markdown(turns: list[Turn], now: datetime | None = None) -> str:
    """The whole conversation: each question, its answer, citations with quotes, then the documents cited."""
    now = now or datetime.now()
    out = ["# 政策问答对话记录", "", f"导出时间：{now:%Y-%m-%d %H:%M}", ""]
    for number, turn in enumerate(turns, 1):
        out += _turn_markdown(turn, number)
    documents: dict[str, Citation] = {}
    for turn in turns:
        for c in turn.answer.citations if turn.answer else []:
            documents.setdefault(c.doc_id, c)
    if documents:
        out += ["## 引用的文件", ""]
        out += [f"- {book_title(c.doc_title)}" + (f"，{c.doc_number}" if c.doc_number else "，无发文字号")
                for c in documents.values()]
        out.append("")
    return "\n".join(out)
