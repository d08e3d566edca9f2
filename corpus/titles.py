"""How documents are named in citations."""
from __future__ import annotations

import re

_LAW_PREFIX = "中华人民共和国"
_YEAR_SUFFIX_RE = re.compile(r"[（(]\d{4}年?[）)]$")


def short_title(title: str) -> str:
    """《国务院办公厅关于促进养老托育服务健康发展的意见》 → 关于促进养老托育服务健康发展的意见;
    中华人民共和国老年人权益保障法 → 老年人权益保障法. Full-width punctuation is kept as written."""
    title = _YEAR_SUFFIX_RE.sub("", title.strip())
    if "关于" in title and not title.startswith("关于"):
        return title[title.index("关于"):]
    return title.removeprefix(_LAW_PREFIX) or title


_INNER_MARKS = str.maketrans("《》", "〈〉")


def book_title(title: str) -> str:
    """A title between 《》 as it is printed; a title that itself quotes one (「关于印发《…办法》的通知」) keeps its inner
    title in 〈〉, as Chinese punctuation nests them (GB/T 15834): 《关于印发〈…办法〉的通知》, not 《关于印发《…办法》的通知》."""
    return f"《{title.translate(_INNER_MARKS)}》"


def cite(title: str, label: str) -> str:
    """The citation mark used in answers: 【《关于深化养老服务改革发展的意见》（十四）】."""
    return f"【{book_title(short_title(title))}{label}】"
