"""Check that parsing lost nothing: every non-whitespace character of a document's body is in
exactly one clause (or is a heading, recorded once)."""
from __future__ import annotations

import re
from collections import Counter

from .models import Document

_WS = re.compile(r"\s+")
_TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$", re.MULTILINE)  # | --- | --- |


def _without_table_markup(text: str) -> str:
    """Markdown table syntax is layout, not content: drop rule rows and cell bars."""
    text = _TABLE_RULE.sub("", text)
    return "\n".join(l.replace("|", "") if l.lstrip().startswith("|") else l for l in text.split("\n"))


def _chars(text: str) -> Counter:
    return Counter(_WS.sub("", _without_table_markup(text)))


def coverage_problems(document: Document) -> list[str]:
    """Empty when the clauses and headings account for the body exactly; else what differs."""
    body = _chars(document.body)
    parsed = Counter()
    for heading in document.headings:
        parsed.update(_chars(heading))
    for clause in document.clauses:
        parsed.update(_chars(clause.text))
        if clause.is_table_row and not re.match(rf"{clause.number}[.．、]", clause.text):
            parsed.update(_chars(str(clause.number)))  # a table row's 序号 cell (a list item writes its own)
    missing, extra = body - parsed, parsed - body
    problems = []
    if missing:
        problems.append(f"{document.doc_id}: {sum(missing.values())} characters lost: {''.join(missing.elements())[:60]}")
    if extra:
        problems.append(f"{document.doc_id}: {sum(extra.values())} characters duplicated or invented: {''.join(extra.elements())[:60]}")
    return problems
