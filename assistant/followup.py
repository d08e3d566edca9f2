"""Follow-up questions in a conversation: 「那托育机构呢？」 after 「养老机构用水用电按什么价格收费？」 is answered as
「托育机构用水用电按什么价格收费？」, and the user is shown that reading.

A question is elliptical when it leans on the previous turn: it opens with 那/那么 or ends with 呢 and says little,
points back (这个、这项、它、该文件、上面说的), or names an article (「第二十条呢」「下一条」) without a document. It is
resolved against the previous turn's resolved question and the clauses its answer cited:

- an article without a document → that article of the document the previous answer cited;
- 「那X呢」 → X takes the place of the word of the previous question it stands beside (托育机构 for 养老机构, 民办 before
  the institution, 农村 before the subject), or, if it has no counterpart, opens the previous question;
- a new predicate about what was asked (「这个要什么条件」「谁负责」) → the previous question's subject with it;
- the cited document's own properties (「它是哪年发的」) → asked of that document by its title.

A question that stands on its own is not rewritten. One that cannot be resolved (nothing before it, nothing to attach,
two documents it may mean) gets a short clarifying question instead of an answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from policyqa.corpus.models import Clause
from policyqa.corpus.titles import book_title
from policyqa.corpus.vocab import alternation, vocabulary, word_pattern, words
from policyqa.index import Index

from .analysis import analyse
from .references import PINPOINT, find_refs

# Opens or closes an elliptical question: 「那托育机构呢」「那么民办的呢」「还有农村呢」.
_OPENING_RE = re.compile(r"^(?:那么|那|那如果|那要是|如果是|要是|还有|另外|换成|改成)")
_CLOSING_RE = re.compile(r"(?:的话)?呢[？?。！!\s]*$")
_DOCUMENT = rf"(?:{alternation(words('document_kinds', 'rules', 'policies', 'any'))}|政策)"  # 「这个意见」「该条例」
# Points back at what was just said or cited.
_POINTER_RE = re.compile(rf"这个|这项|这条|这些|这种|这类|这样|这份|这一条|这一项|它们|它|其中|该(?:{_DOCUMENT}|条|项)"
                         r"|上面|上述|上一个|刚才|前面说的|你说的|以上")
_DOCUMENT_POINTER_RE = re.compile(rf"(?:这个|这份|该){_DOCUMENT}|这个文|这文件|它")
_EMPTY_RE = re.compile(r"(?:那|这)(?:个|样|些|种|边)?|其他的?|别的|还有吗?|然后|另一个|另外一个|另一种|另一类")
# 「兜底保障型和完全市场型养老机构」: a pointer back at a subject of two things may mean either.
_COORDINATED_RE = re.compile(r"([\u4e00-\u9fff]{2,12}?)(?:和|与|及|以及|或者|或|、)([\u4e00-\u9fff]{2,12})")
_INTERROGATIVE_RE = re.compile(r"吗|什么|多少|哪|谁|怎么|怎样|如何|几|是否|有没有|能不能|可不可以|要不要|是不是")
_NEXT_RE = re.compile(r"^(?:那)?(下一条|下一项|上一条|上一项)(?:呢|是什么|说了什么|讲什么)?[？?。\s]*$")
# 「第二款呢」「那第（一）项是什么」 after an article: that article's paragraph or item.
_ARTICLE_PART_RE = re.compile(rf"^(?:那)?({PINPOINT})(?:呢|是什么|说了什么|讲什么|讲的什么)?[？?。\s]*$")
# Where the subject of a question ends: its predicate or interrogative begins.
_PREDICATE_RE = re.compile(r"能不能|可不可以|是否|有没有|要不要|怎么|如何|需要|应该|应当|可以|能|要|按|有|是|由|归|吗|什么|多少|哪|谁|几")
_INSTITUTIONS = ("机构", "托育点", "养老院", "敬老院", "托儿所", "幼儿园", "服务站", "服务中心", "组织", "企业", "单位")
_PLACES = ("农村", "城市", "城镇", "社区", "乡镇", "街道", "县域", "县里", "村里")
_PUNCTUATION = "？?。！!，,、 　"
MAX_ELLIPTICAL_CHARS = 16  # a 「…呢」 question longer than this says enough to stand alone
MAX_BARE_CHARS = 10  # a question this short with no subject (「谁负责？」「有补贴吗」) leans on the last turn
MAX_CONTINUING_CHARS = 10  # a question this short mostly in the words of the last turn (「补贴标准是多少」)
CONTINUING_SHARE = 0.5  # ... of whose subject terms (by weight) the last turn holds at least this share
CLARIFY = "请把问题说完整一些：您问的是哪类机构、哪份文件或哪一条？"
CLARIFY_NOTHING_BEFORE = "这个问题需要结合上文理解，但前面没有对话。请把问题说完整，例如写明机构类型或文件名称。"
CLARIFY_WHICH_DOCUMENT = "您问的是哪一份文件：{options}？"


_SECTORS = [(key, word_pattern(words)) for key, words in vocabulary("sectors") if key in ("养老", "托育")]
_OWNERSHIP = word_pattern(w for _, words in vocabulary("ownership") for w in words)


@dataclass(frozen=True)
class HistoryTurn:
    """An earlier turn: what was asked and the clauses its answer cited."""

    question: str
    clause_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resolution:
    question: str  # as asked
    resolved: str  # what is answered: the question itself when it stands alone
    needs_clarification: bool = False
    clarification: str | None = None

    @property
    def rewritten(self) -> bool:
        return not self.needs_clarification and self.resolved != self.question


def is_elliptical(question: str, index: Index, context: frozenset[str] = frozenset()) -> bool:
    """Whether ``question`` leans on the previous turn instead of standing on its own; ``context`` holds the
    subject terms of the previous turn (its question and the clauses its answer cited)."""
    analysis = analyse(question, index)
    if analysis.named_doc_ids or any(r.law for r in analysis.named.refs):
        return False  # it names its document (or the law of an article): whatever else it leaves out, it stands alone
    if _NEXT_RE.match(question) or (_bare_refs(question) and len(question) <= MAX_ELLIPTICAL_CHARS):
        return True
    length = len(question.strip(_PUNCTUATION))
    if length <= MAX_ELLIPTICAL_CHARS and (_CLOSING_RE.search(question) or _OPENING_RE.match(question)
                                           or _POINTER_RE.search(question)):
        return True
    # 「谁负责？」「有补贴吗」: a predicate with no subject before it.
    if length <= MAX_BARE_CHARS and not _subject(question):
        return True
    # 「补贴标准是多少？」「入住前要评估吗？」: a short question mostly in the words of the last turn, naming no
    # institution or sector of its own (「托育补贴有哪些」「养老院能拿什么补贴」 stand alone).
    if analysis.kinds or any(p.search(question) for _, p in _SECTORS) or any(i in question for i in _INSTITUTIONS):
        return False
    weights = analysis.weights
    total = sum(weights.values())
    shared = sum(w for t, w in weights.items() if t in context)
    return length <= MAX_CONTINUING_CHARS and total > 0 and shared >= CONTINUING_SHARE * total


def resolve(question: str, history: list[HistoryTurn], index: Index) -> Resolution:
    """``question`` read in the light of ``history`` (oldest first); each earlier turn is resolved in turn."""
    previous: str | None = None
    cited: tuple[str, ...] = ()
    for turn in history:
        earlier = _resolve_one(turn.question, previous, cited, index)
        if earlier.needs_clarification:
            continue  # a turn that was only a request to clarify leaves the topic as it was
        previous = earlier.resolved
        cited = turn.clause_ids or cited
    return _resolve_one(question, previous, cited, index)


def _context(previous: str | None, cited: tuple[str, ...], index: Index) -> frozenset[str]:
    if previous is None:
        return frozenset()
    terms = set(analyse(previous, index).weights)
    for clause_id in cited:
        if (clause := index.clause(clause_id)) is not None:
            terms |= index.tokenizer.terms(clause.text)
    return frozenset(terms)


def _resolve_one(question: str, previous: str | None, cited: tuple[str, ...], index: Index) -> Resolution:
    if not is_elliptical(question, index, _context(previous, cited, index)):
        return Resolution(question, question)
    if previous is None:
        return Resolution(question, question, True, CLARIFY_NOTHING_BEFORE)
    documents = _cited_documents(cited, index)
    part = _ARTICLE_PART_RE.match(question)
    if part and part.group(1) and len(cited) == 1 and documents and documents[0].is_article:
        return Resolution(question, f"{book_title(documents[0].doc_title)}{documents[0].label}{part.group(1)}说了什么？")
    if _NEXT_RE.match(question) or _bare_refs(question) or (_DOCUMENT_POINTER_RE.search(question)
                                                           and _asks_about_document(question)):
        if len(documents) > 1:  # 「第十七条呢」 after an answer from two documents: of which?
            options = "还是".join(book_title(d.doc_title) for d in documents[:2])
            return Resolution(question, question, True, CLARIFY_WHICH_DOCUMENT.format(options=options))
        if resolved := _of_cited_document(question, documents, cited, index):
            return Resolution(question, resolved)
    core = _core(question)
    if not core:
        return Resolution(question, question, True, CLARIFY)
    topic = _topic(previous)
    if _POINTER_RE.search(question) and (pair := _COORDINATED_RE.search(topic)):
        return Resolution(question, question, True, f"您问的是{pair.group(1)}还是{pair.group(2)}？")
    if _PREDICATE_RE.search(core):  # a new predicate about what was asked: 「这个要什么条件」「谁负责」
        rest = _POINTER_RE.sub("", core, count=1).lstrip("的")
        return Resolution(question, f"{topic}{rest}？") if topic else Resolution(question, question, True, CLARIFY)
    return Resolution(question, _substitute(core, previous, index))


def _bare_refs(question: str) -> list:
    return [r for r in find_refs(question) if not r.law]


def _cited_documents(cited: tuple[str, ...], index: Index) -> list[Clause]:
    """One cited clause per document, in the order the answer cited them."""
    first: dict[str, Clause] = {}
    for clause in (c for c in map(index.clause, cited) if c is not None):
        first.setdefault(clause.doc_id, clause)
    return list(first.values())


def _of_cited_document(question: str, documents: list[Clause], cited: tuple[str, ...], index: Index) -> str | None:
    """「第二十条呢」「下一条」「它是哪年发的」: asked of the document the previous answer cited."""
    if not documents:
        return None
    title = documents[0].doc_title
    if m := _NEXT_RE.match(question):
        step = 1 if m.group(1).startswith("下") else -1
        clauses = [c for c in index.clauses if c.doc_id == documents[0].doc_id]
        at = next((i for i, c in enumerate(clauses) if c.clause_id == cited[0]), None)
        if at is None or not 0 <= at + step < len(clauses):
            return None
        return f"{book_title(title)}{clauses[at + step].label}说了什么？"
    if refs := _bare_refs(question):
        rest = _OPENING_RE.sub("", _CLOSING_RE.sub("", question).strip(_PUNCTUATION))
        return f"{book_title(title)}{rest}" + ("说了什么？" if rest == refs[0].text else "？")
    return _DOCUMENT_POINTER_RE.sub(book_title(title), question, count=1)


def _asks_about_document(question: str) -> bool:
    return bool(re.search(r"哪年|哪一年|什么时候|何时|哪天|日期|谁发|哪个部门发|发文|文号|印发|出台|发布|施行|有效|全称|名字", question))


def _core(question: str) -> str:
    """The question without its opening 那 and closing 呢 and punctuation: what it adds to the previous turn
    (nothing, for 「那个呢」「另一个呢」)."""
    core = _CLOSING_RE.sub("", question.strip()).strip(_PUNCTUATION)
    if _EMPTY_RE.fullmatch(_OPENING_RE.sub("", core) or core) or _EMPTY_RE.fullmatch(core):
        return ""
    core = _OPENING_RE.sub("", core).strip(_PUNCTUATION)
    core = re.sub(r"的$", "", core)
    return "" if not core or _POINTER_RE.fullmatch(core) else core


def _subject(question: str) -> str:
    """The words before a question's predicate (「家庭托育点」 of 「家庭托育点需要登记备案吗」); empty when it has none."""
    text = question.strip(_PUNCTUATION)
    m = _PREDICATE_RE.search(text)
    subject = text[:m.start()] if m else text
    return subject.rstrip("的，,") if len(subject) >= 2 else ""


