"""What a question asks for: a figure of some kind (money, days, a date, where to apply …), a named thing
(材料, 证书 …), a kind of institution, or the department responsible.

The evidence check refuses a question whose asked-for figure or thing the evidence does not contain, and the
extractive answerer prefers sentences that carry the figure and answers 谁负责 from the task table.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from policyqa.corpus.supports import short_province
from policyqa.corpus.vocab import alternation, vocabulary, words
from policyqa.index.tokenizer import PolicyTokenizer

# 「两份文件分别怎么要求」「52号文和24年意见各有什么要求」: what each of the documents says (not
# 「居家养老和社区养老分别怎么支持」: two topics).
_KINDS = alternation(words("document_kinds", "rules", "policies", "any"))
EACH_DOCUMENT_RE = re.compile(
    rf"两份|两个文件|两个意见|两文|两部|几份文件|(?:和|与|跟)\S{{0,15}}?(?:号文|{_KINDS})\S{{0,3}}?(?:各|分别)")
def _units(*classes: str) -> str:
    return alternation(words("figure_units", *classes))


_HOURS = _units("hours")
# 几 asks only when nothing makes it indefinite: 好几年, 这几个, 十几天, 没几个, 新招了几个 ask for nothing.
_JI = r"(?<![好这那前后头十没过些了])几"
# 「几个月」「几个工作日」 ask for a span or a level; 几个 before anything else counts things.
_MEASURED = f"月|工作日|{_HOURS}|百分点|等级|星级"
# 「最多能带几个孩子」「最多可以收多少个」「配几名保育员」 ask for a number, not a list.
COUNT_LIMIT_RE = re.compile(
    rf"(?:最多|最少|至少|不超过|不少于|上限)\S{{0,4}}(?:{_JI}|多少)个(?!{_MEASURED})|(?:配|配备|要|需要|有){_JI}(?:名|位)")
# 「几类/几项/哪几个方面」 ask for a list, which policy text writes out rather than counts.
ENUMERATION_RE = re.compile(rf"{_JI}(?:类|项|种|批|个(?!{_MEASURED})|方面|部分)|哪几")
# A yes/no question mentions 几个 in passing: 「照看几个邻居家的孩子，要不要登记」.
# 「国家支持不」「能报销没」: a yes/no question cut short after its 不/没.
YES_NO_RE = re.compile(r"吗|要不要|能不能|可不可以|是否|有没有|能否|行不行|可以不|会不会|算不算|怎么办|管不管"
                       r"|(?:不|没|没有)[？?！!。\s]*$")
# 谁 asks who does a task (「谁牵头」「由谁建设」), not whom one turns to (「找谁要」「向谁报告」), who acts for
# someone (「谁替他做决定」) or who would (「谁愿意干」「谁肯来」: nobody).
WHO_RE = re.compile(r"(?<![找向给跟问替和同对])谁(?!替|愿意|肯|乐意)|哪个部门|哪些部门|哪几个部门|哪家|哪几家|什么部门|哪个单位"
                    r"|哪些单位")
# 「谁报价低就给谁」「谁报价低谁就能拿到」: 谁…就…谁 means whoever, it asks for nobody.
_WHOEVER_RE = re.compile(r"谁[^，。？?！!]{1,8}?(?:就[^，。？?！!]{0,4}谁|谁就)")
_DUTY = r"牵头|负责(?!人)|责任单位|责任部门|主管|分工"
DUTY_RE = re.compile(_DUTY)
ROLE_RE = re.compile(rf"{_DUTY}|参与|参加|配合|有责任|有没有责任")  # a department's part in a task, led or not
WHICH_TASKS_RE = re.compile(r"哪些|哪几|哪项|哪一项|什么任务|什么工作|负责什么|牵头什么|管什么|所有|全部|列出")
UNITS_ASKED_RE = re.compile(r"责任单位|哪些部门|哪个部门|哪些单位|哪个单位|什么部门")  # a task's units, by that name
QUANTITY_RE = re.compile(
    rf"多少|多久|多长时间|时限|{_JI}[天年月岁次倍日级成]|{_JI}个?(?:{_HOURS})|{_JI}个(?:{_MEASURED})|比例|占比|百分点|金额|标准是"
    r"|什么时候|何时|哪年|哪一年|时间表|截止|(?:什么|多长|多久)\S{0,3}期限|期限(?:是|为|有多)|有没有\S{0,6}期限"
    r"|(?:时间|完成)期限|时间节点|多大(?:的)?面积|面积\S{0,3}多大|百分之(?:几|多少)|多少分钟|几分钟|多少时间"
    r"|多大(?:年龄|岁数|年纪)|多远|(?:多少|几)(?:米|公里|千米)"
    r"|(?:怎么|怎样|如何|去哪|到哪|在哪)\S{0,4}(?:办理|申请|报名|公证)|(?:申请|办理)(?:流程|程序)|(?:什么|哪些)手续"
    r"|(?:报名|报考|申领|申请)\S{0,4}(?:什么|哪些)条件|(?:报名|报考|申领|申请)条件"
)
_INTERROGATIVE_RE = re.compile(rf"多少|{_JI}|多大|多久|多长|多远|何时|什么时候|哪一?年|哪一?天")  # where a quantity is asked
_RHETORIC_RE = re.compile(r"([\u4e00-\u9fff]{1,2})多少\1多少")  # 「想收多少收多少」「要多少给多少」 asks no figure
# Chinese numerals as questions and policy text write figures (counts up to 十; 百千万 for amounts).
_DIGITS = "一二两三四五六七八九十"
_NUMERALS = _DIGITS + "百千万"
_NUM = rf"(?:\d+(?:\.\d+)?|[{_NUMERALS}]+)"
AMOUNT_RE = re.compile(rf"{_NUM}\s*(?:{_units('money')})")  # 「多少钱」 asks an amount in 元
# 「补贴多少」「罚多少」: an amount, a share of a cost, or a multiple of one (fines: 「处…1倍以上3倍以下的罚款」).
MONEY_RE = re.compile(rf"{AMOUNT_RE.pattern}|%|％|百分之|(?:\d+|[{_DIGITS}]+)\s*倍")
_RATIO_ASKED_RE = re.compile(r"配比|之比|师生比|人员比")  # 「保育人员与婴幼儿的配比」: 1:5, 1比7
_RATIO = r"\d+\s*[:：∶]\s*\d+"
_COUNTED = "人家个名户所张项次天年岁周位月日工时小老批"  # after 多少 these count people or things, not money
# When something is due: a year, 「年底」「之日起」, or a day of every year (「每年1月1日至1月31日」).
DATE_STATED_RE = re.compile(r"\d{4}\s*年|年底|年前|月底|日前|之日|以前|以内|\d{1,2}\s*月\s*\d{1,2}\s*日")
PROCEDURE_STATED_RE = re.compile(
    r"向[^，。；]{1,20}(?:申请|提出|提交|报送|备案|登记)|(?:到|在)[^，。；]{1,20}办理|申请材料|受理|窗口|网上办")
HEADCOUNT_RE = re.compile(rf"{_NUM}\s*(?:{_units('people')})")  # 「配几名社会工作者」: people, not 「200张」 beds
_HEADCOUNT_ASKED_RE = re.compile(r"(?<!第)(?:几|多少)(?:名|位)(?!数)")  # not a rank (第几名), not digits (多少位数)
# What a figure must look like, by what the question asks for; the first matching row applies.
FIGURE_KINDS: tuple[tuple[re.Pattern, re.Pattern], ...] = (
    (re.compile(r"多少钱|多少元|多少块|几块钱|几元"), AMOUNT_RE),
    # 「补贴每月发多少」「罚多少」: money, unless 多少 counts people or things (「津贴发给多少周岁以上」).
    (re.compile(rf"金额|多少(?![{_COUNTED}])[^，。？?、]{{0,4}}?(?:补贴|补助|费用|工资|津贴|奖励|资金|经费)"
                rf"|(?:罚|补|奖|赔|存|缴|交|付)多少(?![{_COUNTED}份])"
                rf"|(?:补贴|补助|奖补|奖励|资助|罚款|工资|费用|薪酬|津贴|收费|价格)[^，。？?、]{{0,10}}?多少(?![{_COUNTED}])"),
     MONEY_RE),
    (_RATIO_ASKED_RE, re.compile(rf"{_RATIO}|[\d{_DIGITS}]+\s*比\s*[\d{_DIGITS}]+|%|％|百分")),
    (re.compile(r"百分点|比例|占比|百分之|几成|多少成"), re.compile(r"%|％|百分|[一二三四五六七八九十]成")),
    # Training is counted in 学时/课时 (class hours).
    (re.compile(r"几个?小时|多少小时|多少个小时|几个?学时|多少学时|多少课时"), re.compile(rf"{_NUM}\s*(?:个)?(?:{_HOURS})")),
    (re.compile(r"几分钟|多少分钟"), re.compile(rf"{_NUM}\s*分钟|一刻钟|半小时|{_NUM}\s*(?:个)?小时")),
    # 「面积多大」「吃饭的地方至少要多大」: an area.
    (re.compile(r"多大(?:的)?面积|面积\S{0,3}多大|多少平(?:方米|米)?|(?:地方|场地|场所|用房|房子)\S{0,4}多大"),
     re.compile(rf"{_NUM}\s*(?:{_units('area')})")),
    (re.compile(r"多远|(?:多少|几)(?:米|公里|千米)"), re.compile(rf"{_NUM}\s*(?:{_units('length')})")),
    (re.compile(r"几天|多少天|多少日|几日|工作日|时限"), re.compile(rf"{_NUM}\s*(?:个)?(?:工作)?日|{_NUM}\s*天")),
    (re.compile(r"几年|多少年|年限"), re.compile(rf"(?<!\d)(?:\d{{1,2}}|[{_DIGITS}]+)\s*(?:个)?(?:周)?年(?!底|前|末|度)")),
    (re.compile(r"几岁|多少岁|年龄|周岁|岁数|年纪"), re.compile(rf"{_NUM}\s*(?:周)?岁")),
    # 「分几级」「几个星级」: levels are stated with their count (三级、五个等级、一至五星级).
    (re.compile(r"几个?(?:等级|星级|级)"), re.compile(rf"[\d{_DIGITS}]\s*(?:个)?(?:{_units('levels')})")),
    (re.compile(r"多久|多长时间|多少时间"),
     re.compile(rf"{_NUM}\s*(?:个)?(?:{_units('days', 'spans', 'hours')})|一刻钟|每[两半]?(?:年|季|月|周|星期|天|日)"
                rf"|年度|季度|月度|定期")),
    (re.compile(r"什么时候|何时|哪年|哪一年|时间表|期限|截止"), DATE_STATED_RE),
    # 「每个班最多招收多少名婴幼儿」「需要几位护理员」: a headcount, stated as one (「20名」), not any number in the clause.
    (_HEADCOUNT_ASKED_RE, HEADCOUNT_RE),
    # 「要摆多少个座位」: a count of things (not of months or hours, read above).
    (re.compile(r"多少个|多少张|多少家|多少所"), re.compile(rf"{_NUM}\s*(?:{_units('things')})")),
    # 「怎么办理」「去哪里申请」: the answer says where or to whom one applies.
    (re.compile(r"办理|申请|报名|报考|公证|流程|程序|手续"), PROCEDURE_STATED_RE),
)
# How many people, places, beds; 「一个护工最多管几个老人」 is stated as a ratio (1:4).
COUNT_RE = re.compile(rf"{_NUM}\s*(?:{_units('things')})|{_RATIO}")
# 「按工资的百分之几缴费」「报销几成」「配比是多少」 ask for a share itself; 「用地比例如何调整」 asks about one.
_SHARE_ASKED_RE = re.compile(rf"百分之(?:几|多少)|几成|多少成|{_RATIO_ASKED_RE.pattern}")
NUMBER_START_RE = re.compile(rf"[\d{_NUMERALS}]")  # 「哪个五年规划」 asks for a period, not a thing
NUMBER_RE = re.compile(rf"\d|[{_NUMERALS}]+(?:个|周)?[年月日岁天倍元人项次级类小分]|百分之|年底|年前")

# 「需要带哪些材料」「持什么证书」「选了哪些县」「分几个等级」: the word right after the interrogative names
# what is asked.
# 「没什么房产能抵押」「不是什么大事」: after a negation 什么 means "not much", it asks nothing.
ASKED_THING_RE = re.compile(rf"(?:(?<![没不])什么|哪些|哪种|哪类|哪个|何种|{_JI}[个类种])([\u4e00-\u9fff]{{1,12}})")
# 「个人缴费档次有哪些」「申报条件是什么」: the word right before the interrogative names what is asked.
ASKED_THING_BEFORE_RE = re.compile(r"([\u4e00-\u9fff]{1,8})(?:有|是|包括|分为)(?:哪些|哪几[种类个项]|什么)[？?。]?$")
_TIME_UNIT_RE = re.compile(alternation(words("figure_units", "hours", "days", "spans")))
# Words after an interrogative that go on the sentence instead of naming a thing (「依托什么来建设」「用什么去办」).
_FUNCTION_WORDS = frozenset(words("generic_words", "after_interrogative"))
_ORDER_ADVERBS = frozenset(words("generic_words", "order_adverbs"))
# Adverbs that may stand between the thing asked and 有哪些/是什么 (「设置要求具体有哪些」).
_ADVERBS = frozenset(words("generic_words", "adverbs"))
# Nouns that ask for nothing in particular: any provision on the topic answers 「有什么政策/要求/办法」.
UNSPECIFIC = frozenset(words("generic_words", "unspecific"))


# 「具体措施」「新路子」「主要任务」: an unspecific word under a modifier is as unspecific.
_MODIFIERS = words("generic_words", "modifiers")


def _unspecific(word: str) -> bool:
    return word in UNSPECIFIC or any(word.startswith(m) and word[len(m):] in UNSPECIFIC for m in _MODIFIERS)


# Province-level names, as people write them (浙江, not 浙江省), from the shared place vocabulary: a question about
# one of them is answered only by evidence that names it.
PROVINCES = tuple(short_province(province) for province, _ in vocabulary("places"))


# 「户口都在湖南老家」「我是湖北人」: the province says where the asker is from, not whose policy is asked;
# 「冬天去海南住几个月」: where the asker goes.
_PROVINCE_AS_ORIGIN_RE = re.compile(r"^(?:省|的)?(?:老家|人|籍|户口|那边)")
_PROVINCE_AS_DESTINATION_RE = re.compile(r"(?:去|到|来|往|赴)$")
# 「我在上海上班，爸妈在老家」: where the asker works or studies.
_ASKER_AT_RE = re.compile(r"(?:我|我们|俺|本人)(?:现在|目前|一直|长期)?在$")
_AT_WORK_RE = re.compile(r"^(?:市|省)?(?:上班|工作|打工|读书|上学)")
# 「老人在上海做过能力评估了」: somewhere a thing was done before, not whose policy is asked.
_DONE_THERE_RE = re.compile(r"^(?:市|省)?[\u4e00-\u9fff]{1,4}?(?:过|完)")


def named_provinces(question: str, document_spans: Sequence[tuple[int, int]] = ()) -> list[str]:
    """The provinces a question asks about (「浙江省家庭托育点…」), not those it names as the asker's origin,
    destination or workplace, nor one inside a mention of a loaded document (``document_spans``: 「湖南的居家社区方案」,
    or 「湖南」 alone where one loaded document is Hunan's): that place is the named document's, not a further
    condition on every clause."""
    def asked(m: re.Match) -> bool:
        return (asks_about_place(question, m.start(), m.end())
                and not any(start <= m.start() and m.end() <= end for start, end in document_spans))
    return [p for p in PROVINCES if any(asked(m) for m in re.finditer(p, question))]


def asks_about_place(question: str, start: int, end: int) -> bool:
    """Whether the place named at ``question[start:end]`` is one the question asks about, not where the asker comes
    from (「户口在湖南老家」), goes (「去海南住几个月」), works (「我在上海上班」) or did something before
    (「在上海做过评估」)."""
    before, after = question[:start], question[end:]
    return not (_PROVINCE_AS_ORIGIN_RE.match(after) or _PROVINCE_AS_DESTINATION_RE.search(before)
                or (_ASKER_AT_RE.search(before) and _AT_WORK_RE.match(after))
                or (before.endswith("在") and _DONE_THERE_RE.match(after)))


def asks_who_is_responsible(question: str) -> bool:
    """「谁牵头」「责任单位有哪些」 ask for a department; 「我们协会能牵头做评价吗」 asks whether one may."""
    return _asks_who(question) or bool(DUTY_RE.search(question) and not YES_NO_RE.search(question))


def _asks_who(question: str) -> bool:
    return bool(WHO_RE.search(_WHOEVER_RE.sub("", question)))


def asks_whether_one_takes_part(question: str) -> bool:
    """「是住建部牵头吗」「国家医保局要参与吗」: whether a department has a part in a task (answered from the
    task table when the question names a department in it)."""
    return bool(YES_NO_RE.search(question) and ROLE_RE.search(question))


def asks_tasks_of_unit(question: str) -> bool:
    """「民政部负责哪些任务」 asks which tasks a department it names has; 「责任单位有哪些？教育部在不在里面」 asks for a
    task's units, naming a department to check."""
    return bool(WHICH_TASKS_RE.search(question)) and not _asks_who(question) and not UNITS_ASKED_RE.search(question)


def named_unit(question: str, tokenizer: PolicyTokenizer, units: tuple[str, ...]) -> str | None:
    """The department of ``units`` (a task table's, longest first) the question names: written out (民政部, not the
    民政部门 of 「民政部门」) or as a word the synonyms give its name (住建部 → 住房城乡建设部)."""
    words = {t for w in tokenizer.words(question) for t in tokenizer.synonyms.get(w, (w,))}
    return next((n for n in units if n in words or re.search(f"{re.escape(n)}(?!门)", question)), None)


def figure_pattern(question: str) -> re.Pattern | None:
    """The shape of the figure a question asks for (money, days, a date …), or None if it asks none."""
    if COUNT_LIMIT_RE.search(question):
        return HEADCOUNT_RE if _HEADCOUNT_ASKED_RE.search(question) else COUNT_RE
    if ENUMERATION_RE.search(question) and not QUANTITY_RE.search(ENUMERATION_RE.sub("", question)):
        return None
    if not QUANTITY_RE.search(question) or _RHETORIC_RE.search(question):  # 「想收多少收多少」 is rhetoric
        return None
    # 「住几个月那种，国家支持吗」: 几 in a yes/no question describes; it asks for no figure.
    if YES_NO_RE.search(question) and all(m.group(0).startswith("几") for m in QUANTITY_RE.finditer(question)):
        return None
    # The first kind whose words hold an interrogative (「退休年龄…最长多长时间办好」 asks a time: 年龄 names the
    # subject), else the first kind matching anywhere (「退休年龄是多少」) — but where to apply is no answer to how
    # much (「申请运营补助，收托率至少要达到多少」: 申请 says what for).
    at_ask = (e for q, e in FIGURE_KINDS if any(_INTERROGATIVE_RE.search(m.group()) for m in q.finditer(question)))
    how_much = _INTERROGATIVE_RE.search(question) is not None
    anywhere = (e for q, e in FIGURE_KINDS if q.search(question) and not (how_much and e is PROCEDURE_STATED_RE))
    return next(at_ask, None) or next(anywhere, NUMBER_RE)


def must_state_figure(question: str, figure: re.Pattern) -> bool:
    """Whether only a sentence stating the figure answers, however well the evidence covers the question's words:
    an amount (「护理补贴每月发多少」 against 「合理确定…补贴标准」), a share, or a count limit (「家庭托育点最多收多少个
    孩子」 against 「明确…服务规模」)."""
    return figure in (AMOUNT_RE, MONEY_RE, COUNT_RE, HEADCOUNT_RE) or bool(_SHARE_ASKED_RE.search(question))


def asked_things(question: str, tokenizer: PolicyTokenizer) -> list[frozenset[str]]:
    """What a question asks for by name (「哪些材料」 → {材料}), as the whole word's terms (「消防设施」 is not
    answered by a mention of 设施); unspecific words (「什么政策」) ask for nothing in particular and are left out."""
    words = []
    for m in ASKED_THING_RE.finditer(question):
        if m.group(0).startswith("几") and YES_NO_RE.search(question):
            continue
        if m.group(0).startswith("几个") and _TIME_UNIT_RE.match(m.group(1)):  # 「几个月工资」 asks for a span, not a thing
            continue
        # 「什么只用跑一趟的说法」 asks for the noun after a short modifier's 的 (说法), not for 只用;
        # 的 inside a word (目的, 的话) is no modifier's.
        after = tokenizer.words(question[m.start(1):])
        # 「哪些具体要求」「哪些主要措施」: the noun after the modifier (「什么都不会」: 都 goes on the sentence, below).
        if len(after) > 1 and after[0] in _ADVERBS and after[0] not in _FUNCTION_WORDS:
            after = after[1:]
        de = next((i for i, w in enumerate(after[:6]) if w == "的"), None)
        modifier = "".join(after[:de]) if de is not None else ""
        noun = after[de + 1] if de is not None and de + 1 < len(after) and len(modifier) <= 8 else after[0]
        # 「几个躺在床上、吃喝拉撒都要人伺候的老人」: a verb with 在/着 opens a long modifier; its noun is not read.
        verb_phrase = noun == after[0] and len(after) > 1 and after[1] in ("在", "着")
        # 「医保报销和康复救助哪个先走」「哪个更划算」: an adverb of order or degree opens a predicate, not a noun.
        verb_phrase = verb_phrase or noun[:1] in _ORDER_ADVERBS
        if noun not in _FUNCTION_WORDS and not verb_phrase:
            words.append(noun)
    if before := ASKED_THING_BEFORE_RE.search(question):
        # 「设置要求具体有哪些」: the noun before the adverb.
        nouns = [w for w in tokenizer.words(before.group(1)) if w not in _ADVERBS]
        words += nouns[-1:]
    wholes = [(word, _whole_terms(word, tokenizer)) for word in words]
    return [whole for word, whole in wholes if whole and not _unspecific(word) and not whole & UNSPECIFIC
            and not NUMBER_START_RE.match(word) and not word.startswith("第")]


# 「要带什么证件」 is answered by a clause naming one (身份证, 社会保障卡): a category is named by its members.
# 「要带什么材料」 by the papers it lists (户口簿, 身份证, 书面协议); 「会受到什么处罚/处理」 by what a penalty article does
# (罚款, 责令, 吊销).
_IDENTITY_PAPERS = r"..证$|..卡$|户口簿|户口本|护照"
_PENALTIES = re.compile(r"罚款|罚金|处分|责令|吊销|没收|警告|拘留|追究")
_CATEGORY_MEMBERS = {"证件": re.compile(_IDENTITY_PAPERS), "证书": re.compile(r"..证书?$"),
                     "材料": re.compile(rf"{_IDENTITY_PAPERS}|证明|申请书|申请表|协议|照片|复印件"),
                     "处罚": _PENALTIES, "处理": _PENALTIES}


def names_thing(thing: frozenset[str], terms: set[str], tokenizer: PolicyTokenizer) -> bool:
    """Whether ``terms`` (a clause's) name the asked ``thing`` (:func:`asked_things`), a member of its category, or
    every part of its word (「财产来源」 by 「财产的主要来源」: a clause says a compound's parts apart)."""
    return bool(thing & terms) or any(c in _CATEGORY_MEMBERS and any(_CATEGORY_MEMBERS[c].search(t) for t in terms)
                                      for c in thing) or any((parts := _parts(w, tokenizer)) and parts <= terms
                                                             for w in thing)


def _parts(word: str, tokenizer: PolicyTokenizer) -> frozenset[str]:
    """The shorter terms that together spell ``word`` (财产来源 → 财产, 来源); empty when they leave some of it out."""
    parts = [t for t in tokenizer.tokenize(word) if len(t) < len(word)]
    covered = set()
    for part in parts:
        at = word.find(part)
        covered.update(range(at, at + len(part)) if at >= 0 else ())
    return frozenset(parts) if len(covered) == len(word) else frozenset()


# Things of these kinds are named by one word (增值税, 教师资格证, 育儿假, 社保卡, 生育津贴, and sums of money: 慰问金,
# 公积金, 年终奖, 注册资本): a question about one that no loaded clause names asks about something the documents do not
# cover. (…园 is not one: 托育园, 产业园 are said loosely.)
NAMED_KIND_RE = re.compile(r"^(?:(?!的)[\u4e00-\u9fff]){2,8}(?:税|证|假|卡|津贴|金|奖|资本)$")  # not 「真的假」 of 「真的假的」
# Money said loosely (专项资金, 财政资金, 启动资金): no kind of its own.
_LOOSE_MONEY_RE = re.compile(r"(?:资金|基金|现金)$")
# Papers anyone carries or any licensing asks for: asked about loosely (「要办许可证吗」 of a 备案), not a named kind.
_EVERYDAY_PAPERS = frozenset(words("generic_words", "everyday_papers"))


def unnamed_things(question: str, tokenizer: PolicyTokenizer, document_frequency: Callable[[str], int]) -> list[str]:
    """The words of ``question`` naming a tax, a certificate, a leave, a card or a sum of money (NAMED_KIND_RE) that no
    clause of the index names, as the word or as what the synonyms make of it."""
    def named(terms: frozenset[str]) -> bool:
        return any(document_frequency(t) for t in terms)

    # A sum named by what it is paid for (补助金 where the documents grant a 补助) is named with it.
    return [word for word in tokenizer.words(question) if NAMED_KIND_RE.match(word) and word not in _EVERYDAY_PAPERS
            and not _LOOSE_MONEY_RE.search(word) and (whole := _whole_terms(word, tokenizer)) and not named(whole)
            and not (word.endswith("金") and named(_whole_terms(word[:-1], tokenizer)))]


def _whole_terms(word: str, tokenizer: PolicyTokenizer) -> frozenset[str]:
    """The longest of a word's terms: the word itself, or what the synonyms make of it (「消防设施」, not 设施)."""
    terms = tokenizer.tokenize(word)
    return frozenset(t for t in terms if len(t) == max(map(len, terms), default=0))


# Words that say nothing about which kind an institution is (养老服务机构 is a kind of 养老 institution).
_NOT_A_KIND = frozenset(words("generic_words", "not_a_kind"))


def institution_kinds(text: str, tokenizer: PolicyTokenizer) -> list[frozenset[str]]:
    """The kinds of institution that ``text`` names as 「…机构」 (or by a word the synonyms make one), each as the
    two-character terms that tell it from its siblings: 托育机构 → {托育}, 养老服务机构 → {养老}, 医疗卫生机构 →
    {医疗, 卫生}."""
    kinds = []
    for written in tokenizer.words(text):
        # 「托儿所」 is a 托育机构 and 「养老院」 a 养老机构 in the synonyms the search uses.
        for word in (written, *tokenizer.synonyms.get(written, ())):
            if len(word) > 2 and word.endswith("机构"):
                marks = frozenset(t for t in tokenizer.tokenize(word[:-2]) if len(t) == 2 and t not in _NOT_A_KIND)
                if marks:
                    kinds.append(marks)
    return kinds
