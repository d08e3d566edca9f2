"""What a question names for direct lookup (:mod:`policyqa.assistant.lookup`), read once by the analysis.

Articles by number: （十四） / 第（七）条 / 第十四条 / 第14条 / 附件第11项 / 分工表第11项, with the law named before a
第X条; where （一） restarts in every part, 「三、（三）」 or 「第三部分（三）」 names one item and a bare （三） every
part's. A paragraph or item of an article (第三十五条第二款 / 第（一）项), a range (第三十六条至第三十八条), and a part or
chapter asked about as a whole (「第三部分讲了什么」「旅游法第三章」). Also a section by its heading (一、总体要求), the
opening or closing text by position (「52号文最后那段话」), the addressees, the date a document was issued or came into
force, who issued it and why it was made, and the laws named by a word in 法.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from policyqa.corpus.models import Clause
from policyqa.corpus.numerals import NUMERAL_CHARS, number_or_none, to_chinese_number
from policyqa.corpus.structure import N
from policyqa.corpus.text import char_bigrams
from policyqa.corpus.vocab import alternation, words

from .mentions import ASKING, KIND_RE, VERSION_WORDS, Mention

ITEM_REF_RE = re.compile(rf"第?[（(]({N})[）)](?:条|项)?")
_DOCUMENT_BEFORE_RE = re.compile(rf"(?:{KIND_RE.pattern}|号文件?)$")  # 「养老意见（14）」: an item of the text named
# Where （一） restarts in every part, the part qualifies it: 「三、（三）」「第三部分（三）」「第三部分第（三）项」.
SECTION_QUALIFIER_RE = re.compile(rf"(?:(?<![第{NUMERAL_CHARS}])([{NUMERAL_CHARS}]+)、|第({N})部分\S{{0,4}}?)$")
# Or its numeral typed without the 、, right after the document's name or a pause (「托育申报通知二（一）第4点」; not
# 「统一（三）」「附件一（三）」「这两（三）项」).
_BARE_PART_RE = re.compile(r"([一二三四五六七八九十]{1,3})$")
POINT_REF_RE = re.compile(rf"(?<![{NUMERAL_CHARS}])([{NUMERAL_CHARS}]+)、(\d{{1,2}})(?![\d.．]*\d)")  # 二、2. (a part's point)
_RULE_KINDS = words("document_kinds", "rules")
_RULE_KIND_RE = re.compile(alternation(_RULE_KINDS))
# 「第五点」 too; an article may drop 第 right after a law's name or a 发文字号 (「旅游法35条」「道交法七十条」「52号文12条」;
# not a single numeral, 「…法三条」 may count articles), and one 第 may lead a list (「第三十五、三十六条」).
ARTICLE_REF_RE = re.compile(rf"(?:第|(?:(?<=[{''.join(sorted({k[-1] for k in _RULE_KINDS}))}])|(?<=号文)|(?<=号文件))"
                            rf"(?=\d{{1,3}}条|[{NUMERAL_CHARS}]{{2,6}}条))({N})"
                            rf"((?:[、，,和及与]{N})*)(?:条|点)(?:之([{NUMERAL_CHARS}]+))?")
_LISTED_RE = re.compile(N)
_REF_SPACES_RE = re.compile(rf"(?<=[第{NUMERAL_CHARS}\d])[ \t\u3000]+(?=[{NUMERAL_CHARS}\d条款项章节编])")
# 「第三十五条第二款」「第一百一十一条第（一）项」「第十条第二款第三项」: a paragraph or an item of the article before.
PINPOINT = rf"(?:第({N})款)?(?:第[（(]?({N})[）)]?项)?"  # a paragraph, an item, or both
PINPOINT_RE = re.compile(rf"(?<=条)(?=\s*第)\s*{PINPOINT}")
# 「第二十八条的下一条」「（十二）的上一条」「第十四条前面那一条」: the clause after or before the one named.
NEIGHBOUR_RE = re.compile(r"(?<=[条）)项])[^，。？?\s]{0,12}?的?(?:(下|后)|上|前)(?:一|面那一?|面的那一?)(?:条|项)")
ARTICLE_RANGE_RE = re.compile(rf"第({N})条?(?:至|到|—|－|-|～|~)第?({N})条")
QUESTION_REF_RE = re.compile(rf"第({N})(?:问|个问题)")  # 「政策问答第14问」: a question and its answer
BOX_REF_RE = re.compile(rf"专栏\s*({N})")  # 「规划的专栏2」: a box of projects
# A standard's clause by its decimal number (「规范5.1.2条」「第7.5条讲什么」) or an appendix (「附录A」), not a quantity
# (「3.5万元」「0.8米」): 第 before it, 条/款 after it, or what-does-it-say words.
STANDARD_CLAUSE_REF_RE = re.compile(r"(?<![\d.．])(第)?(\d{1,2}(?:\.\d{1,2}){1,4})(?![\d.．])\s*(条|款)?")
_CLAUSE_ASKED_RE = re.compile(r"\s*(?:的?(?:内容|规定|要求)|讲|说|写|是什么|有哪些)")
# Not a clause: a table's or figure's number (表4.1, 图A.1), a standard's own number (GB/T 1.1).
_NOT_CLAUSE_BEFORE_RE = re.compile(r"(?:[表图式]|[A-Z]{1,4}(?:/[TZ])?\s*)$")
APPENDIX_REF_RE = re.compile(r"附录\s*([A-Z])(?![A-Za-z])")
# 「旅游法最后一条」「分工表最后一项」: the text's last article or item, a table's last row.
LAST_REF_RE = re.compile(r"(?:最后|最末|末)(?:一|那一?)?(条|项)(?![款项])")
# A division as a whole: 「…意见第三部分」 (its part 三、), 「旅游法第三章」, 「民法典第二编」, or a chapter by the title
# laws give it alike (「…的附则」「罚则那一章」).
DIVISION_REF_RE = re.compile(rf"第({N})(部分|章|编)(?:第({N})节)?"
                             rf"|(?<![第{NUMERAL_CHARS}])({alternation(words('generic_words', 'chapter_titles'))})"
                             r"(那一?章|这一?章|一章|部分)?")
# What a question asks of a division as a whole: 「…第三章讲了什么」「…第二部分有哪些措施」「…第四部分是关于什么的」;
# 「旅游法第五章里，合同怎么解除」 asks something in it, which the search finds.
_WHOLE_DIVISION_RE = re.compile(
    r"^(?:\s+[^\s，。？?]{2,30}\s+|\s*[“\"「][^”\"」]{2,30}[”\"」])?"  # its heading, set off (「第二部分 扩大…供给 包括哪些」)
    r"[里中]?的?(?:主要|具体|大概|都|一共|总共)?(?:讲|说|写|谈|规定|是关于|关于|涉及|包括|包含|有|是)?了?(?:的是|的|些)?"
    r"(?:什么|啥|哪些|哪几条|几条|多少条|哪几个方面)?的?(?:内容|规定|条款|条文|事项|要求|措施|东西|方面|意思|条|项)?"
    r"(?:是什么|是啥|有哪些|呢|吗|的)?[？?。！!\s]*$")
# 「旅游法第三章第二十条」「民法典第二编第三章第四百条」: divisions between a law's name and its article.
_DIVISIONS_BEFORE_RE = re.compile(rf"(?:第{N}(?:编|分编|章|节)的?)+$")
_TABLE_WORDS = "附件|分工表|任务表"  # what names an annex task table
ANNEX_REF_RE = re.compile(rf"(?:{_TABLE_WORDS})(\d*)\S{{0,6}}?第({N})项|第({N})项")
ANNEX_BEFORE_RE = re.compile(r"附件\s*\d*(?:的)?$")
ANNEX_NAMED_RE = re.compile(_TABLE_WORDS)
# 「一、（二）第2点」「（三）中的第1条」「（二）2.」: a numbered point of an item.
ITEM_POINT_REF_RE = re.compile(rf"[（(]([{NUMERAL_CHARS}]+|\d{{1,2}})[）)](?:的|中的?|里的?)?(?:第({N})(?:点|条|项)|(\d{{1,2}})[.．](?!\d))")
# 「第三部分第二项」「第四部分的第一条」: item （二） of part 三、, or the part's second item where items run straight
# through, as readers count an 意见's items; the part's heading may stand between (「第三部分“保障措施”的第一条」).
PART_ITEM_REF_RE = re.compile(rf"第({N})部分(?:[“\"「]?[\u4e00-\u9fff]{{2,12}}?[”\"」]?)?的?第({N})(?:项|条|点)")
MAX_REFS = 6  # articles read from one question
LAW_CONTEXT = 48  # characters before a reference read for the law it names: a name (≤ 28) and chapters between
LAW_NAME_RE = re.compile(rf"([\u4e00-\u9fff]{{1,24}}(?:{_RULE_KIND_RE.pattern}))》?$")  # 刑法, 民法典 too
_DEMONSTRATIVE_RE = re.compile(r"那个|这个|那份|这份|那部|这部")  # 「临溪那个养老条例第二十七条」: not part of the name
# 「请问交强险条例第十六条」「根据旅游法第三十五条」: asking and relying words before a law's name are not of it.
_ASKING_BEFORE_LAW_RE = re.compile(rf"^(?:{ASKING})+")
_YEAR_REST_RE = re.compile(f"^{VERSION_WORDS}")  # what follows a year's digits before a law's name
# A document's own opening (序言, before its first item) and closing text (结语), named by position.
_ADDRESSEES = r"主送|发给哪些|印发给哪些"
POSITION_RES: tuple[tuple[str, re.Pattern], ...] = (
    ("closing", re.compile(r"(?:最后|末尾|结尾)[一那这]?(?:段|部分)|结尾|结语|结束语")),
    ("preamble", re.compile(rf"(?:开头|开篇|第一)[一那这]?段|开头|开篇|序言|前言|导语|{_ADDRESSEES}")),
)
# The addressees (「各省、自治区、直辖市人民政府…：」) open the text: 「主送单位是哪些」.
ADDRESSEES_RE = re.compile(_ADDRESSEES)
# 「52号文是哪天印发的」: when a named document was issued is the date of its sign-off, in its closing text, or
# of its title note (题注), which also records when a law was adopted and amended (「…是哪年修正的」).
_ISSUING = "印发|发布|出台|发文|公布|下发|签发|成文|颁布|落款|发(?=的)"
_ISSUED = f"(?:{_ISSUING})"
_ADOPTED = f"(?:{_ISSUING}|通过|修正|修订)"  # 通过 also says when a 申请 passed: only where the verb ends the question
_WHEN = "(?:什么时候|何时|哪天|哪一天|哪年|哪一年|哪个月|几月几[日号]|几月|几号)"
# The verb ends the question or a sentence of it (「…是哪天印发的？」「…哪年修正的」「是哪天发的？2024年那个」), or
# names the date (「发文日期」「落款日期」): 「要求哪年出台管理办法」 asks a deadline, 「审核通过的时间有要求吗」 a time limit.
ISSUE_DATE_RE = re.compile(
    rf"{_WHEN}\S{{0,2}}{_ADOPTED}(?:的|了)?(?:[？?。]|$)|{_ISSUED}的?(?:日期|时间|年份)|{_ADOPTED}(?:于|在|是)?{_WHEN}[的？?。]*$")
# 「52号文的发文机关是哪个」「2024年养老意见是哪个部门印发的」: who issued it is in the same signature or title note.
ISSUER_QUESTION_RE = re.compile(r"(?:发文|印发|颁布)(?:机关|单位|部门)|(?:谁|哪个(?:部门|单位|机关)|哪些(?:部门|单位)|哪家)"
                                r"(?:联合)?(?:(?:印发|颁布|下发)的?|(?:制定)?公布的|通过的)")
# 「…指导意见是谁发的」: right after a document's name, 谁发的 asks who issued it (「补贴是谁发的」 asks who pays).
_ISSUED_BY_AFTER_NAME_RE = re.compile(r"^(?:是|由)?(?:谁|哪个(?:部门|单位|机关)|哪家)(?:发|发布|出)的[？?。！!\s]*$")
# 「旅游法的立法目的是什么」「为什么要制定这个条例」: asks for the sentence stating why the text was made.
PURPOSE_QUESTION_RE = re.compile(r"立法(?:目的|宗旨|意图)|(?:制定|出台|印发)(?:的)?(?:目的|宗旨|初衷)|(?:为什么|为啥|为何)要?(?:制定|出台|印发)")
# 「…条例所称电动自行车是指什么」「旅游法中景区是什么意思」: the words before it name a term the document defines.
DEFINITION_QUESTION_RE = re.compile(r"(?:是指什么|指的是什么|是什么意思|指什么|的定义是什么|的定义|的含义是什么|的含义"
                                    r"|是?(?:怎么|如何|怎样)定义的?)"
                                    r"[？?。\s]*$")
# 「劳动合同法什么时候施行」: asks for the sentence that puts a named document in force.
# The question ends there, or asks on about the text's validity (「…，有效期到哪天？」): not 「…，护理费补多少？」.
_IN_FORCE_END = r"(?:[？?。]|$|[，,；](?=[^，,；？?]{0,12}(?:有效|到期|截止|失效|废止|到哪天|到什么时候)))"
IN_FORCE_QUESTION_RE = re.compile(
    rf"{_WHEN}\S{{0,4}}(?:施行|实施|生效|执行)(?:的|了)?{_IN_FORCE_END}|(?:施行|生效)的?(?:日期|时间)"
    rf"|(?:施行|生效|执行)(?:于|在|是)?{_WHEN}的?{_IN_FORCE_END}")
_TITLE_NOISE = re.compile(r"中华人民共和国|中共中央|国务院办公厅|国务院|关于|的|意见|通知|决定|[　\s]")
# Two-character words in 法 that name no law (办法 is a kind of document, read by the title mentions).
_NOT_LAWS = frozenset(words("generic_words", "not_laws"))
# Words before a law's name that are not part of it (「根据老年人权益保障法」「新修订的慈善法」「这个法」).
_BEFORE_LAW_NAME = frozenset(words("generic_words", "before_law_name"))
_LAW_NAME_WORDS = 3  # words before the one ending in 法 that a law's name takes in (老年人 权益 保障法)


@dataclass(frozen=True)
class ArticleRef:
    kind: str  # "item" | "point" | "question" | "box" | "clause" | "article" | "annex" | "division" | "last"
    number: int
    text: str
    section: int | None = None  # the part that qualifies an item (三、（三）), if named
    explicit: bool = True  # False for a bare 「第一项」「第十条」, which may mean anything or any document's
    law: str = ""  # the law named just before a 第X条 (「老年人权益保障法」)
    annex: bool = False  # 「附件第五条」: the article of an annex
    item: int | None = None  # for a point of an item (一、（二）2.), the item's number
    step: int = 0  # 1 or -1: the clause after or before the one named (「第二十八条的下一条」)
    paragraph: int | None = None  # of an article: its 第二款, if named
    subitem: int | None = None  # of an article: its 第（一）项, if named (within the paragraph named, if one is)

    @property
    def named(self) -> str:
        """The reference as the question names it (「老年人权益保障法第二十六条」「附件第五条」)."""
        return (self.law or ("附件" if self.annex else "")) + self.text


@dataclass(frozen=True)
class Named:
    """What direct lookup reads of a question, among the documents it may refer to."""

    refs: tuple[ArticleRef, ...] = ()
    mentions: tuple[Mention, ...] = ()  # the spans naming those documents
    title_pairs: frozenset[str] = frozenset()  # its character pairs, as titles' are compared (:func:`title_pairs`)
    sections: tuple[Clause, ...] = ()  # the sections whose heading it holds (「…意见的总体要求是什么」)
    parts: tuple[str, ...] = ()  # the headings of parts it holds (「保障措施部分的（三）」)
    position: str | None = None  # "closing" | "preamble": a part named by its position
    asks_addressees: bool = False  # 「…的主送单位是哪些」
    asks_issued: bool = False  # when the document was issued (or a law adopted, amended), or by whom
    asks_issuer: bool = False  # by whom: the signature or title note answers with the title, which names the issuer
    asks_in_force: bool = False  # when it came into force
    asks_purpose: bool = False  # why it was made (立法目的)
    defined: str = ""  # of a definition question (「…所称电动自行车是指什么」): the words before 是指什么, a term's end
    laws: tuple[str, ...] = ()  # of a question about a document itself (its date, purpose, a term it defines):
    # names ending in a kind of rule (「交强险条例」「道交法」)

    @property
    def names_division(self) -> bool:
        """A part or chapter as a whole (「…第三部分讲了什么」): read only where nothing finer is named."""
        return bool(self.refs) and self.refs[0].kind == "division"


def read_named(question: str, mentions: tuple[Mention, ...], sections: list[tuple[str, Clause]],
               parts: tuple[str, ...] = ()) -> Named:
    """What ``question`` names for lookup, given its ``mentions`` of the documents it may refer to, the titled
    sections of the loaded clauses (:func:`policyqa.assistant.lookup.titled_sections`) and the headings of their
    parts (:func:`policyqa.assistant.lookup.part_titles`)."""
    issuer = bool(ISSUER_QUESTION_RE.search(question)
                  or any(_ISSUED_BY_AFTER_NAME_RE.match(question[m.end:]) for m in mentions))
    purpose = bool(PURPOSE_QUESTION_RE.search(question))
    issued, in_force = issuer or bool(ISSUE_DATE_RE.search(question)), bool(IN_FORCE_QUESTION_RE.search(question))
    defined = question[:m.start()].rstrip("“”\"「」 ") if (m := DEFINITION_QUESTION_RE.search(question)) else ""
    return Named(refs=tuple(find_refs(question)), mentions=mentions, title_pairs=frozenset(title_pairs(question)),
                 sections=tuple(c for title, c in sections if title in question),
                 parts=tuple(title for title in parts if title in question),
                 position=next((part for part, pattern in POSITION_RES if pattern.search(question)), None),
                 asks_addressees=bool(ADDRESSEES_RE.search(question)), asks_issued=issued,
                 asks_issuer=issuer, asks_in_force=in_force, asks_purpose=purpose, defined=defined,
                 laws=tuple(_laws_named(question)) if issued or in_force or purpose or defined else ())


def _laws_named(question: str) -> list[str]:
    """The names in ``question`` that end in a kind of rule (「交强险条例什么时候施行」 → 交强险条例)."""
    return [law for m in _RULE_KIND_RE.finditer(question) if (law := _law_before(question, m.end()))]


def _num(text: str) -> int | None:
    """The article number, or None when it is not one a document could have."""
    n = number_or_none(text)
    return n if n is not None and 0 < n < 10000 else None


def find_refs(question: str) -> list[ArticleRef]:
    refs: list[ArticleRef] = []
    question = original = _REF_SPACES_RE.sub("", question)  # 「第 45 条」 is 第45条
    pinpoints = {m.start(): (_num(m.group(1)) if m.group(1) else None, _num(m.group(2)) if m.group(2) else None)
                 for m in PINPOINT_RE.finditer(question) if m.group(0)}
    question = _read(PINPOINT_RE, question)  # an article's 第（一）项 is not an item of the text
    for m in PART_ITEM_REF_RE.finditer(question):
        if (n := _num(m.group(2))) is not None and (part := _num(m.group(1))) is not None:
            refs.append(ArticleRef("item", n, m.group(0), section=part))
    question = _read(PART_ITEM_REF_RE, question)  # 「第三部分第二项」 once, as an item, not also a row 第二项
    for m in ITEM_POINT_REF_RE.finditer(question):
        if (n := _num(m.group(2) or m.group(3))) is not None and (item := _num(m.group(1))) is not None:
            refs.append(ArticleRef("point", n, m.group(0), section=_section_before(question, m.start()), item=item))
    question = _read(ITEM_POINT_REF_RE, question)  # the point, not also the item and an article
    for m in ANNEX_REF_RE.finditer(question):
        if not (n := _num(m.group(2) or m.group(3))):
            continue
        bare = m.group(3)  # 第N项 without 附件/分工表 before it
        if not bare or bare.isdigit():  # a table's row: named with its table, or by its 序号 in digits
            # Rows numbered afresh under each category of the table are cited with it: 「附件1二、第1项」.
            before_di = (m.start(2) if m.group(2) else m.start(3)) - 1  # where 「第」 starts
            category = re.search(rf"([{NUMERAL_CHARS}]+)、$", question[:before_di])
            refs.append(ArticleRef("annex", n, m.group(0), section=_num(category.group(1)) if category else None,
                                   explicit=m.group(2) is not None))
        if bare:  # 「…意见第十二项」, or 「…意见第14项」 of a text with no task table: the text's item
            refs.append(ArticleRef("item", n, m.group(0), _section_before(question, m.start()), explicit=False))
    for m in ITEM_REF_RE.finditer(question):
        if (m.group(1).isdigit() and m.group(0)[0] in "（(" and m.group(0)[-1] not in "条项"
                and (len(m.group(1)) > 2 or not _DOCUMENT_BEFORE_RE.search(question[:m.start()]))):
            # 「(1) 家庭托育点…」 numbers the asker's own points; items are （一）, or 「养老意见（14）」 (not 「意见（2020）」)
            continue
        if (n := _num(m.group(1))) is not None:
            refs.append(ArticleRef("item", n, m.group(0), _section_before(question, m.start())))
    for m in POINT_REF_RE.finditer(question):
        if (n := _num(m.group(2))) is not None and (part := _num(m.group(1))) is not None:
            refs.append(ArticleRef("point", n, m.group(0), section=part))
    for m in QUESTION_REF_RE.finditer(question):
        if (n := _num(m.group(1))) is not None:
            refs.append(ArticleRef("question", n, m.group(0)))
    for m in BOX_REF_RE.finditer(question):
        if (n := _num(m.group(1))) is not None:
            refs.append(ArticleRef("box", n, f"专栏{m.group(1)}"))
    clauses = [m for m in STANDARD_CLAUSE_REF_RE.finditer(question)
               if (m.group(1) or m.group(3) or _CLAUSE_ASKED_RE.match(question, m.end()))
               and not _NOT_CLAUSE_BEFORE_RE.search(question[:m.start()])]
    refs += [ArticleRef("clause", 0, m.group(2)) for m in clauses]  # 「5.1.2」, 「附录A」: cited by the label they are
    refs += [ArticleRef("clause", 0, f"附录{m.group(1)}") for m in APPENDIX_REF_RE.finditer(question)]
    for m in clauses:  # 5.1.2 is no point 1. or article
        question = question[:m.start()] + "　" * (m.end() - m.start()) + question[m.end():]
    for m in ARTICLE_RANGE_RE.finditer(question):  # 「第三十六条至第三十八条」「第14-16条」: each article between
        first, last = _num(m.group(1)), _num(m.group(2))
        if first is None or last is None or not 0 < last - first < MAX_REFS:
            continue
        law = _law_before(question, m.start())
        refs.extend(ArticleRef("article", n, f"第{to_chinese_number(n)}条", explicit=bool(law), law=law)
                    for n in range(first, last + 1))
    question = _read(ARTICLE_RANGE_RE, question)
    for m in ARTICLE_REF_RE.finditer(question):
        # 「老年人权益保障法第二十六条」 names its law; a bare 第十条 may mean any document's.
        law = _law_before(question, m.start())
        annex = ANNEX_BEFORE_RE.search(question[:m.start()])  # 「附件第五条」: an article of an annexed text
        listed = [m.group(1), *_LISTED_RE.findall(m.group(2))]
        for i, written in enumerate(listed):
            if (n := _num(written)) is None:
                continue
            # 「第35条」 is labelled 第三十五条, as laws write their articles; 之一 belongs to the last listed.
            number = to_chinese_number(n) if written.isdigit() else written
            last = i == len(listed) - 1
            suffix = f"之{m.group(3)}" if m.group(3) and last else ""
            paragraph, subitem = pinpoints.get(m.end(), (None, None)) if last else (None, None)
            refs.append(ArticleRef("article", n, f"第{number}条{suffix}", explicit=bool(law or annex), law=law,
                                   annex=annex is not None, paragraph=paragraph, subitem=subitem))
    if not refs and (last := LAST_REF_RE.search(question)):  # 「旅游法最后一条」
        law = _law_before(question, last.start())
        refs.append(ArticleRef("last", 0, last.group(0), explicit=bool(law), law=law,
                               annex=last.group(1) == "项" and bool(ANNEX_NAMED_RE.search(question))))
    if not refs:  # 「旅游法第三章第二十条」 names the article; 「旅游法第三章讲了什么」 the chapter
        for m in DIVISION_REF_RE.finditer(question):
            if not _WHOLE_DIVISION_RE.match(question[m.end():]):
                continue
            law = _law_before(question, m.start() - (question[m.start() - 1:m.start()] == "的"))
            if m.group(4):  # by its title, right after the law's name or as a chapter: 「…法的附则」「罚则那一章」
                if law or m.group(5):
                    refs.append(ArticleRef("division", 0, m.group(4), explicit=bool(law), law=law))
            elif (n := _num(m.group(1))) is not None:
                section = f"第{to_chinese_number(sub)}节" if m.group(3) and (sub := _num(m.group(3))) else ""  # 第五章第一节
                refs.append(ArticleRef("division", n, f"第{to_chinese_number(n)}{m.group(2)}{section}",
                                       explicit=bool(law), law=law))
    if len(refs) == 1 and not (refs[0].paragraph or refs[0].subitem) and (step := NEIGHBOUR_RE.search(original)):
        refs[0] = replace(refs[0], step=1 if step.group(1) else -1)
    # A question names a few articles; repeats (「第一条第一条…」) name nothing more and each costs a pass over
    # every clause.
    return list(dict.fromkeys(refs))[:MAX_REFS]


def _law_before(question: str, at: int) -> str:
    """The name of a law the question has right before ``at`` (「…老年人权益保障法」「刑法」; chapters between a name and
    its article are skipped: 「旅游法第三章第二十条」), less a demonstrative and the asking words before it; '' when
    there is none (「办法」「依法」 end in 法 and name none). Only the few characters a name takes are read."""
    text = _DIVISIONS_BEFORE_RE.sub("", question[max(0, at - LAW_CONTEXT):at])
    if (law := LAW_NAME_RE.search(text)) is None:
        return ""
    name = _ASKING_BEFORE_LAW_RE.sub("", _DEMONSTRATIVE_RE.sub("", law.group(1)))
    if law.start() and text[law.start() - 1].isdigit():  # 「1996年职业教育法」「96年版的…」: the year is not of the name
        name = _YEAR_REST_RE.sub("", name)
    return "" if name in _NOT_LAWS or len(name) < 2 else name  # 「这个法」 names none


def _read(pattern: re.Pattern, question: str) -> str:
    """The question with what ``pattern`` matched blanked out, so that no later pattern reads it again."""
    return pattern.sub(lambda m: "　" * len(m.group(0)), question)


def _section_before(question: str, at: int) -> int | None:
    """The part named just before an item (「三、（三）」「第三部分（三）」), if any."""
    if part := SECTION_QUALIFIER_RE.search(question[max(0, at - 8):at]):
        return _num(part.group(1) or part.group(2))
    bare = _BARE_PART_RE.search(question[:at])
    before = question[:bare.start()] if bare else ""
    if bare and (not before or before[-1] in " 　，,。：:的里中号" or _DOCUMENT_BEFORE_RE.search(before)):
        return _num(bare.group(1))
    return None


def title_pairs(text: str) -> set[str]:
    """The character pairs of a title, or of a question naming one, less the words every title has."""
    return char_bigrams(_TITLE_NOISE.sub("", text))


def core_title(title: str) -> str:
    """「中华人民共和国慈善法（2023年修正）」 → 「慈善法」."""
    return re.sub(r"[（(][^）)]*[）)]$|中华人民共和国|[《》\s　]", "", title)


def named_laws(words: list[str]) -> list[str]:
    """The laws a question names by a word in 法 (「老年人权益保障法」「社会保险法」「民法典」), given its words: the
    法 word with up to three words before it. 办法、提法、没法 name none."""
    laws = []
    for i, word in enumerate(words):
        law_word = word.endswith("法典") or (word.endswith("法") and word[-2:] not in _NOT_LAWS
                                             and (len(word) >= 3 or word == "法"))
        if not law_word:
            continue
        start = i
        while (start > 0 and i - start < _LAW_NAME_WORDS and words[start - 1] not in _BEFORE_LAW_NAME
               and re.fullmatch(r"[\u4e00-\u9fff]+", words[start - 1])):
            start -= 1
        name = core_title("".join(words[start:i + 1]))
        if len(name) >= 3:
            laws.append(name)
    return laws