def _topic(previous: str) -> str:
    """What the previous question was about: all of it before its interrogative (「养老机构能开展安宁疗护」 of
    「养老机构能开展安宁疗护吗」), without a verb left hanging at its end."""
    text = previous.strip(_PUNCTUATION)
    m = _INTERROGATIVE_RE.search(text)
    topic = (text[:m.start()] if m else text).rstrip("的，,")
    topic = re.sub(r"(?:按|有|是|要|能|会|由|归|向|给|对|在|从|可以|应该|需要|应当)$", "", topic)
    return topic if len(topic) >= 2 else ""


def _substitute(core: str, previous: str, index: Index) -> str:
    """``previous`` with ``core`` in place of the word it stands beside, or in place of its subject."""
    base = previous.strip(_PUNCTUATION)
    words = index.tokenizer.words(base)
    head = index.tokenizer.words(core)[-1] if core else core
    if _OWNERSHIP.match(core):  # 「那民办的呢」: the ownership changes, or qualifies the institution
        if present := _OWNERSHIP.search(base):
            return base.replace(present.group(0), core, 1) + "？"
        institution = next((w for w in words if w.endswith(_INSTITUTIONS)), None)
        return (base.replace(institution, core + institution, 1) if institution else f"{core}{base}") + "？"
    for key, pattern in _SECTORS:  # 「那托育呢」 after a question on 养老: the other sector's word in its place
        if pattern.fullmatch(core) or core.startswith(key):
            if other := next((m for k, p in _SECTORS if k != key for m in [p.search(base)] if m), None):
                return base.replace(other.group(0), core if pattern.fullmatch(core) else key, 1) + "？"
    if core.endswith(_INSTITUTIONS):  # 「那托育机构呢」 after a question on 家庭托育点
        if institution := next((w for w in words if w.endswith(_INSTITUTIONS) and w != core), None):
            return base.replace(institution, core, 1) + "？"
    if core in _PLACES:
        present = next((p for p in _PLACES if p in base), None)
        return (base.replace(present, core, 1) if present else f"{core}{base}") + "？"
    # The word of the same kind: sharing its last two characters, its last one, or, as long as it, its first
    # (用水 → 用气).
    kinds = [lambda w, n=n: len(w) >= n and len(head) >= n and w[-n:] == head[-n:] for n in (2, 1)]
    kinds.append(lambda w: len(w) == len(core) >= 2 and w[0] == core[0])
    for same_kind in kinds:
        if same := next((w for w in words if same_kind(w) and w != head and w not in core), None):
            return base.replace(same, core, 1) + "？"
    # 「那长期照护服务体系呢」: a new subject for the same predicate.
    subject = _subject(base)
    return f"{core}{base[len(subject):]}？" if subject else f"{core}{base}？"
