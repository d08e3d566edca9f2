"""Answers with verified citations, refusals and direct lookup, through the real index and the real CLI."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from policyqa.assistant.service import NotFound


def _check_verbatim(assistant, answer):
    for c in answer.citations:
        assert c.quote and c.quote in assistant.clause(c.clause_id).text


def _named(question: str, by_doc: dict, docs: list[dict]):
    """What the analysis reads of ``question`` for direct lookup among these documents (their clauses by doc_id)."""
    from policyqa.assistant.lookup import part_titles, titled_sections
    from policyqa.assistant.mentions import document_mentions
    from policyqa.assistant.references import read_named

    clauses = [c for clauses in by_doc.values() for c in clauses]
    return read_named(question, tuple(document_mentions(question, docs)), titled_sections(clauses), part_titles(clauses))


def _looked_up(question: str, **documents) -> list:
    """The clauses :func:`policyqa.assistant.lookup.lookup` finds for ``question`` among parsed documents, keyed by doc_id."""
    from policyqa.assistant.lookup import lookup

    by_doc = {doc_id: doc.clauses for doc_id, doc in documents.items()}
    docs = [{"doc_id": doc_id, "title": doc.meta.title, "doc_number": doc.meta.doc_number}
            for doc_id, doc in documents.items()]
    return lookup(_named(question, by_doc, docs), by_doc, docs)


def test_answer_cites_the_article(assistant):
    answer = assistant.ask("养老机构的水电气热能按居民价格收费吗？")
    assert not answer.refused
    assert answer.citations[0].clause_id == "yanglao-gaige-2024:（十四）"
    assert "水电气热执行居民生活类价格" in answer.citations[0].quote
    assert "【《关于深化养老服务改革发展的意见》（十四）】" in answer.answer
    _check_verbatim(assistant, answer)


def test_unanswerable_is_refused_with_related(assistant):
    answer = assistant.ask("育儿假一共有多少天？")
    assert answer.refused and not answer.citations
    assert answer.answer.startswith("现有文件中未找到依据")
    assert answer.related


@pytest.mark.parametrize("question,expected", [
    ("国办发〔2020〕52号第十条", ["yanglao-tuoyu-2020:（十）"]),
    ("深化养老服务改革意见第（七）条是什么内容", ["yanglao-gaige-2024:（七）"]),
    ("分工表第11项由谁负责", ["yanglao-tuoyu-2020:附件第11项"]),
    ("国办发〔2020〕52号最后一段讲了什么", ["yanglao-tuoyu-2020:结语"]),          # by position
    ("《关于深化养老服务改革发展的意见》开头说了什么", ["yanglao-gaige-2024:序言"]),
])
def test_direct_lookup_returns_the_article_itself(assistant, question, expected):
    answer = assistant.ask(question)
    assert [c.clause_id for c in answer.citations] == expected
    assert answer.citations[0].quote == assistant.clause(expected[0]).text


def test_ambiguous_lookup_cites_each_document(assistant):
    answer = assistant.ask("（十四）讲了什么")
    assert {c.doc_id for c in answer.citations} == {"yanglao-tuoyu-2020", "yanglao-gaige-2024"}
    kept_to_one = assistant.ask("（十四）讲了什么", doc_ids=["yanglao-gaige-2024"])  # looked up in that one only
    assert [c.clause_id for c in kept_to_one.citations] == ["yanglao-gaige-2024:（十四）"]


def test_asked_what_each_document_says_both_are_cited(assistant):
    answer = assistant.ask("医养结合，2020年国办文件和2024年中央文件分别怎么要求？")
    assert {c.doc_id for c in answer.citations} == {"yanglao-tuoyu-2020", "yanglao-gaige-2024"}, answer.answer
    _check_verbatim(assistant, answer)


def test_responsible_units_from_the_task_table(assistant):
    answer = assistant.ask("家庭托育点管理办法由哪个部门牵头制定？")
    ids = [c.clause_id for c in answer.citations]
    assert ids[0] == "yanglao-tuoyu-2020:附件第11项" and "yanglao-tuoyu-2020:（八）" in ids
    assert "国家卫生健康委牵头" in answer.answer
    _check_verbatim(assistant, answer)


@pytest.mark.parametrize("question", ["民政部负责哪些任务", "列出52号文所有由民政部负责的任务", "民政部负责的全部任务"])
def test_a_departments_tasks_are_listed_from_the_task_table(assistant, question):
    answer = assistant.ask(question)
    rows = [c.label for c in answer.citations if c.label.startswith("附件")]
    assert len(rows) > 3 and all("民政部" in assistant.clause(c.clause_id).text for c in answer.citations), answer.answer


def test_stream_events_end_with_the_full_answer(assistant):
    events = list(assistant.ask_stream("家庭托育点需要登记备案吗"))
    kinds = [k for k, _ in events]
    assert kinds[0] == "citations" and kinds[-1] == "done" and "delta" in kinds
    done = events[-1][1]
    assert "".join(v for k, v in events if k == "delta") == done.answer


def test_unknown_ids_are_user_errors(assistant):
    with pytest.raises(NotFound):
        assistant.clause("nope:第一条")
    with pytest.raises(NotFound):
        assistant.document("nope")


def test_cli_ask_and_search_json(bundled_index_dir):
    cmd = [sys.executable, "-m", "policyqa"]
    out = subprocess.run(cmd + ["ask", "养老机构的水电气热能按居民价格收费吗？", "--index", str(bundled_index_dir), "--json"],
                         capture_output=True, text=True, check=True).stdout
    answer = json.loads(out)
    assert set(answer) >= {"question", "answer", "refused", "citations", "related"}
    assert answer["citations"][0]["label"] == "（十四）"
    lines = subprocess.run(cmd + ["search", "-", "--index", str(bundled_index_dir), "-k", "3"],
                           input="家庭托育点需要登记备案吗\n育儿假一共有多少天？\n",
                           capture_output=True, text=True, check=True).stdout.splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["question"] for r in records] == ["家庭托育点需要登记备案吗", "育儿假一共有多少天？"]
    hit = records[0]["hits"][0]
    assert {"clause_id", "doc_id", "doc_title", "doc_number", "label", "number", "part", "section", "text", "score"} <= set(hit)


def test_cli_reports_missing_index_clearly(tmp_path):
    result = subprocess.run([sys.executable, "-m", "policyqa", "search", "托育", "--index", str(tmp_path / "none")],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "policyqa build" in result.stderr and "Traceback" not in result.stderr


def test_unloaded_document_number_is_refused(assistant):
    answer = assistant.ask("国办发〔2099〕999号第一条")
    assert answer.refused and "国办发〔2099〕999号" in answer.answer


@pytest.mark.parametrize("question", ["", "   \t", "\x00\x01", "养老" * 600])
def test_bad_questions_are_user_errors(assistant, question):
    from policyqa.corpus.errors import UserError

    with pytest.raises(UserError):
        assistant.ask(question)


def test_figure_questions_need_a_figure(assistant):
    assert assistant.ask("个人养老金账户每年最多能缴多少钱").refused
    answer = assistant.ask("培训疗养机构转型养老服务要在什么时候前投入运营")
    assert not answer.refused and any("2022年底前" in c.quote for c in answer.citations)


def test_a_when_question_is_answered_by_the_sentence_with_the_date(assistant):
    answer = assistant.ask("疗养院改养老院，有没有给个完成的时间节点")
    assert not answer.refused and any("2022年底前" in c.quote for c in answer.citations), answer.answer


@pytest.mark.parametrize("question", [
    "新建住宅小区配套养老服务设施要做到几个“同步”？",       # 几个 asks for a list, not a figure
    "我在自己家里照看几个邻居家的孩子，要不要去登记备案",    # 几个 in a yes/no question asks nothing
    "智慧养老的应用场景有哪些",                               # 场景 asks for nothing in particular
    "家庭托育点的设置要求具体有哪些",                         # 具体 is an adverb, 要求 asks nothing in particular
    "出于什么目的出台养老托育这个意见",                       # the 的 of 目的 is no modifier's
    "办养老院要跑很多部门，现在有什么只跑一次的办法",         # the thing asked is 办法, after the modifier's 的
])
def test_counting_and_passing_numbers_are_answered(assistant, question):
    answer = assistant.ask(question)
    assert not answer.refused, answer.answer
    _check_verbatim(assistant, answer)


def test_a_count_in_the_section_heading_is_a_stated_figure(assistant):
    from policyqa.index.models import Hit

    question = "覆盖城乡的养老服务网络分几级，分别是哪几级？"
    item = next(c for c in assistant.index.clauses if "三级" in c.heading and c.doc_id == "yanglao-gaige-2024")
    assert _states(assistant, question, Hit(clause=item, score=0.9))


@pytest.mark.parametrize("question", [
    "县域养老服务体系创新试点选了哪些县？",        # the thing asked for (县) is not named by the evidence
    "浙江省家庭托育点最多可以收托几个孩子",        # a province no loaded document covers
    "婴幼儿参加城乡居民医保怎么办理",              # where/how to apply: the evidence says nothing of it
    "养老机构等级评定一共分几个星级",              # levels are stated with their count
    "家庭托育点需要准备哪些消防设施",              # a mention of 设施 does not name 消防设施
    "长期护理保险的缴费档次有哪些？",              # the thing asked (档次) comes before the interrogative
    "一名育婴员最多可以照看几个婴幼儿",            # 「最多…几个」 asks for a number, not a list
    "托育机构保育人员的最低工资是多少",            # a wage is money: a count of hours does not answer it
    "托育机构的水电气热能按居民价格收费吗",        # the article grants it to 养老服务机构, another kind
    "托儿所的水电气也能按居民价格收吗？",          # 托儿所 is a 托育机构 (the synonym the search uses)
    "经济困难失能老年人护理补贴每月发多少？",      # an amount, which 「合理确定…补贴标准」 does not state
    "开家庭托育点最少要多大面积、配几名保育员？",  # an area and a headcount
    "托育机构免征增值税需要满足什么条件？",        # no loaded clause names 增值税
    "托育机构保育人员需要持有教师资格证吗",        # nor 教师资格证
    "家庭托育点最多可以收多少个孩子",              # a count limit: 「明确…服务规模」 states none
    "长期护理保险个人和单位各按工资的百分之几缴费",  # a share no sentence states
    "托育机构保育人员与婴幼儿的配比是多少？",      # a ratio, likewise
    "生育津贴怎么计算",                            # no loaded clause names 生育津贴
    "百岁老人的长寿慰问金每个月给多少钱",          # nor 慰问金: a sum of money is named by one word
])
def test_questions_the_evidence_cannot_answer_are_refused(assistant, question):
    answer = assistant.ask(question)
    assert answer.refused and answer.related, answer.answer


def test_an_amount_in_yuan_is_not_answered_by_a_share():
    from policyqa.assistant.asks import AMOUNT_RE, MONEY_RE, figure_pattern, must_state_figure

    for question in ("申请护理补贴需要多少工作日", "养老补贴惠及多少老年人", "补贴审核要多少时间"):
        assert figure_pattern(question) not in (AMOUNT_RE, MONEY_RE), question
    # 几 describing in a yes/no question asks for no figure; 几成 asks a share, 几小时 a number of hours.
    assert figure_pattern("冬天带老人去海南住几个月那种边玩边养老，国家支持吗？") is None
    assert figure_pattern("冬天带老人去海南住几个月那种，国家支持不") is None  # a yes/no question cut short
    assert figure_pattern("场地租金最多能减免几成？").search("减免三成") and figure_pattern("能换几小时服务？").search("2小时")
    assert figure_pattern("养老机构被查出重大事故隐患要罚款多少钱？") is AMOUNT_RE
    assert not AMOUNT_RE.search("整改率＝已整改隐患数÷发现重大事故隐患数×100%。")
    assert figure_pattern("运营补贴每月发多少") is MONEY_RE and MONEY_RE.search("按建设成本的30%给予补助")
    assert figure_pattern("残疾人两项补贴每月的发放标准是多少？") is MONEY_RE  # a few words between 补贴 and 多少
    assert figure_pattern("对农村互助助餐点给多少建设补贴？") is MONEY_RE  # 多少 before the payment
    assert figure_pattern("多少人能领补贴") is not MONEY_RE  # 多少 counts people
    assert figure_pattern("个人养老金账户一年最多能存多少？") is MONEY_RE  # 存/缴/交 多少: money paid in
    assert figure_pattern("每月要交多少钱，缴费比例是多少") is AMOUNT_RE  # two figures asked, not rhetoric
    assert figure_pattern("养老院想收多少收多少，有人管吗") is None  # rhetoric
    # Where to apply answers 「去哪里申请」, not how much: 申请 says what the figure is for.
    assert figure_pattern("申请托育运营补助，机构平均收托率至少要达到多少").search("收托率不低于50%")
    assert figure_pattern("北京市的养老服务补贴去哪个窗口申请？").search("向街道窗口提出申请")
    ratio = figure_pattern("托育机构保育人员与婴幼儿的配比是多少？")
    assert ratio.search("按照1:5的比例配备") and not ratio.search("在校生规模达到800人")
    assert figure_pattern("一个护工最多能管几个老人？").search("养老护理员与失能老年人的配比不低于1:4")  # a ratio counts
    headcount = figure_pattern("床位数在200张以上的养老机构至少要配备几名社会工作者？")
    assert headcount.search("配备2名社会工作者") and not headcount.search("床位数在200张以上")
    # The kind is read where the question asks (多长时间), not from a word of its subject (退休年龄 is no age asked).
    when_done = figure_pattern("快到退休年龄了，申请领养老金，他们最长多长时间要给我办好？")
    assert when_done.search("自收到申请之日起20个工作日内办理完毕") and not when_done.search("男职工年满六十岁")
    assert figure_pattern("退休年龄是多少").search("男职工年满六十岁")  # asked nowhere else: the row matching anywhere
    # 「多少名」 with words between the limit and the count: a headcount is stated, not any number of the clause.
    headcount = figure_pattern("托育机构每个班最多可以招收多少名婴幼儿？")
    assert headcount.search("每班不超过20名") and not headcount.search("为三岁以下婴幼儿提供照护服务")
    assert must_state_figure("托育机构每个班最多可以招收多少名婴幼儿？", headcount)
    assert figure_pattern("统一社会信用代码是多少位数") is not headcount and figure_pattern("考核排第几名") is not headcount
    assert figure_pattern("高龄津贴发给多少周岁以上的老年人") is not MONEY_RE
    # A span, an age and a distance asked in everyday words.
    assert figure_pattern("社区养老服务要纳入城市多少时间范围的便民生活圈").search("一刻钟便民生活圈")
    assert figure_pattern("延迟退休以后男职工多大年龄退休").search("年满60周岁")
    distance = figure_pattern("高速上车坏了，三角警示牌要放在车后面多远？")
    assert distance.search("在车后五十米至一百米处设置警告标志") and not distance.search("50平方米")


def test_a_province_named_as_the_askers_origin_is_not_asked_about():
    from policyqa.assistant.asks import named_provinces

    assert named_provinces("我爸妈户口都在湖南老家，去年搬来深圳跟我住") == []
    assert named_provinces("浙江省家庭托育点最多可以收托几个孩子") == ["浙江"]
    assert named_provinces("我爸妈冬天想去海南住几个月，这种候鸟式的养老国家提倡吗") == []  # where they go
    assert named_provinces("我在上海上班爸妈在老家，想叫人上门做饭") == []  # where the asker works
    assert named_provinces("在上海生活的老人能领什么补贴") == ["上海"]


def test_figures_written_in_words_and_topics_named_with_a_figure_word(assistant):
    answer = assistant.ask("社区养老服务要纳入城市多少分钟的便民生活圈")  # the text says 一刻钟
    assert not answer.refused and "一刻钟" in answer.citations[0].quote, answer.answer
    from policyqa.assistant.analysis import analyse

    asked = analyse("养老服务设施用地比例如何调整", assistant.index)  # asks about a share, not for one
    assert asked.figure is not None and not asked.figure_required


@pytest.mark.parametrize("question, label", [
    ("养老托育52号文要求地方政府把服务能力提升成效向谁报告", "结语"),        # to whom one reports
    ("孩子送的托儿所突然说不干了，交的钱找谁要，国家对托育机构关门有没有规定", "（二十）"),  # whom one turns to
])
def test_who_as_the_object_does_not_ask_for_a_responsible_department(assistant, question, label):
    answer = assistant.ask(question)
    assert answer.citations[0].part != "annex" and answer.citations[0].label == label, answer.answer


def test_a_verb_phrase_after_the_interrogative_names_no_thing(assistant):
    from policyqa.assistant.asks import asked_things

    question = "养老院里一个护工最多能管几个躺在床上、吃喝拉撒都要人伺候的老人？"
    assert asked_things(question, assistant.index.tokenizer) == []  # 躺 is no thing asked for
    question = "手里没什么房产能抵押，能不能拿收费权去质押贷款"  # 没什么 is "hardly any", not a question
    assert asked_things(question, assistant.index.tokenizer) == []
    question = "残疾孩子做矫治手术，医保报销和康复救助哪个先走？"  # 先走 is the predicate: which one goes first
    assert asked_things(question, assistant.index.tokenizer) == []
    question = "2020年和2024年这两个文件，哪个提到了脑机接口？"  # 哪个 then a verb of saying: which of the texts
    assert asked_things(question, assistant.index.tokenizer) == []
    question = "支持社区托育有哪些具体要求？"  # 具体 modifies the noun after it: 要求, which asks for nothing in particular
    assert asked_things(question, assistant.index.tokenizer) == []
    question = "社区养老服务机构备案有什么时限？"  # a span of time, as 什么时间 asks: the figure, not a word to find
    assert asked_things(question, assistant.index.tokenizer) == []


def test_a_word_going_on_after_the_interrogative_names_no_thing(assistant):
    answer = assistant.ask("县级综合养老服务管理平台依托什么来建设？")  # 来 goes on the sentence; no thing is asked
    assert not answer.refused and answer.citations[0].clause_id == "yanglao-gaige-2024:（一）"


def test_the_kind_of_institution_the_article_names_is_answered(assistant):
    answer = assistant.ask("养老机构的水电气热能按居民价格收费吗")
    assert not answer.refused and answer.citations[0].label == "（十四）"


def test_may_we_lead_is_not_a_who_leads_question(assistant):
    answer = assistant.ask("我们行业协会能牵头给养老院和托育机构做服务能力评价吗？")
    assert not answer.refused and answer.citations[0].part == "body"


def test_whether_a_named_department_takes_part_is_answered_from_the_task_table(assistant):
    answer = assistant.ask("空置公租房免费提供给社会力量开展助餐助行，是住建部牵头吗？")  # 住建部 = 住房城乡建设部
    first = answer.citations[0]
    assert first.part == "annex" and first.quote.startswith("住房城乡建设部牵头"), answer.answer


def test_a_who_question_is_not_answered_from_another_documents_task_table(assistant):
    answer = assistant.ask("乡镇（街道）敬老院可以由哪个部门直管？")  # 2024 opinion （二）: 县级民政部门直管
    assert answer.citations[0].clause_id == "yanglao-gaige-2024:（二）", answer.answer


def test_who_question_without_a_matching_task_row_is_answered_from_the_articles(assistant):
    answer = assistant.ask("老年人助浴服务谁来提供")
    assert not answer.refused and answer.citations[0].part == "body"
    assert any("助浴" in c.quote for c in answer.citations)  # the rare term picks the sentence, not 老年人


def test_a_place_the_asker_turns_down_is_not_searched(assistant):
    from policyqa.assistant.declined import without_declined
    assert without_declined("能不能不去养老院，在自己家里也有专业的人护理？") == "能不能，在自己家里也有专业的人护理？"
    assert without_declined("我们不想送她去养老院，能不能在家里照顾") == "我们，能不能在家里照顾"
    assert without_declined("能不能去养老院") == "能不能去养老院"  # 不能 + 去 is asking, not turning down
    assert without_declined("不去养老院") == "不去养老院"  # nothing else left: the question stays whole
    answer = assistant.ask("我爸瘫在床上，能不能不去养老院，在自己家里也有专业的人护理？")
    assert answer.citations[0].clause_id == "yanglao-gaige-2024:（四）", answer.answer  # 家庭养老床位, not 机构养老


def test_search_puts_the_named_article_first(assistant):
    hits = assistant.search("国办发〔2020〕52号第十条", k=3)
    assert hits[0].clause.clause_id == "yanglao-tuoyu-2020:（十）" and len(hits) == 3
    assert len({h.clause.clause_id for h in hits}) == 3


@pytest.mark.parametrize("question", ["（99999）是什么", "第（12345）条", "养老\ud800机构能按居民价格交水电吗"])
def test_odd_questions_do_not_crash(assistant, question):
    answer = assistant.ask(question)
    _check_verbatim(assistant, answer)
    assistant.search(question)


@pytest.mark.parametrize("question, missing", [
    ("分工表第999项是什么", "分工表第999项"),
    ("国办发〔2020〕52号第四十条", "第四十条"),
    ("（二十五）讲了什么", "（二十五）"),
    ("附件第五条讲了什么", "附件第五条"),  # the annex is a task table, not a text with articles
])
def test_an_article_that_does_not_exist_is_refused_by_name(assistant, question, missing):
    answer = assistant.ask(question)
    assert answer.refused and f"没有{missing}" in answer.answer, answer.answer


def test_when_a_named_document_was_issued_is_its_dated_closing(assistant):
    for question in ("国办发〔2020〕52号是哪天印发的？", "促进养老托育服务健康发展的意见是什么时候发布的"):
        answer = assistant.ask(question)
        assert [c.label for c in answer.citations] == ["结语"] and "2020年12月14日" in answer.answer
        assert answer.citations[0].quote == "国务院办公厅\n2020年12月14日"  # the sign-off, not the whole closing
    # 「发布以后多长时间」「要求哪年出台…办法」「审核通过的时间」 ask about a deadline, not the date of issue.
    assert "2020年12月14日" not in assistant.ask("52号文中托育机构备案审核通过的时间有要求吗").answer
    assert "2020年12月14日" not in assistant.ask("养老托育意见发布以后多长时间要完成任务").answer
    assert "2020年12月14日" not in assistant.ask("52号文要求哪年出台家庭托育点管理办法").answer


def test_a_document_dated_under_its_title_is_dated_by_its_title_note(assistant):
    for question in ("中共中央国务院关于深化养老服务改革发展的意见是哪年出台的", "这个中央文件是哪天发的？2024年那个"):
        answer = assistant.ask(question)
        assert [c.clause_id for c in answer.citations] == ["yanglao-gaige-2024:题注"], question
        assert answer.citations[0].quote == "（2024年12月30日）"


def test_when_a_law_was_adopted_and_came_into_force():
    from policyqa.assistant.lookup import lookup, self_description_quote
    from policyqa.corpus import parse_text

    doc = parse_text("# 某某省养老服务条例\n\n2021年3月1日 某某省第十三届人民代表大会常务委员会第二十次会议通过\n\n"
                     "<!-- INFO END -->\n\n第一条 为了规范养老服务，制定本条例。\n\n"
                     "第二条 本条例自2021年5月1日起施行。2015年施行的暂行办法同时废止。\n", "tl", ".md")
    docs = [{"doc_id": "tl", "title": doc.meta.title, "doc_number": None}]

    def answer(question: str) -> list[tuple[str, str | None]]:
        asked = _named(question, {"tl": doc.clauses}, docs)
        return [(c.label, self_description_quote(asked, c)) for c in lookup(asked, {"tl": doc.clauses}, docs)]

    adopted = "2021年3月1日 某某省第十三届人民代表大会常务委员会第二十次会议通过"
    assert answer("某某省养老服务条例是什么时候通过的") == [("题注", adopted)]
    assert answer("某某省养老服务条例什么时候施行") == [("第二条", "本条例自2021年5月1日起施行。")]
    assert answer("某某省养老服务条例的施行日期") == [("第二条", "本条例自2021年5月1日起施行。")]
    # a second question after it (「…，有效期到哪天？」) leaves it a when-question
    assert answer("某某省养老服务条例从什么时候开始施行，还有效吗？") == [("第二条", "本条例自2021年5月1日起施行。")]
    assert answer("某某省养老服务条例什么时候施行，护理补贴每月多少？") == []  # the second question is searched
    assert answer("某某省养老服务条例规定了什么") == []  # not a when-question: retrieval answers it


def test_the_words_naming_a_document_say_where_to_look_not_what_is_asked(assistant):
    from policyqa.assistant.mentions import document_mentions, without_mentions

    docs = assistant.index.documents

    def named(question: str) -> list[tuple[str, tuple[str, ...]]]:
        return [(question[m.start:m.end], m.doc_ids) for m in document_mentions(question, docs)]

    assert named("医养结合，2020年国办文件和2024年中央文件分别怎么要求？") == [
        ("2020年国办文件", ("yanglao-tuoyu-2020",)), ("2024年中央文件", ("yanglao-gaige-2024",))]
    assert named("交通运输部在养老托育意见的分工中负责什么") == [("养老托育意见", ("yanglao-tuoyu-2020",))]
    assert named("国办发〔2020〕52号文的主送单位是哪些") == [("国办发〔2020〕52号文", ("yanglao-tuoyu-2020",))]
    assert named("24年养老意见第十四条讲什么") == [("24年养老意见", ("yanglao-gaige-2024",))]
    assert named("国办发52号第十条讲什么") == [("国办发52号", ("yanglao-tuoyu-2020",))]  # the issuer's code, no year
    assert named("那国办发52号文呢？") == [("国办发52号文", ("yanglao-tuoyu-2020",))]
    for question in ("国家文件里有没有说法", "两份文件对公建民营都有什么规定？", "托育机构收费有规定吗", "征求意见了吗"):
        assert named(question) == [], question
    assert named("那个意见（九）") == []  # two loaded documents are 意见: the kind alone names neither
    assert named("2024年中央那个养老意见里，养老机构分成哪几类") == [  # words between the issuer and the name
        ("2024年中央那个养老意见", ("yanglao-gaige-2024",))]
    assert named("中办国办那个养老意见第十四条讲什么") == []  # 中办 is not the 2020 document's issuer
    assert named("社区养老服务网络怎么建，2020年和2024年两份文件的提法有什么不同？") == [  # both, by their years
        ("2020年和2024年两份文件", ("yanglao-tuoyu-2020", "yanglao-gaige-2024"))]
    assert named("培育民族品牌，是2020年还是2024年的文件说的") == [  # either year: both are asked about
        ("2020年还是2024年的文件", ("yanglao-tuoyu-2020", "yanglao-gaige-2024"))]
    assert named("2020年和2023年的意见") == []  # no document of 2023 is loaded
    assert named("老人走失后养老机构应该通知谁") == []  # the 该 of 应该 is no 「该通知」
    assert without_mentions("对口支援养老服务怎么做", []) == "对口支援养老服务怎么做"  # nothing named, nothing cut
    laws = [{"doc_id": "cs", "title": "中华人民共和国慈善法", "date": "2023-12-29"},
            {"doc_id": "gy", "title": "中华人民共和国公益事业捐赠法", "date": "1999-06-28"},
            {"doc_id": "ldht", "title": "中华人民共和国劳动合同法", "date": "2012-12-28"},
            {"doc_id": "ldtl", "title": "中华人民共和国劳动合同法实施条例", "date": "2008-09-18"}]
    question = "慈善法和公益事业捐赠法有什么区别"  # each law by its short title; 和 is no title character
    assert [(question[m.start:m.end], m.doc_ids) for m in document_mentions(question, laws)] == [
        ("慈善法", ("cs",)), ("公益事业捐赠法", ("gy",))]
    question = "基金会算不算劳动合同法规定的用人单位"  # a law, and the rules implementing it
    assert [m.doc_ids for m in document_mentions(question, laws)] == [("ldht", "ldtl")]
    question = "52号文对社区托育怎么说"
    assert without_mentions(question, document_mentions(question, docs)) == "社区托育怎么说"
    # The kinds come from corpus/vocab/document_kinds.txt: 实施细则 is a kind of its own, so the one loaded 实施细则
    # is named by it alone (it was read as 细则, and 「实施」 named nothing).
    rules = [{"doc_id": "xz", "title": "岭西省老年助餐服务补贴实施细则", "date": "2023-01-01"}, *laws]
    question = "那个实施细则第五条怎么说"
    assert [(question[m.start:m.end], m.doc_ids) for m in document_mentions(question, rules)] == [
        ("那个实施细则", ("xz",))]
    # A joint document by its first issuer and how many issued it: the issuers are part of its name, not words of
    # the question (they searched for 民政部 and 部门 → 责任单位).
    joint = [{"doc_id": "nc", "title": "民政部 国家发展改革委 财政部关于加快发展农村养老服务的指导意见",
              "issuer": "民政部、国家发展改革委、财政部", "date": "2024-05-08"}, *docs]
    for question, name in (("民政部等八部门关于加快发展农村养老服务的意见，2025年要实现哪些主要目标？",
                            "民政部等八部门关于加快发展农村养老服务的意见"),
                           ("请问民政部等3部门加快发展农村养老服务的指导意见有哪些目标", "民政部等3部门加快发展农村养老服务的指导意见")):
        assert [(question[m.start:m.end], m.doc_ids) for m in document_mentions(question, joint)] == [(name, ("nc",))]
    question = "民政部等八部门关于促进养老托育服务健康发展的意见"  # not one of its issuers: the name starts at 关于
    assert [question[m.start:m.end] for m in document_mentions(question, joint)] == ["关于促进养老托育服务健康发展的意见"]
    # The title's words no longer pull up the preamble that restates the title.
    answer = assistant.ask("深化养老服务改革发展的意见的主要目标")
    assert answer.citations[0].clause_id == "yanglao-gaige-2024:一、总体要求"
    hits = assistant.search("52号文对社区养老服务怎么说", k=10)
    assert {h.clause.doc_id for h in hits} == {"yanglao-tuoyu-2020"}  # within the document it names


def test_an_announcements_article_is_looked_up_by_its_number():
    from policyqa.corpus import parse_text
    from tests.test_corpus_genre import ANNOUNCEMENT

    doc = parse_text(ANNOUNCEMENT, "gg")
    for question, labels in (("76号公告第二条", ["二、"]), ("76号公告第三条讲了什么", ["三、"]), ("76号公告是哪天发布的", ["结语"]),
                             ("这份公告第三条", ["三、"])):  # the one loaded 公告
        assert [c.label for c in _looked_up(question, gg=doc)] == labels


def test_an_article_of_the_text_a_notice_issues_is_looked_up_by_that_texts_name():
    from policyqa.corpus import parse_text

    notice = parse_text("某某省民政厅关于印发《某某省残疾儿童康复救助管理办法》的通知\n\n各市州民政局：\n\n"
                        "现将《某某省残疾儿童康复救助管理办法》印发给你们，请认真贯彻执行。\n\n某某省民政厅\n2025年4月10日\n\n"
                        "某某省残疾儿童康复救助管理办法\n\n第一条　为规范康复救助工作，制定本办法。\n\n"
                        "第二条　救助对象年龄范围为0至14周岁。\n", "kf")
    assert [c.label for c in _looked_up("残疾儿童康复救助管理办法第二条规定了什么", kf=notice)] == ["第二条"]


def test_a_law_named_by_a_longer_title_is_not_the_shorter_law_inside_it():
    from policyqa.corpus import parse_text

    insurance = parse_text("# 中华人民共和国保险法\n\n第一条　为了规范保险活动，制定本法。\n\n第二条　本法所称保险，是指商业保险。\n",
                           "bx", ".md")
    social = parse_text("# 中华人民共和国社会保险法\n\n第一条　为了规范社会保险关系，制定本法。\n\n"
                        "第二条　国家建立基本养老保险等社会保险制度。\n", "sb", ".md")
    assert [c.clause_id for c in _looked_up("社会保险法第二条的内容是什么？", bx=insurance, sb=social)] == ["sb:第二条"]
    assert [c.clause_id for c in _looked_up("保险法第二条的内容是什么？", bx=insurance, sb=social)] == ["bx:第二条"]


def test_a_local_rule_named_without_its_place_and_a_part_named_as_an_article():
    from policyqa.assistant.lookup import missing_articles
    from policyqa.corpus import parse_text

    rule = parse_text("# 某某市居家养老服务条例\n\n第一条　为了规范居家养老服务，制定本条例。\n\n"
                      "第二条　本条例自2022年1月1日起施行。\n", "tl", ".md")
    measures = parse_text("# 某某市促进婴幼儿照护服务发展的若干措施\n\n**一、扩大托育供给。** 建成托位。\n\n"
                          "**二、强化用地保障。** 配套建设。\n", "cs", ".md")
    assert [c.clause_id for c in _looked_up("居家养老服务条例第二条讲了什么", tl=rule, cs=measures)] == ["tl:第二条"]
    docs = [{"doc_id": "tl", "title": rule.meta.title, "doc_number": None}]
    by_doc = {"tl": rule.clauses}
    assert missing_articles(_named("居家养老服务条例第二条", by_doc, docs), by_doc, docs) == []
    # The one loaded 若干措施, named by its kind with a word its title does not have; its parts are its articles.
    assert [c.clause_id for c in _looked_up("托育若干措施的第二条讲的是什么", tl=rule, cs=measures)] == ["cs:二、强化用地保障"]


def test_an_item_named_by_its_part_and_number():
    from policyqa.assistant.references import find_refs

    assert [(r.kind, r.number, r.section) for r in find_refs("那个助餐通知第三部分第二项讲的是什么")] == [("item", 2, 3)]
    assert [(r.kind, r.number) for r in find_refs("分工表第5项")] == [("annex", 5)]  # a row, as before
    # A point of an item: 「一、（二）第2点」 is point 一、（二）2., not the item and an article 第2条.
    assert [(r.kind, r.number, r.section, r.item) for r in find_refs("托育实施方案一、（二）第2点的目标是多少")] == [
        ("point", 2, 1, 2)]
    assert [r.kind for r in find_refs("养老改革意见（2024）第6条是关于什么的")] == ["article"]  # （2024） is a year


def test_an_opinions_article_is_its_item_not_its_part(assistant):
    answer = assistant.ask("深化养老服务改革发展的意见第六条讲了什么")  # （六）, not part 六、加强组织实施
    assert [c.label for c in answer.citations] == ["（六）"], answer.answer


def test_an_annexed_text_is_looked_up_by_its_own_title():
    from policyqa.assistant.lookup import lookup, missing_articles
    from policyqa.corpus import parse_text

    doc = parse_text("国家卫生健康委关于印发托育机构设置标准（试行）的通知\n国卫人口发〔2019〕58号\n现印发给你们，请遵照执行。\n"
                     "附件：1．托育机构设置标准（试行）\n2．托育机构管理规范（试行）\n国家卫生健康委\n2019年10月8日\n\n"
                     "附件1\n\n托育机构设置标准（试行）\n\n第一条　本标准所称托育机构是指为3岁以下婴幼儿提供照护服务的机构。\n\n"
                     "第二条　托育机构应当有自有场地或租赁期不少于3年的场地。\n\n附件2\n\n托育机构管理规范（试行）\n\n"
                     "第一条　为加强托育机构管理，制定本规范。\n\n第二条　托育机构应当保证婴幼儿每日户外活动不少于2小时。\n", "wjw")
    by_doc, docs = {"wjw": doc.clauses}, [{"doc_id": "wjw", "title": doc.meta.title, "doc_number": doc.meta.doc_number}]
    assert [c.label for c in lookup(_named("托育机构管理规范第二条说了什么", by_doc, docs), by_doc, docs)] == ["附件2第二条"]
    assert missing_articles(_named("托育机构设置标准第二条", by_doc, docs), by_doc, docs) == []
    assert missing_articles(_named("托育机构设置标准第九十九条", by_doc, docs), by_doc, docs) == ["托育机构设置标准第九十九条"]
    # Shortened as readers shorten a title: its characters in order, its kind at the end; 「管理规范」 alone is too
    # little to name one text.
    assert [c.label for c in lookup(_named("托育管理规范第二条说了什么", by_doc, docs), by_doc, docs)] == ["附件2第二条"]
    assert [c.label for c in lookup(_named("托育设置标准第一条", by_doc, docs), by_doc, docs)] == ["附件1第一条"]
    assert "附件2第二条" not in [c.label for c in lookup(_named("管理规范第二条", by_doc, docs), by_doc, docs)]
    # A name that is a loaded document's is that document's, though it also shortens an annexed title.
    law = parse_text("# 社会救助暂行办法\n\n第一条　为了加强社会救助，制定本办法。\n\n第十条　特困人员供养的标准，由省级人民政府确定。\n",
                     "sj", ".md")
    notice = parse_text("某某省民政厅关于印发社会救助家庭经济状况核对暂行办法的通知\n某民发〔2024〕3号\n现印发给你们。\n"
                        "某某省民政厅\n2024年1月8日\n\n附件\n\n某某省社会救助家庭经济状况核对暂行办法\n\n"
                        "第一条　为规范核对工作，制定本办法。\n\n第十条　核对结果应当告知申请人。\n", "hd")
    by_doc = {"sj": law.clauses, "hd": notice.clauses}
    docs = [{"doc_id": d, "title": doc.meta.title, "doc_number": doc.meta.doc_number} for d, doc in (("sj", law), ("hd", notice))]
    assert [c.clause_id for c in lookup(_named("社会救助暂行办法第十条规定了什么", by_doc, docs), by_doc, docs)] == ["sj:第十条"]
    assert [c.clause_id for c in lookup(_named("经济状况核对暂行办法第十条", by_doc, docs), by_doc, docs)] == ["hd:附件第十条"]


@pytest.mark.parametrize("question, label", [
    ("请问国办发〔2020〕52号第十条讲什么", "（十）"),  # 「请问」 is not part of the 发文字号
    ("国办发2020年52号 第五点是什么", "（五）"),       # typed without brackets; 第五点 for 第五条
    ("我想问问国办发〔2020〕52号第十条讲什么", "（十）"),  # words before the issuer that no list foresaw
])
def test_document_numbers_as_people_type_them(assistant, question, label):
    answer = assistant.ask(question)
    assert not answer.refused and answer.citations[0].label == label, answer.answer


def test_a_question_repeating_names_and_articles_costs_no_more_than_a_few():
    from policyqa.assistant.references import MAX_REFS, find_refs
    from policyqa.assistant.mentions import MAX_KIND_WORDS, document_mentions

    assert len(find_refs("第一条" * 300)) == 1 and len(find_refs("第一条第二条第三条第四条第五条第六条第七条第八条")) == MAX_REFS
    # Every 法 could end a law's name; only the first few kind words are read as names.
    docs = [{"doc_id": "cs", "title": "中华人民共和国慈善法", "date": "2023-12-29"}]
    assert [m.doc_ids for m in document_mentions("慈善法对慈善信托怎么规定", docs)] == [("cs",)]
    assert document_mentions("无效" * 2 + "办法" * MAX_KIND_WORDS + "慈善法", docs) == []


def test_an_orders_number_names_it():
    from policyqa.assistant.mentions import doc_numbers

    for question in ("国务院令第456号第十一条是怎么规定的？", "请问中华人民共和国国务院令第456号"):
        assert [n.number for n in doc_numbers(question)] == ["国务院令第456号"]


def test_a_title_note_is_looked_up_not_searched(assistant):
    for question in ("高考志愿填报截止时间是哪天？", "这个会议是什么时候开的"):
        assert all(h.clause.label != "题注" for h in assistant.search(question, k=20))
    answer = assistant.ask("《中共中央 国务院关于深化养老服务改革发展的意见》落款日期是哪天？")
    assert [c.label for c in answer.citations] == ["题注"]


def test_ordinary_wording_and_unloaded_laws_around_article_references(assistant):
    # 「第一项任务」 is wording, not a task-table row that is missing.
    assert "没有第一项" not in assistant.ask("发展养老服务的第一项任务是什么").answer
    # A law named with its article that is not loaded is said to be missing, whatever other documents hold.
    answer = assistant.ask("老年人权益保障法第二十六条")
    assert answer.refused and "没有老年人权益保障法第二十六条" in answer.answer


def test_a_person_in_charge_is_not_a_department_taking_part(assistant):
    answer = assistant.ask("公办养老机构的负责人是否要由民政部门任命")  # 负责人, and 民政部门 is not 民政部
    assert not answer.citations or answer.citations[0].part != "annex", answer.answer


def test_the_askers_own_numbering_is_not_an_article(assistant):
    answer = assistant.ask("我想问两点：(1) 家庭托育点需要登记备案吗")
    assert not answer.refused and answer.citations[0].clause_id == "yanglao-tuoyu-2020:（八）"


def test_document_number_in_other_brackets(assistant):
    for question in ("国办发(2020)52号第十条", "国办发［２０２０］52号第十条"):
        assert [c.clause_id for c in assistant.ask(question).citations] == ["yanglao-tuoyu-2020:（十）"]


def test_k_must_be_positive(assistant):
    from policyqa.corpus.errors import UserError

    with pytest.raises(UserError):
        assistant.search("托育", k=0)
    with pytest.raises(UserError):
        assistant.ask("托育", k=-1)


def test_items_numbered_afresh_in_each_part_are_looked_up_with_their_part():
    from policyqa.corpus import parse_text
    from tests.test_corpus_genre import PDF_RESTARTING_ITEMS

    doc = parse_text(PDF_RESTARTING_ITEMS, "fazhan")

    def labels(question: str) -> list[str]:
        return [c.label for c in _looked_up(question, fazhan=doc)]

    assert labels("国发〔2013〕35号二、（二）讲了什么") == ["二、（二）"]
    assert labels("35号文第三部分（一）") == ["三、（一）"]
    assert labels("国发〔2013〕35号（二）") == ["一、（二）", "二、（二）"]  # every part's （二）
    assert labels("国发〔2013〕35号主要任务部分的（二）讲了什么") == ["二、（二）"]  # the part named by its heading
    assert labels("国发〔2013〕35号总体要求里的（二）") == ["一、（二）"]
    assert labels("国发〔2013〕35号二（二）讲了什么") == ["二、（二）"]  # the part's numeral typed without 、
    assert labels("国发〔2013〕35号二、（二）第3点讲了什么") == []  # no point 3. inside the item: no such point
    points = parse_text("某某市人民政府关于加快发展养老服务的实施意见\n某政发〔2024〕1号\n\n一、总体要求\n（一）指导思想。坚持以人民为中心。\n"
                        "二、主要任务\n（一）发展居家养老。推进居家服务。\n1.建立服务网络。\n2.培育服务企业，提供上门服务。\n"
                        "（二）发展机构养老。支持社会力量办养老机构。\n", "ss")
    assert [c.label for c in _looked_up("某政发〔2024〕1号二（一）第2点讲了什么", ss=points)] == ["二、（一）"]  # inside its item
    assert _looked_up("某政发〔2024〕1号二（一）第9点讲了什么", ss=points) == []
    # An item that is only its title heads its measures: each is a unit, and the item is its measures.
    measures = parse_text("某某市人民政府关于加快发展养老服务的实施意见\n某政发〔2024〕1号\n\n一、总体要求\n（一）指导思想。坚持以人民为"
                          "中心。\n二、主要任务\n（一）发展居家养老。\n1.建立服务网络。依托社区建设服务站点。\n"
                          "2.培育服务企业。提供上门服务。\n"
                          "（二）发展机构养老。支持社会力量办养老机构。\n", "ms")
    assert [c.label for c in _looked_up("某政发〔2024〕1号二（一）第2点讲了什么", ms=measures)] == ["二、（一）2."]
    assert [c.label for c in _looked_up("某政发〔2024〕1号主要任务的第（一）项说的是什么", ms=measures)] == [
        "二、（一）1.", "二、（一）2."]


def test_a_parts_numbered_point_is_looked_up_as_part_and_number():
    from policyqa.corpus import parse_text
    from tests.test_corpus_genre import NUMBERED_POINTS

    doc = parse_text(NUMBERED_POINTS, "nongcun")
    for question, labels in (("民发〔2024〕20号二、2讲了什么", ["二、2."]), ("民发〔2024〕20号第2条", ["二、2."]),
                             ("民发〔2024〕20号第1条", ["二、1.", "三、1．"]),
                             ("民发〔2024〕20号第三部分第1条措施讲的是什么", ["三、1．"])):  # as a reader counts them
        assert [c.label for c in _looked_up(question, nongcun=doc)] == labels


def test_task_rows_numbered_afresh_under_categories_are_looked_up_with_their_category():
    from policyqa.corpus import parse_text
    from tests.test_corpus_genre import CATEGORY_TABLE_AND_FORM

    doc = parse_text(CATEGORY_TABLE_AND_FORM.replace("| 2 | 排查", "| 1 | 排查"), "xf", ".md")

    def labels(question: str) -> list[str]:
        return [c.label for c in _looked_up(question, xf=doc)]

    assert labels("附件1二、第1项是什么任务") == ["附件1二、第1项"]
    assert labels("分工表第1项") == ["附件1一、第1项", "附件1二、第1项"]


def test_a_rule_cut_at_a_semicolon_is_quoted_to_the_end_of_its_sentence(assistant):
    answer = assistant.ask("国有企业闲置房屋委托运营办养老，租期怎么定")
    quote = next(c.quote for c in answer.citations if c.clause_id == "yanglao-gaige-2024:（十一）")
    assert "按稳定经营预期原则确定租期；运营方有较大投入的，租期可适当延长。" in quote
    _check_verbatim(assistant, answer)


def test_an_article_of_an_annexed_text_is_looked_up_as_such():
    from policyqa.corpus import parse_text

    doc = parse_text("关于做好项目实施工作的通知\n\n一、明确支持重点。项目支持家庭养老床位建设。\n\n附件\n\n项目实施细则\n\n"
                     "第一条　为规范项目实施，制定本细则。\n\n第二条　本细则自印发之日起施行。\n", "xm")
    assert [c.label for c in _looked_up("附件第二条讲了什么", xm=doc)] == ["附件第二条"]


def test_a_question_without_chinese_is_asked_to_be_put_in_chinese(assistant):
    answer = assistant.ask("Can elderly care institutions pay residential prices for water?")
    assert answer.refused and answer.answer.startswith("请用中文提问")


def test_another_document_is_cited_only_when_its_clause_ranks_nearly_as_high(assistant):
    # 候鸟式养老 is 旅居养老: the 2024 意见's （十一） develops it; the 2020 意见 is cited beside it only by a clause that
    # names it too (（十三）, 旅居养老等业态), never by one that merely shares words (its online parenting classes).
    answer = assistant.ask("我爸妈冬天想去海南住几个月，这种候鸟式的养老国家提倡吗")
    assert answer.citations[0].clause_id == "yanglao-gaige-2024:（十一）", answer.answer
    assert all("旅居养老" in c.quote for c in answer.citations), answer.answer
    answer = assistant.ask("医养结合两份文件分别怎么要求")  # asked what each says: each is cited
    assert {c.doc_id for c in answer.citations} == {"yanglao-gaige-2024", "yanglao-tuoyu-2020"}


def test_the_addressees_are_the_salutation_opening_the_preamble(assistant):
    answer = assistant.ask("国办发〔2020〕52号文的主送单位是哪些")
    assert [c.clause_id for c in answer.citations] == ["yanglao-tuoyu-2020:序言"]
    assert answer.citations[0].quote == "各省、自治区、直辖市人民政府，国务院各部委、各直属机构："


def test_a_point_of_a_titled_item_is_looked_up():
    from policyqa.corpus import parse_text

    doc = parse_text("# 某市托育服务实施方案\n\n为发展托育服务，制定本方案。\n\n## 一、总体要求\n\n### （一）指导思想\n\n"
                     "坚持以人民为中心。\n\n### （二）主要目标\n\n到2025年底，基本形成服务体系。\n\n1. 每千人口托位数达到4.5个。\n\n"
                     "2. 普惠性托位占比不低于60%。\n\n## 二、重点任务\n\n### （一）扩大供给\n\n1. 建设公办托育服务中心。\n", "fa", ".md")
    assert [c.label for c in _looked_up("托育实施方案一、（二）第2点的目标是多少", fa=doc)] == ["一、（二）2."]


def _features(assistant, question: str, hits) -> dict[str, dict[str, float]]:
    """Each hit's ranker features for ``question``, by clause label."""
    from policyqa.assistant.analysis import analyse
    from policyqa.assistant.features import CANDIDATE_FEATURES, candidates

    found = candidates(analyse(question, assistant.index), hits, assistant.index)
    return {cid.rpartition(":")[2]: dict(zip(CANDIDATE_FEATURES, row)) for cid, row in zip(found.clause_ids, found.rows)}


def _states(assistant, question: str, hit) -> bool:
    from policyqa.assistant.analysis import analyse
    from policyqa.assistant.features import states_figure

    analysis = analyse(question, assistant.index)
    return states_figure(hit, analysis.figure, analysis.weights, assistant.index.tokenizer)


def test_a_local_rule_is_marked_when_the_question_does_not_name_its_place(assistant):
    """A local regulation answers for its own place: the ranker reads whether the question names it."""
    from policyqa.assistant.analysis import analyse
    from policyqa.assistant.features import candidates
    from policyqa.corpus import parse_text
    from policyqa.index.models import Hit

    local = parse_text("# 上海市慈善条例\n\n慈善组织可以采取基金会、社会团体等组织形式。\n", "sh", ".md").clauses[0]
    national = parse_text("# 慈善法\n\n慈善组织可以采取基金会、社会团体、社会服务机构等组织形式。\n", "cs", ".md").clauses[0]
    hits = [Hit(clause=local, score=0.9, dense_score=0.9), Hit(clause=national, score=0.8, dense_score=0.8)]

    def marked(question: str) -> list[float]:
        return list(candidates(analyse(question, assistant.index), hits, assistant.index).column("place_unasked"))

    assert marked("慈善组织可以采取哪些组织形式？") == [1.0, 0.0]
    assert marked("在上海，慈善组织可以采取哪些组织形式？") == [0.0, 0.0]


def test_a_local_rule_the_question_names_is_of_a_place_asked_about(tmp_path):
    """Naming a province's rule asks about that province: its clauses are not held back as another place's."""
    from policyqa.assistant.analysis import analyse
    from policyqa.corpus import load_corpus
    from policyqa.index import build_index, load_index
    from tests.test_index import national_and_local_law

    build_index(national_and_local_law(), tmp_path / "ix", progress=False)
    index = load_index(tmp_path / "ix")
    analysis = analyse("上海市实施《残疾人保障法》办法里，盲人坐地铁要买票吗", index)
    assert analysis.named_doc_ids == ("上海办法",) and "上海" not in analysis.search_text
    assert analysis.reach == ("上海市",)
    assert not index.scopes.is_outside(index.clauses[-1], analysis.reach)
    # A city the place vocabulary does not hold is asked about when the question names its rule by it.
    folder = tmp_path / "city"
    folder.mkdir()
    (folder / "lz.md").write_text("# 临州市人民政府办公室关于促进托育服务高质量发展的若干措施\n\n"
                                  "1. 对新增普惠托位给予每个5000元的一次性建设补助。\n\n2. 收托率不低于50%的机构给予运营补助。\n\n"
                                  "3. 鼓励用人单位提供托育服务。\n", "utf-8")
    (folder / "gb.md").write_text("# 国务院办公厅关于促进3岁以下婴幼儿照护服务发展的指导意见\n\n"
                                  "（一）加强对家庭婴幼儿照护的支持和指导。\n\n（二）加大对社区婴幼儿照护服务的支持力度。\n", "utf-8")
    build_index(load_corpus([folder]), tmp_path / "city-ix", embedder="none", progress=False)
    city = load_index(tmp_path / "city-ix")
    analysis = analyse("申请临州托育运营补助，收托率至少要达到多少", city)
    assert analysis.named_doc_ids == ("lz",) and analysis.reach == ("临州市",)
    assert not any(city.scopes.is_outside(c, analysis.reach) for c in city.clauses)


def test_an_amount_in_a_table_column_of_yuan_is_a_stated_amount(assistant):
    from policyqa.corpus import parse_text
    from policyqa.index.models import Hit
    from tests.test_corpus_genre import STANDARDS_NOTICE

    clauses = {c.label: c for c in parse_text(STANDARDS_NOTICE, "kf").clauses}
    question = "孤独症孩子的行为干预训练，一年最多能救助多少钱？"
    row = Hit(clause=clauses["附件第3项"], score=0.9, dense_score=0.9)  # 「每人每年不超过30000」 under 救助标准（元）
    assert _states(assistant, question, row)
    article = Hit(clause=clauses["第二条"], score=0.9, dense_score=0.9)  # 「项目和标准见附件」: no amount
    assert not _states(assistant, question, article)


def test_a_question_about_the_penalty_is_answered_by_the_article_punishing_the_duty(assistant):
    from policyqa.assistant.penalties import breached_articles, with_penalty_article
    from policyqa.corpus import parse_text
    from policyqa.index.models import Hit

    rule = parse_text("# 某某市养老服务条例\n\n第十条　建设单位应当自竣工验收合格之日起三个月内，将配套养老服务用房移交民政部门。\n\n"
                      "第十一条　任何单位不得擅自改变养老服务设施用途。\n\n"
                      "第三十五条　违反本条例第十条、第十一条规定的，由民政部门责令限期改正；逾期不改正的，处五万元以上十万元以下罚款。\n",
                      "tl", ".md")
    clauses = {c.label: c for c in rule.clauses}
    assert breached_articles(clauses["第三十五条"].text) == {"第十条", "第十一条"}
    hits = [Hit(clause=clauses["第十条"], score=0.9, dense_score=0.9), Hit(clause=clauses["第十一条"], score=0.5)]
    linked = with_penalty_article(hits, rule.clauses)
    assert [h.clause.label for h in linked] == ["第十条", "第三十五条", "第十一条"]  # a candidate beside the duty
    asked = _features(assistant, "开发商不把养老用房交给民政，会怎么罚？", linked)
    assert asked["第三十五条"]["punishes_top_duty"] == 1 and asked["第三十五条"]["penalty_article"] == 1
    assert asked["第十一条"]["punishes_top_duty"] == 0
    assert _features(assistant, "开发商多久要把养老用房交给民政？", linked)["第三十五条"]["punishes_top_duty"] == 0


def test_a_clause_stating_the_asked_figure_is_marked_for_the_ranker(assistant):
    from policyqa.corpus import parse_text
    from policyqa.index.models import Hit

    guide = parse_text("# 某某县事实无人抚养儿童基本生活保障服务指南\n\n## 三、申请材料\n\n"
                       "1. 《事实无人抚养儿童基本生活补贴申请审批表》一式三份。\n\n## 四、办理流程\n\n"
                       "1. 申请。监护人向乡镇人民政府提出申请。\n\n"
                       "2. 查验。乡镇人民政府核实情况，并在儿童所在村（社区）公示5天。\n", "zn", ".md")
    clauses = {c.label: c for c in guide.clauses}
    form, notice = Hit(clause=clauses["三、1."], score=0.96), Hit(clause=clauses["四、2."], score=0.92)
    days = _features(assistant, "申请事实无人抚养儿童补贴，在村里要公示几天？", [form, notice])
    assert days["四、2."]["figure_stated"] == 1 and days["三、1."]["figure_unstated"] == 1
    money = _features(assistant, "申请补贴每月能领多少钱？", [form, notice])
    assert money["四、2."]["figure_stated"] == 0 and money["三、1."]["figure_stated"] == 0
    plain = _features(assistant, "事实无人抚养儿童的监护人有什么责任", [form, notice])
    assert plain["四、2."]["figure_stated"] == 0 and plain["四、2."]["figure_unstated"] == 0  # no figure asked


def test_a_long_name_of_a_document_not_loaded_names_no_loaded_document_of_its_kind():
    from policyqa.assistant.mentions import document_mentions
    from policyqa.corpus import parse_text

    rule = parse_text("# 某某省养老机构管理办法\n\n（2022年11月10日省人民政府第47次常务会议通过）\n\n"
                      "第一条　为了规范养老机构管理，制定本办法。\n", "gl", ".md")
    docs = [{"doc_id": "gl", "title": rule.meta.title, "doc_number": None}]
    question = "普惠托育服务补贴发放管理办法要在什么时候之前出台？"  # a task of another document, not this 办法
    assert document_mentions(question, docs) == []
    assert _looked_up(question, gl=rule) == []  # not this 办法's adoption date
    assert [m.doc_ids for m in document_mentions("这个管理办法什么时候通过的", docs)] == [("gl",)]
    assert [c.label for c in _looked_up("养老机构管理办法是什么时候通过的", gl=rule)] == ["题注"]


def test_measures_questions_and_abbreviated_titles_are_looked_up():
    from policyqa.corpus import parse_text
    from tests.test_corpus_genre import POLICY_QA, RUNNING_MEASURES

    measures, qa = parse_text(RUNNING_MEASURES, "cs", ".md"), parse_text(POLICY_QA, "wd")
    assert [c.label for c in _looked_up("若干措施第3条是怎么规定的", cs=measures, wd=qa)] == ["3."]
    assert [c.label for c in _looked_up("政策问答第2问说的是什么", cs=measures, wd=qa)] == ["2."]
    rules = parse_text("某某省民政厅关于印发《某某省老年助餐服务补贴实施细则》的通知\n\n各市民政局：\n\n现印发给你们。\n\n"
                       "某某省老年助餐服务补贴实施细则\n\n第一条　为规范助餐补贴，制定本细则。\n\n"
                       "第二条　本细则适用于本省老年助餐服务。\n", "xz")
    assert [c.label for c in _looked_up("助餐补贴实施细则第二条规定了什么", xz=rules)] == ["第二条"]  # named short
    assert _looked_up("助餐服务管理规定第二条", xz=rules) == []  # another kind of text: not this 细则


def test_an_area_or_a_count_asked_beside_an_application_is_the_figure_asked():
    from policyqa.assistant.asks import AMOUNT_RE, PROCEDURE_STATED_RE, figure_pattern

    figure = figure_pattern("想开一家老年食堂申请助餐补贴，吃饭的地方至少要多大、要摆多少个座位？")
    assert figure is not PROCEDURE_STATED_RE and figure.search("就餐区面积不少于60平方米")
    assert figure_pattern("申请补贴要摆多少个座位").search("餐位不少于30个")
    assert figure_pattern("每月补贴多少钱") is AMOUNT_RE


def test_only_then_after_an_interrogative_names_no_thing(assistant):
    from policyqa.assistant.asks import asked_things

    question = "户口还在老家，每年要做什么才能不被停发高龄津贴？"  # 才能 goes on the sentence: no 才能 is asked for
    assert asked_things(question, assistant.index.tokenizer) == []


def test_a_table_row_is_marked_by_whether_a_row_answers_what_is_asked(assistant):
    from policyqa.assistant.asks import asks_who_is_responsible, asks_whether_one_takes_part
    from policyqa.corpus import parse_text
    from policyqa.index.models import Hit
    from tests.test_corpus_genre import STANDARDS_NOTICE

    clauses = {c.label: c for c in parse_text(STANDARDS_NOTICE, "kf").clauses}
    row, article = Hit(clause=clauses["附件第2项"], score=0.95), Hit(clause=clauses["第二条"], score=0.9)
    plain = _features(assistant, "助听器适配的救助标准以后会调整吗", [row, article])
    assert plain["附件第2项"]["row_plain"] == 1 and plain["第二条"]["row_plain"] == 0
    figure = _features(assistant, "助听器适配每只耳朵最多救助多少钱", [row, article])
    assert figure["附件第2项"]["row_asked"] == 1 and figure["附件第2项"]["row_plain"] == 0
    assert asks_who_is_responsible("防范一老一小领域非法集资，责任部门是哪几家")
    assert asks_whether_one_takes_part("建志愿服务项目库这件事，共青团中央有没有责任？")
    # 谁…就…谁 and 谁…谁就… mean whoever; 谁愿意/谁肯 would nobody: none asks who is responsible.
    for question in ("是不是谁报价低就给谁？", "是不是谁报价低谁就能拿到", "谁先申请谁就先得吗", "工资那么低谁肯来"):
        assert not asks_who_is_responsible(question), question
    assert asks_who_is_responsible("公建民营项目由谁来定运营方")


def test_a_place_opening_the_titles_of_local_documents_names_them():
    from policyqa.assistant.mentions import document_mentions

    docs = [{"doc_id": "nc", "title": "宁川市进一步推进居家适老化改造的若干措施", "doc_number": None},
            {"doc_id": "lx", "title": "岭西省民政厅 岭西省财政厅关于印发《岭西省老年助餐服务补贴实施细则》的通知", "doc_number": None},
            {"doc_id": "gb", "title": "国务院办公厅关于加快完善普惠托育服务体系的指导意见", "doc_number": None}]
    named = lambda q: [m.doc_ids for m in document_mentions(q, docs)]  # noqa: E731
    assert named("宁川市低保户老人做适老化改造补多少") == [("nc",)]
    assert named("跟着我在岭西住了两年，去老年食堂吃饭有补贴吗") == [("lx",)]
    assert named("我户口在岭西老家，现在跟儿子住") == []  # where the asker comes from
    assert named("托育机构有什么扶持") == []


def test_only_a_local_rule_opens_its_title_with_a_place():
    """Titles of national texts may open with a word ending in a place level (行政区, 风景名胜区, 人力资源市场);
    a local rule's place is read as corpus.supports reads it (深圳经济特区 is 深圳's). A city named names its
    province's rules too: its people live under them."""
    from policyqa.assistant.mentions import document_mentions

    docs = [{"doc_id": "xz", "title": "行政区划管理条例", "doc_number": None},
            {"doc_id": "fj", "title": "风景名胜区条例", "doc_number": None},
            {"doc_id": "rl", "title": "人力资源市场暂行条例", "doc_number": None},
            {"doc_id": "sz", "title": "深圳经济特区学前教育条例", "doc_number": None},
            {"doc_id": "sr", "title": "深圳市人民代表大会常务委员会任免国家机关工作人员条例", "doc_number": None},
            {"doc_id": "gd", "title": "广东省城镇房屋租赁条例", "doc_number": None},
            {"doc_id": "hz", "title": "杭州市院前医疗急救管理条例", "doc_number": None}]
    named = lambda q: [m.doc_ids for m in document_mentions(q, docs)]  # noqa: E731
    assert named("对企业实施劳动保障监察，由哪一级的劳动保障行政部门负责？") == []
    assert named("去风景名胜区旅游，人力资源有什么要求") == []
    assert named("深圳的幼儿园能把孩子吃饭这块整个包给外面的餐饮公司做吗") == [("sz", "sr", "gd")]  # a city's province's too
    assert named("广东的房东能随便涨租金吗") == [("gd",)]  # a province's own rules, not its cities'
    assert named("杭州的房东能随便涨租金吗") == [("hz",)]  # no rule of 浙江 loaded
    docs = [{"doc_id": "jl", "title": "吉林省养老服务条例", "doc_number": None},
            {"doc_id": "jc", "title": "吉林市居家养老服务条例", "doc_number": None},
            {"doc_id": "cn", "title": "中华人民共和国老年人权益保障法", "doc_number": None},
            {"doc_id": "hp", "title": "和平利用核能条例", "issuer": "国务院", "doc_number": None},
            {"doc_id": "xs", "title": "萧山区养老服务补贴办法", "issuer": "杭州市萧山区人民政府", "doc_number": None}]
    assert named("吉林的养老机构有什么补贴") == [("jl", "jc")]  # a city and a province of one name, each rule once
    assert named("和平年代的老人养老怎么办") == []  # a place's bare name opening a national title is no place
    assert named("萧山的老人有什么养老补贴") == [("xs",)]  # a place the vocabulary lacks, named by the issuer too
    spans = lambda q: [(m.start, m.end) for m in document_mentions(q, docs)]  # noqa: E731
    assert spans("《吉林省养老服务条例》是谁发的") == [(0, 11)]  # the title marks are the name's
    assert spans("《湖南省养老服务条例》是谁发的") == [(3, 10)]  # 养老服务条例 only: 湖南省 is not of 吉林's title
    docs = [{"doc_id": "sx", "title": "绍兴黄酒保护和发展条例", "doc_number": None},
            {"doc_id": "zj", "title": "浙江省酒类管理条例", "doc_number": None},
            {"doc_id": "hp", "title": "和平利用核能条例", "issuer": "国务院", "doc_number": None}]
    assert named("绍兴的黄酒作坊要登记吗") == [("sx", "zj")]  # a city opening a title by its bare name
    assert named("和平年代的老人养老怎么办") == []
    docs = [{"doc_id": "gx", "title": "广西壮族自治区养老服务条例", "doc_number": None},
            {"doc_id": "nn", "title": "南宁市居家养老服务条例", "doc_number": None},
            {"doc_id": "cn", "title": "中华人民共和国老年人权益保障法", "doc_number": None}]
    assert named("广西的养老机构有什么补贴") == [("gx",)]  # a province as people name it
    assert named("南宁的养老机构有什么补贴") == [("nn", "gx")]


def test_a_law_is_named_without_its_place_only_when_it_opens_with_one():
    """「青岚市居家养老服务条例」 is named 「居家养老服务条例」 too; 「行政区划管理条例」 opens with no place, so it is not
    「划管理条例」, and 「城市规划管理条例」 (which ends so) names no loaded law."""
    from policyqa.assistant.naming import named_by_law

    docs = [{"doc_id": "xz", "title": "行政区划管理条例", "issuer": "国务院"},
            {"doc_id": "qs", "title": "青岚市居家养老服务条例", "issuer": "青岚市人民代表大会常务委员会"}]
    assert named_by_law({"居家养老服务条例"}, docs) == ["qs"]
    assert named_by_law({"行政区划管理条例"}, docs) == ["xz"]
    assert named_by_law({"城市规划管理条例"}, docs) == []
    docs.append({"doc_id": "sx", "title": "绍兴黄酒保护和发展条例", "issuer": "绍兴市人民代表大会常务委员会"})
    assert named_by_law({"黄酒保护和发展条例"}, docs) == ["sx"]  # a city's bare name opening the title


def test_a_law_named_in_full_that_is_not_loaded_is_refused_by_name(assistant):
    from policyqa.assistant.naming import unknown_laws
    from policyqa.assistant.references import named_laws

    answer = assistant.ask("老年人权益保障法对子女不常回家看望父母有啥处罚")
    assert answer.refused and "《老年人权益保障法》" in answer.answer
    words = assistant.index.tokenizer.words
    assert named_laws(words("敬老院的管理体制有啥新提法，养老机构管理办法怎么说")) == []  # 提法、办法 name no law
    assert named_laws(words("按照社会保险法和劳动合同法")) == ["社会保险法", "劳动合同法"]
    docs = [{"doc_id": "zj", "title": "浙江省实施《中华人民共和国老年人权益保障法》办法"},
            {"doc_id": "cs", "title": "中华人民共和国慈善法（2023年修正）"}]
    asked = named_laws(words("新版慈善法和老年人权益保障法怎么规定赡养"))
    assert unknown_laws(asked, docs) == []  # loaded, or in a loaded title
    assert unknown_laws(named_laws(words("民法典对赡养怎么规定")), docs) == ["民法典"]


def test_a_regulation_named_with_a_place_is_known_only_from_that_place(assistant):
    from policyqa.assistant.naming import unknown_local_rules

    answer = assistant.ask("浙江省家政服务条例对家政服务员体检有什么要求")
    assert answer.refused and "《浙江省家政服务条例》" in answer.answer
    docs = [{"doc_id": "gd", "title": "广东省家政服务条例"}, {"doc_id": "zj", "title": "浙江省社会救助条例"}]
    # Another province's regulation of the same name is not it; the place's own one, shortened, is.
    assert unknown_local_rules("浙江省家政服务条例对体检有什么要求", docs) == ["浙江省家政服务条例"]
    assert unknown_local_rules("广东家政条例对体检有什么要求", docs) == []
    assert unknown_local_rules("浙江社会救助条例第十条", docs) == []
    assert unknown_local_rules("上海市的养老机构按照哪个条例收费", docs) == []  # no regulation named
    assert unknown_local_rules("广东省家政服务条例第三条", docs, [(0, 9)]) == []  # a span naming a loaded one


def test_an_unspecific_word_under_a_modifier_and_a_place_where_something_was_done_ask_nothing():
    from policyqa.assistant.asks import asked_things, named_provinces
    from policyqa.index.tokenizer import PolicyTokenizer

    tokenizer = PolicyTokenizer()
    assert asked_things("意见中，医养结合方面有哪些具体措施？", tokenizer) == []
    assert asked_things("开养老院想找银行借钱，总卡在没抵押物上，有什么新路子", tokenizer) == []
    assert asked_things("我们养老院新招了几个护工，上岗前要培训多久", tokenizer) == []  # 了几个: a few
    assert named_provinces("老人在上海做过能力评估了，回老家还得重新评一遍吗") == []
    assert named_provinces("在上海开托育点有什么补贴") == ["上海"]


def test_class_hours_and_amounts_under_a_rate_column_inside_an_item_are_stated_figures(assistant):
    from policyqa.corpus import parse_text
    from policyqa.index.models import Hit

    plan = parse_text("某某县困难失能老年人居家照护服务补贴实施方案\n\n三、补贴标准和服务内容\n\n（一）补贴标准\n"
                      "居家照护服务补贴根据失能等级分档确定，具体标准如下：\n失能等级　　补贴标准（元/月）\n"
                      "轻度失能　　200\n重度失能　　600\n\n（二）人员培训\n护理员上岗前应当接受不少于40学时的岗前培训。\n",
                      "tw")
    clauses = {c.label: c for c in plan.clauses}
    table = Hit(clause=clauses["（一）"], score=0.9, dense_score=0.95)
    assert _states(assistant, "某某县重度失能的困难老人，居家照护补贴一个月给多少？", table)
    training = Hit(clause=clauses["（二）"], score=0.9, dense_score=0.95)
    assert _states(assistant, "护理员上岗之前得先培训多少个小时？", training)


def test_a_clause_naming_a_department_is_marked_for_a_who_question(assistant):
    from policyqa.assistant.penalties import PENALTY_ASKED_RE
    from policyqa.corpus import parse_text
    from policyqa.index.models import Hit

    rule = parse_text("# 某某省养老机构服务质量监督管理办法\n\n第三条　县级以上人民政府民政部门负责养老机构服务质量的监督管理工作。"
                      "市场监督管理部门负责养老机构食品安全的监督管理。\n\n"
                      "第四条　养老机构举办食堂的，应当依法取得食品经营许可，建立食品留样制度。\n", "lj", ".md")
    clauses = {c.label: c for c in rule.clauses}
    canteen, duties = Hit(clause=clauses["第四条"], score=0.96), Hit(clause=clauses["第三条"], score=0.945)
    who = _features(assistant, "养老院食堂吃出问题了，食品安全这一块归哪个部门监管？", [canteen, duties])
    assert who["第三条"]["who_department"] == 1 and who["第四条"]["who_no_department"] == 1
    what = _features(assistant, "养老院食堂要办什么许可？", [canteen, duties])
    assert what["第三条"]["who_department"] == 0 and what["第四条"]["who_no_department"] == 0  # who is not asked
    assert PENALTY_ASKED_RE.search("孩子在托育点被打了，这个托育点会受到什么处理？")
    assert not PENALTY_ASKED_RE.search("孩子户口迁出了，补贴怎么处理？")


def test_the_age_bracket_holding_the_askers_age_answers(assistant):
    from policyqa.assistant.ages import age_bracket_sentences, age_ranges, asked_age
    from policyqa.assistant.extractive import ScoredSentence
    from policyqa.corpus import parse_text
    from policyqa.index.models import Hit

    # Ages in months: childcare sets its brackets in 月龄.
    assert asked_age("九十多岁的老人去老年食堂吃饭，每餐能补几块钱？") == (90 * 12, 99 * 12 + 11)
    assert asked_age("我爸92岁了") == (92 * 12, 92 * 12 + 11)
    assert asked_age("班里都是一岁半左右的宝宝") == (18, 18)
    assert age_ranges("八十周岁至八十九周岁的，每月100元；60周岁（含）以上的，每月50元") == [(960, 1079), (720, 1800)]
    assert age_ranges("托小班托位（12—24月龄）") == [(12, 24)]
    notice = parse_text("某某市老年助餐服务补贴实施细则\n\n第一条　补贴标准见附件。\n\n附件\n\n就餐补贴标准\n\n"
                        "序号  补贴对象  补贴标准\n1  80至89周岁老年人  每人每餐3元\n2  90周岁以上老年人  每人每餐5元\n"
                        "3  其他60周岁以上老年人  每人每餐1元\n", "zc")
    rows = {c.label: Hit(clause=c, score=0.9) for c in notice.clauses if c.part == "annex"}
    eighties, nineties, sixties = rows["附件第1项"], rows["附件第2项"], rows["附件第3项"]
    question = "九十多岁的老人去老年食堂吃饭，每餐能补几块钱？"
    ages = _features(assistant, question, [eighties, sixties, nineties])
    assert ages["附件第2项"]["age_best_fit"] == 1  # the narrowest holding bracket
    assert ages["附件第3项"]["age_held"] == 1 and ages["附件第3项"]["age_best_fit"] == 0  # 60周岁以上 holds it too
    assert ages["附件第1项"]["age_not_held"] == 1
    assert _features(assistant, "老人每餐补多少", [eighties, nineties])["附件第2项"]["age_held"] == 0  # no age asked
    sentences = [ScoredSentence(eighties, "80至89周岁的，每人每月100元", 2.0, 0),
                 ScoredSentence(eighties, "90周岁以上的，每人每月200元", 2.0, 0)]
    assert age_bracket_sentences(asked_age("我爸92岁了，每月补多少"), sentences)[0] is sentences[1]


def test_a_question_of_an_unnumbered_press_conference_is_looked_up_by_its_count():
    from policyqa.corpus import parse_text
    from tests.test_corpus_genre import PRESS_QA

    qa = parse_text(PRESS_QA, "dj")
    assert [c.label for c in _looked_up("答记者问第2问说了什么", dj=qa)] == ["第2问"]


def test_a_law_named_with_a_demonstrative_and_figures_written_as_habits_and_days_of_the_year(assistant):
    from policyqa.assistant.asks import asked_things, names_thing
    from policyqa.corpus import parse_text
    from policyqa.index.models import Hit

    rule = parse_text("# 临溪市养老服务条例\n\n第一条　为了规范养老服务，制定本条例。\n\n"
                      "第二条　村（居）民委员会对独居高龄老年人每周至少探访1次。\n\n"
                      "第三条　运营补贴按年度申报，机构应当于每年1月1日至1月31日提交申请。\n\n"
                      "第四条　老年人就餐时带上本人身份证或者社会保障卡登记。\n", "lx", ".md")
    assert [c.label for c in _looked_up("临溪那个养老条例第三条是怎么规定的？", lx=rule)] == ["第三条"]
    clauses = {c.label: Hit(clause=c, score=0.9, dense_score=0.95) for c in rule.clauses}
    tokenizer = assistant.index.tokenizer
    assert _states(assistant, "独居的高龄老人多久要上门探访一次？", clauses["第二条"])
    assert _states(assistant, "运营补贴每年什么时候报？", clauses["第三条"])
    # 「什么证件」 is answered by a clause naming one, not only by the word 证件.
    [thing] = asked_things("老人去助餐点吃饭要带什么证件？", tokenizer)
    assert names_thing(thing, tokenizer.terms(clauses["第四条"].clause.text), tokenizer)
    assert not names_thing(thing, tokenizer.terms(clauses["第二条"].clause.text), tokenizer)
    # A compound asked for is named by a clause that says its parts apart, not by one part alone.
    [sources] = asked_things("慈善组织的财产来源包括哪些？", tokenizer)
    assert names_thing(sources, tokenizer.terms("慈善组织财产的主要来源：会费、捐赠。"), tokenizer)
    assert not names_thing(sources, tokenizer.terms("慈善组织的财产应当用于慈善目的。"), tokenizer)


def test_a_clause_of_another_document_than_the_best_is_marked(assistant):
    from policyqa.corpus import parse_text
    from policyqa.index.models import Hit

    childcare = parse_text("# 某某市普惠托育机构管理办法\n\n第一条　托育机构应当设置室外活动场地。\n", "ty", ".md")
    elderly = parse_text("# 某某市养老服务条例\n\n第一条　新建住宅小区按照每百户不少于30平方米配套建设养老服务设施。\n",
                         "yl", ".md")
    from policyqa.assistant.analysis import analyse
    from policyqa.assistant.features import candidates

    best, other = Hit(clause=childcare.clauses[0], score=0.91), Hit(clause=elderly.clauses[0], score=0.90)
    found = candidates(analyse("开办托育机构，室外活动场地至少要多少平方米？", assistant.index), [best, other],
                       assistant.index)
    assert list(found.column("other_document")) == [0, 1]  # 30平方米 is of another document's subject
    assert list(found.column("figure_stated")) == [0, 1]

def test_a_served_assistant_is_warmed_with_what_it_reads_once_per_index(bundled_index_dir):
    """The first request does not pay for what depends only on the index: the server's warm-up asks, so the stored
    BM25 terms, each document's reach and the analysis' tables of the index exist before it is published."""
    from policyqa.assistant.analysis import _LOADED
    from policyqa.assistant.reloading import AssistantHolder

    warmed = AssistantHolder.for_index(bundled_index_dir).load_now()
    index = warmed.index
    assert {"_stored_tokens", "scopes"} <= set(vars(index))
    assert index in _LOADED


def test_a_law_named_by_its_usual_abbreviation_is_looked_up():
    """「职防法第三十三条」: a short name made of the title's first character, others in order and its last names
    职业病防治法, not 国防法 (which shares more of its characters side by side)."""
    from policyqa.corpus import parse_text

    law = parse_text("# 中华人民共和国职业病防治法\n\n第三十三条　用人单位与劳动者订立劳动合同时，应当告知职业病危害。\n\n"
                     "第三十四条　用人单位应当组织职业卫生培训。\n", "zf", ".md")
    defence = parse_text("# 中华人民共和国国防法\n\n第三十三条　国家建立国防动员制度。\n\n第三十四条　国家保障国防经费。\n", "gf", ".md")
    assert [c.clause_id for c in _looked_up("职防法第三十三条讲的是什么", zf=law, gf=defence)] == ["zf:第三十三条"]
    assert [c.clause_id for c in _looked_up("国防法第三十三条讲的是什么", zf=law, gf=defence)] == ["gf:第三十三条"]


def test_a_bare_item_number_in_words_is_the_texts_item_and_in_digits_the_tables_row(assistant):
    """「52号文第十二项」 counts the document's items （十二）; a row of its task table is named with the table or by its
    序号 in digits (「52号文第12项」「分工表第十二项」)."""
    def first(question: str) -> str:
        return assistant.ask(question).citations[0].clause_id

    assert first("52号文第十二项讲的什么") == "yanglao-tuoyu-2020:（十二）"
    assert first("52号文分工表第十二项讲的什么") == "yanglao-tuoyu-2020:附件第12项"
    assert [c.clause_id for c in assistant.ask("52号文第12项讲的什么").citations] == ["yanglao-tuoyu-2020:附件第12项"]
    assert first("深化养老服务改革发展的意见第14项") == "yanglao-gaige-2024:（十四）"  # a text with no table: its item
    assert first("52号文（8）说了什么") == "yanglao-tuoyu-2020:（八）"  # in digits, right after the text's name
    from policyqa.assistant.references import find_refs

    assert find_refs("养老托育意见（2020）里评价机制由谁来建") == []  # a year after the name is no item


def test_an_item_of_a_part_is_counted_where_items_run_straight_through(assistant):
    """「第三部分第二项」 of the 2024 意见, whose items run （一）…（二十） through its parts, is the part's second item; an
    item named by its printed number with its part (「第三部分的第十三条」 of 52号文) is that item."""
    def first(question: str) -> str:
        return assistant.ask(question).citations[0].clause_id

    assert first("2024年养老意见第三部分第二项讲什么") == "yanglao-gaige-2024:（五）"  # part 三 opens with （四）
    assert first("2024年养老意见第三部分“贯通协调”的第一条讲什么") == "yanglao-gaige-2024:（四）"  # its heading between
    assert first("国办52号文件第三部分的第十三条") == "yanglao-tuoyu-2020:（十三）"


def test_a_part_or_chapter_asked_about_as_a_whole_is_outlined_by_its_clauses(assistant):
    """「…意见第三部分讲了什么」 lists the part's items by their first sentence under its heading, citing each; a law's
    第X章 likewise; a question about something in a chapter is searched; a chapter no loaded text has is refused."""
    from policyqa.assistant.lookup import missing_articles
    from policyqa.assistant.references import find_refs
    from policyqa.corpus import parse_text

    answer = assistant.ask("2024年养老意见第三部分讲了什么")
    assert [c.label for c in answer.citations] == ["（四）", "（五）", "（六）", "（七）", "（八）", "（九）"]
    assert answer.answer.startswith("《中共中央　国务院关于深化养老服务改革发展的意见》三、贯通协调居家社区机构三类养老服务形态：")
    _check_verbatim(assistant, answer)
    assert [c.label for c in assistant.ask("养老托育意见的第四部分是关于什么的").citations][0] == "（十九）"
    # Its heading set off by spaces or quotes may stand between; 「是什么内容」 asks of it as a whole too.
    assert assistant.ask("52号文第二部分 扩大多方参与、多种方式的服务供给 包括哪些条").citations[0].label == "（七）"
    assert assistant.ask("促进养老托育服务健康发展的意见第五部分是什么内容").refused  # it has four parts
    # A part whose own text is one clause is that clause, as before.
    assert [c.label for c in assistant.ask("深化养老服务改革发展的意见第六部分讲了什么").citations] == ["六、加强组织实施"]

    law = parse_text("# 中华人民共和国某某促进法\n\n## 第一章 总则\n\n第一条　为了促进某某事业，制定本法。\n\n"
                     "## 第二章 促进措施\n\n第二条　国家支持某某事业。各级人民政府应当加强领导。\n\n"
                     "第三条　鼓励社会力量参与。\n\n第四条　本法自2024年1月1日起施行。\n", "mc", ".md")
    assert [c.clause_id for c in _looked_up("某某促进法第二章讲了什么", mc=law)] == ["mc:第二条", "mc:第三条", "mc:第四条"]
    assert [r.kind for r in find_refs("某某促进法第二章第三条")] == ["article"]  # the article, of the law named
    assert find_refs("某某促进法第二章第三条")[0].law == "某某促进法"
    assert find_refs("按照某某促进法第二章，政府要不要加强领导") == []  # something in the chapter: searched
    docs = [{"doc_id": "mc", "title": law.meta.title, "doc_number": None}]
    by_doc = {"mc": law.clauses}
    assert missing_articles(_named("某某促进法第九章讲了什么", by_doc, docs), by_doc, docs) == ["某某促进法第九章"]
    assert missing_articles(_named("某某促进法第二章讲了什么", by_doc, docs), by_doc, docs) == []


def test_a_range_of_articles_names_each_article_between(assistant):
    from policyqa.assistant.references import find_refs

    assert [(r.text, r.law) for r in find_refs("劳动合同法第三十六条至第三十八条")] == [
        ("第三十六条", "劳动合同法"), ("第三十七条", "劳动合同法"), ("第三十八条", "劳动合同法")]
    assert [r.text for r in find_refs("旅游法第35-37条")] == ["第三十五条", "第三十六条", "第三十七条"]
    assert find_refs("第三条到第一百条") == []  # a span no one reads article by article names none
    labels = [c.label for c in assistant.ask("2024年养老意见第十四至十六条").citations]
    assert labels == ["（十四）", "（十五）", "（十六）"]


def test_why_a_named_document_was_made_is_the_sentence_stating_its_purpose(assistant):
    """「…的立法目的」「为什么要出台…」: a law's 「为了……，制定本法。」, an 意见's 「为……，现提出如下意见。」."""
    from policyqa.corpus import parse_text

    law = parse_text("# 中华人民共和国某某促进法\n\n第一条　为了促进某某事业，保障公民权益，制定本法。\n\n"
                     "第二条　国家支持某某事业。\n", "mc", ".md")
    assert [c.clause_id for c in _looked_up("某某促进法的立法目的是什么", mc=law)] == ["mc:第一条"]
    assert assistant.ask("52号文的出台目的是什么").citations[0].label == "序言"
    answer = assistant.ask("2024年养老意见为什么要出台")
    assert [c.label for c in answer.citations] == ["序言"]
    assert answer.citations[0].quote.startswith("为加快建设适合我国国情的养老服务体系") and "现提出如下意见" in answer.answer
    _check_verbatim(assistant, answer)


def test_the_clause_after_or_before_a_named_one(assistant):
    from policyqa.assistant.references import find_refs

    assert [(r.text, r.step) for r in find_refs("反食品浪费法第28条的下一条规定了什么")] == [("第二十八条", 1)]
    assert [(r.text, r.step) for r in find_refs("献血法第十四条前面那一条是什么内容")] == [("第十四条", -1)]
    assert [c.label for c in assistant.ask("2024年养老意见（七）医养结合的下一条讲什么").citations] == ["（八）"]
    assert [c.label for c in assistant.ask("养老托育服务健康发展意见（十二）的上一条是什么").citations] == ["（十一）"]


def test_a_term_a_named_law_defines_is_answered_with_its_definition(tmp_path):
    """「…所称电动自行车是指什么」: the sentence defining the longest end of the words before 是指什么 that the named
    text defines (「本条例所称…，是指」, or an item 「（二）景区，是指…」)."""
    from policyqa.corpus import parse_text

    rule = parse_text("# 某某省电动自行车管理条例\n\n第一条　为了加强电动自行车管理，制定本条例。\n\n"
                      "第二条　本条例所称电动自行车，是指以车载蓄电池作为辅助能源的两轮自行车。\n\n"
                      "第十条　电动自行车应当悬挂号牌。\n", "dd", ".md")
    assert [c.clause_id for c in _looked_up("某某省电动自行车管理条例所称电动自行车是指什么", dd=rule)] == ["dd:第二条"]
    assert _looked_up("某某省电动自行车管理条例所称飞机是指什么", dd=rule) == []  # a term it does not define: searched


def test_an_article_of_a_law_nothing_loaded_is_by_any_name_is_refused(assistant):
    """「道交法第47条」 with no loaded title, abbreviation or title words for 道交法: that law is not loaded."""
    answer = assistant.ask("道交法第47条规定了什么?")
    assert answer.refused and "道交法第四十七条" in answer.answer, answer.answer


def test_last_articles_chapters_by_title_and_references_typed_with_spaces():
    """「…最后一条」 is the last article (「分工表最后一项」 the table's last row); a chapter laws name alike (附则,
    罚则, 法律责任) asked about as a whole right after the law's name or as a chapter; 「第 45 条 第二款」 with spaces;
    a name giving another province than the loaded rule's names none of it."""
    from policyqa.assistant.references import find_refs
    from policyqa.corpus import parse_text

    law = parse_text("# 中华人民共和国某某促进法\n\n## 第一章 总则\n\n第一条　为了促进某某事业，制定本法。\n\n"
                     "## 第二章 法律责任\n\n第二条　违反本法规定的，责令改正。\n\n第三条　情节严重的，处以罚款。\n\n"
                     "## 第三章 附　　则\n\n第四条　本法自2024年1月1日起施行。\n", "mc", ".md")
    assert [c.clause_id for c in _looked_up("某某促进法最后一条是什么", mc=law)] == ["mc:第四条"]
    assert [c.clause_id for c in _looked_up("某某促进法的法律责任有哪些", mc=law)] == ["mc:第二条", "mc:第三条"]
    assert [c.clause_id for c in _looked_up("某某促进法的附则", mc=law)] == ["mc:第四条"]  # its heading spaced out
    assert find_refs("违反某某促进法要承担什么法律责任") == []  # liability asked in the question's own words: searched
    assert [(r.text, r.paragraph) for r in find_refs("疫苗管理法第 45 条 第二款")] == [("第四十五条", 2)]
    rule = parse_text("# 山东省生活垃圾管理条例\n\n第九条　生活垃圾实行分类管理。\n\n"
                      "第十条　各级人民政府应当建立生活垃圾源头减量工作机制。\n", "sd", ".md")
    assert _looked_up("江苏省生活垃圾管理条例第十条", sd=rule) == []
    assert [c.clause_id for c in _looked_up("生活垃圾管理条例第十条", sd=rule)] == ["sd:第十条"]  # named without a place


def test_last_row_of_a_task_table_issuer_adopted_and_defined_in_other_words(assistant):
    assert [c.label for c in assistant.ask("52号文的分工表最后一项是什么，谁牵头").citations][0] == "附件第33项"
    assert [c.label for c in assistant.ask("52号文最后一条是什么").citations] == ["（二十三）"]
    from policyqa.assistant.references import read_named

    assert read_named("浙江省军人军属权益保障条例是哪个机关通过的", (), []).asks_issuer
    assert read_named("北京单用途预付卡条例中“预付卡”是怎么定义的", (), []).defined.endswith("预付卡")


def test_a_paragraph_or_item_of_an_article_is_quoted_by_itself(tmp_path):
    """「…第三十五条第二款」 quotes that paragraph (the items under a paragraph belong to it); 「第一百一十一条第（二）项」
    that item; the citation is the article; a paragraph the article does not have gets the whole article."""
    from policyqa.assistant.service import Assistant
    from policyqa.corpus import load_corpus
    from policyqa.index import build_index

    folder = tmp_path / "laws"
    folder.mkdir()
    (folder / "某某服务法.md").write_text(
        "# 中华人民共和国某某服务法\n\n第一条　为了规范某某服务，制定本法。\n\n"
        "第二条　经营者不得以不合理的低价组织服务。\n经营者不得指定具体购物场所。但是，经双方协商一致的除外。\n"
        "违反前两款规定的，消费者有权要求退货。\n\n"
        "第三条　本法下列用语的含义：\n（一）经营者，是指提供服务的单位。\n（二）场所，是指提供服务的区域。\n", "utf-8")
    build_index(load_corpus([folder]), tmp_path / "index", embedder="none", progress=False)
    assistant = Assistant.load(tmp_path / "index")

    answer = assistant.ask("某某服务法第2条第2款")
    assert answer.answer.startswith("第二条第二款：经营者不得指定具体购物场所。但是，经双方协商一致的除外。【"), answer.answer
    assert [c.label for c in answer.citations] == ["第二条"]
    _check_verbatim(assistant, answer)
    assert assistant.ask("某某服务法第三条第一款").citations[0].quote.endswith("（二）场所，是指提供服务的区域。")
    assert assistant.ask("某某服务法第三条第（二）项是什么").answer.startswith("第三条第（二）项：场所，是指")
    assert assistant.ask("某某服务法第二条第九款").answer.startswith("第二条　经营者不得")
    assert assistant.ask("某某服务法第二条 第三款").answer.startswith("第二条第三款：违反前两款规定的")


def test_who_issued_a_named_document_is_answered_with_its_title_and_signature(assistant):
    answer = assistant.ask("52号文的发文机关是哪个")
    assert [c.label for c in answer.citations] == ["结语"]
    assert answer.answer.startswith("《国务院办公厅关于促进养老托育服务健康发展的意见》国务院办公厅")
    _check_verbatim(assistant, answer)
    # Its title names the issuer where no signature does.
    answer = assistant.ask("2024年的养老意见是哪个部门印发的")
    assert answer.answer.startswith("《中共中央　国务院关于深化养老服务改革发展的意见》"), answer.answer
    assert not assistant.ask("养老补贴是谁发的").answer.startswith("《")  # who pays a subsidy is searched
    assert assistant.ask("52号文是谁制定公布的").citations[0].label == "结语"
    assert assistant.ask("52号文是谁发的").citations[0].label == "结语"  # 谁发的 right after the document's name
    assert not assistant.ask("52号文里的补贴是谁发的").answer.startswith("《")
    # The name in its title marks: what follows 》 is read right after the name.
    assert assistant.ask("《国务院办公厅关于促进养老托育服务健康发展的意见》是谁发的？").citations[0].label == "结语"
    assert assistant.ask("《中共中央　国务院关于深化养老服务改革发展的意见》是谁发的").answer.startswith(
        "《中共中央　国务院关于深化养老服务改革发展的意见》")


def test_an_article_is_looked_up_however_its_number_and_the_words_before_the_law_are_written():
    """「第33条」 is 第三十三条; asking words (请问, 根据) and an issuer (国务院) before the law's name are not of it."""
    from policyqa.corpus import parse_text

    law = parse_text("# 中华人民共和国职业病防治法\n\n第三十三条　用人单位与劳动者订立劳动合同时，应当告知职业病危害。\n\n"
                     "第三十四条　用人单位应当组织职业卫生培训。\n", "zf", ".md")
    rule = parse_text("# 机动车交通事故责任强制保险条例\n\n第十六条　投保人不得解除机动车交通事故责任强制保险合同。\n\n"
                      "第十七条　解除合同时，保险公司应当收回保险单和保险标志。\n\n第十八条　本条例自2006年7月1日起施行。\n",
                      "jq", ".md")
    for question in ("职业病防治法第33条讲什么", "请问职防法第33条", "我想问下职防法第三十三条", "根据职业病防治法第三十三条，要告知什么"):
        assert [c.clause_id for c in _looked_up(question, zf=law, jq=rule)] == ["zf:第三十三条"], question
    for question in ("交强险条例第16条", "国务院交强险条例第十六条说的啥", "请问国务院交强险条例第十六条"):
        assert [c.clause_id for c in _looked_up(question, zf=law, jq=rule)] == ["jq:第十六条"], question
    assert _looked_up("职业病防治法第330条讲什么", zf=law, jq=rule) == []
    # When a law named by its usual name came into force: the article putting it in force.
    assert [c.clause_id for c in _looked_up("交强险条例什么时候施行的", zf=law, jq=rule)] == ["jq:第十八条"]
    # A law's article in digits may drop 第; one 第 may lead a list of articles.
    assert [c.clause_id for c in _looked_up("职业病防治法33条讲什么", zf=law, jq=rule)] == ["zf:第三十三条"]
    assert [c.clause_id for c in _looked_up("职业病防治法第三十三、三十四条", zf=law, jq=rule)] == [
        "zf:第三十三条", "zf:第三十四条"]
    from policyqa.assistant.references import find_refs

    # A one-character name before 法 or 法典 is a law's (刑法, 民法典); 办法, 依法 name none.
    assert [(r.law, r.explicit) for r in find_refs("民法典第1079条")] == [("民法典", True)]
    assert [r.law for r in find_refs("根据刑法第二十条")] == ["刑法"]
    assert [r.law for r in find_refs("按照办法第三条")] == [""]
    assert [r.law for r in find_refs("依法第三条")] == [""]
    assert [r.text for r in find_refs("52号文12条")] == ["第十二条"]  # after a 发文字号, as after a law's name
    assert [(r.text, r.law) for r in find_refs("道交法七十条")] == [("第七十条", "道交法")]
    assert find_refs("道交法三条") == []  # may count articles
    assert find_refs("出台了20条措施") == []


def test_a_year_beside_a_laws_name_asks_for_that_version(tmp_path):
    """「2016年版的…法第八条」: of two versions of one law, the one adopted or amended that year is answered from (and
    marked as not in force); without a year, the version in force."""
    from policyqa.assistant.service import Assistant
    from policyqa.corpus import load_corpus
    from policyqa.index import build_index

    head = "# 中华人民共和国某某促进法\n\n2016年3月16日 第十二届全国人民代表大会第四次会议通过\n\n"
    amended = "2023年12月29日 第十四届全国人民代表大会常务委员会第七次会议《关于修改〈中华人民共和国某某促进法〉的决定》修正\n\n"
    body = ("<!-- INFO END -->\n\n第八条 {eight}\n\n第九条 本法自公布之日起施行。\n")
    folder = tmp_path / "laws"
    folder.mkdir()
    (folder / "某某促进法(2016-03-16).md").write_text(head + body.format(eight="慈善组织可以采取基金会形式。"), "utf-8")
    (folder / "某某促进法(2023-12-29).md").write_text(
        head + amended + body.format(eight="慈善组织可以采取基金会、社会团体、社会服务机构等组织形式。"), "utf-8")
    build_index(load_corpus([folder]), tmp_path / "index", embedder="none", progress=False)
    assistant = Assistant.load(tmp_path / "index")

    def cited(question: str) -> list[str]:
        return [c.clause_id for c in assistant.ask(question).citations]

    assert cited("2016年版的某某促进法第八条是什么") == ["某某促进法(2016-03-16):第八条"]
    assert cited("16年版的某某促进法第八条是什么") == ["某某促进法(2016-03-16):第八条"]  # two digits before 版
    assert cited("某某促进法（2023年修正）第八条是什么") == ["某某促进法(2023-12-29):第八条"]
    assert cited("某某促进法第八条是什么") == ["某某促进法(2023-12-29):第八条"]
    assert cited("2016年的某某促进法规定慈善组织可以采取哪些形式") == ["某某促进法(2016-03-16):第八条"]
    assert assistant.ask("2016年版的某某促进法第八条是什么").citations[0].warning  # not the version in force


def test_an_article_the_version_named_by_year_lacks_is_refused(tmp_path):
    """「1996年职业教育法第五十条」: the version the year names has no such article; a later one's is not the answer."""
    from policyqa.assistant.service import Assistant
    from policyqa.corpus import load_corpus
    from policyqa.index import build_index

    head = "# 中华人民共和国某某促进法\n\n{date} 第十二届全国人民代表大会第四次会议通过\n\n<!-- INFO END -->\n\n"
    folder = tmp_path / "laws"
    folder.mkdir()
    (folder / "某某促进法(1996-03-16).md").write_text(
        head.format(date="1996年3月16日") + "第一条 为了促进某某，制定本法。\n\n第二条 本法自公布之日起施行。\n", "utf-8")
    (folder / "某某促进法(2022-03-16).md").write_text(
        head.format(date="2022年3月16日") + "第一条 为了促进某某事业，制定本法。\n\n第二条 国家支持某某。\n\n"
        "第三条 本法自2022年5月1日起施行。\n", "utf-8")
    build_index(load_corpus([folder]), tmp_path / "index", embedder="none", progress=False)
    assistant = Assistant.load(tmp_path / "index")
    assert assistant.ask("1996年某某促进法第三条").refused
    assert [c.clause_id for c in assistant.ask("96年版的某某促进法第二条").citations] == ["某某促进法(1996-03-16):第二条"]
    assert [c.clause_id for c in assistant.ask("某某促进法第三条").citations] == ["某某促进法(2022-03-16):第三条"]


def test_greetings_thanks_and_full_width_digits_leave_the_answer_as_it_was(assistant):
    """Courtesy around a question and digits typed full-width are not what is asked: the same clauses answer."""
    from policyqa.assistant.courtesy import without_courtesy

    tokenizer = assistant.index.tokenizer
    courteous = {"你好，请问养老机构用水按什么价格收费？谢谢！": "养老机构用水按什么价格收费？",
                 "您好请问养老机构怎么收费": "养老机构怎么收费", "养老补贴怎么申请谢谢": "养老补贴怎么申请",
                 "我想问下岗职工有什么补贴": "下岗职工有什么补贴", "养老补贴怎么申请？麻烦了，谢谢！": "养老补贴怎么申请？"}
    for asked, read in courteous.items():
        assert without_courtesy(asked, tokenizer) == read, asked
    # Words that only look like courtesy, and a question that is nothing else, are read as written.
    for asked in ("咨询服务有补贴吗", "咨询下岗职工有什么补贴", "大家好像都能领补贴吗", "办理手续是不是太麻烦了",
                  "对捐赠人如何感谢？", "谢谢"):
        assert without_courtesy(asked, tokenizer) == asked, asked
    for plain, variants in (("52号文第十条说了什么", ("５２号文第十条说了什么", "您好！想咨询一下，52号文第十条说了什么，多谢")),
                            ("养老机构用水用电按什么价格收费？", ("你好，请问养老机构用水用电按什么价格收费？谢谢！",))):
        expected = [c.clause_id for c in assistant.ask(plain).citations]
        assert expected
        for asked in variants:
            assert [c.clause_id for c in assistant.ask(asked).citations] == expected, asked


def test_a_policy_qa_page_is_read_question_by_question_and_the_number_it_explains_is_known(tmp_path):
    """A 政策问答 numbers its questions 「一、问：…」: each question with its whole answer (lists included) is a unit
    第N问; the 发文字号 of the 办法 it explains, quoted in its text, is searched there, not refused as not loaded."""
    from policyqa.assistant.service import Assistant
    from policyqa.corpus import load_corpus
    from policyqa.index import build_index

    folder = tmp_path / "qa"
    folder.mkdir()
    (folder / "wenda.md").write_text(
        "---\ntitle: 《某某省养老服务补贴实施办法》政策问答\n发布日期: 2025-03-18\n---\n\n"
        "近日，省民政厅印发了《某某省养老服务补贴实施办法》（某民发〔2025〕6号），现就主要问题解答如下。\n\n"
        "**一、问：哪些老年人可以申领养老服务补贴？**\n\n答：具有本省户籍、年满60周岁，并且属于下列情形之一的老年人：\n\n"
        "（一）城乡最低生活保障家庭中的老年人；\n\n（二）最低生活保障边缘家庭中的老年人。\n\n"
        "已纳入特困人员救助供养范围的老年人，不再重复享受养老服务补贴。\n\n"
        "**二、问：《实施办法》什么时候开始施行？**\n\n答：《实施办法》自2025年4月1日起施行。\n\n"
        "**三、问：补贴标准是多少？**\n\n答：养老服务补贴每人每月不低于100元。\n", "utf-8")
    (folder / "tongzhi.md").write_text("# 某某省民政厅关于做好高龄津贴发放工作的通知\n\n一、高龄津贴按月发放。\n\n"
                                       "二、本通知自印发之日起施行，《关于发放高龄津贴的通知》（某民发〔2019〕7号）同时废止。\n", "utf-8")
    build_index(load_corpus([folder]), tmp_path / "index", embedder="none", progress=False)
    assistant = Assistant.load(tmp_path / "index")

    labels = [c.label for c in assistant.index.clauses if c.doc_id == "wenda"]
    assert labels == ["序言", "第1问", "第2问", "第3问"]
    first = next(c for c in assistant.index.clauses if c.label == "第1问")
    assert first.text.endswith("不再重复享受养老服务补贴。")  # the list and what follows it stay in the answer
    answer = assistant.ask("某民发〔2025〕6号从什么时候开始施行？")
    assert not answer.refused and answer.citations[0].label == "第2问", answer.answer
    assert assistant.ask("某民发〔2024〕9号从什么时候开始施行？").refused  # quoted nowhere: not loaded
    assert assistant.ask("某民发〔2019〕7号规定的高龄津贴标准是多少？").refused  # only cited, as repealed: not loaded
    third = assistant.ask("政策问答第三问是怎么回答的")
    assert third.citations[0].label == "第3问"
    # a title quoting another title is printed with the inner one in 〈〉, as Chinese punctuation nests them
    assert "【《〈某某省养老服务补贴实施办法〉政策问答》第3问】" in third.answer, third.answer


def test_a_plans_sections_and_boxes_are_cited_as_readers_cite_them():
    """A 规划 written in chapters and sections without articles: each section is the unit 第N章第M节 (「第一节」 recurs in
    every chapter), a 专栏 box is a unit of its own (专栏1), and both are looked up by those names."""
    from policyqa.corpus import parse_text

    doc = parse_text("# 某某省“十四五”养老服务体系建设规划\n\n## 第一章 规划背景\n\n### 第一节 发展基础\n\n养老床位持续增加。\n\n"
                     "### 第二节 面临形势\n\n老龄化程度加深。\n\n## 第二章 主要任务\n\n### 第一节 发展居家社区养老\n\n"
                     "推进家庭养老床位建设。\n\n专栏1　居家社区养老服务提升行动\n\n01 家庭养老床位建设。建设家庭养老床位不少于2万张。\n\n"
                     "02 老年助餐服务。城市社区老年助餐服务覆盖率达到70%以上。\n\n### 第二节 提升机构服务\n\n护理型床位占比达到55%。\n",
                     "gh", ".md")
    assert [c.label for c in doc.clauses] == ["第一章第一节", "第一章第二节", "第二章第一节", "专栏1", "第二章第二节"]
    box = next(c for c in doc.clauses if c.label == "专栏1")
    assert "覆盖率达到70%以上" in box.text and "第一节 发展居家社区养老" in box.section

    def labels(question: str) -> list[str]:
        return [c.label for c in _looked_up(question, gh=doc)]

    assert labels("养老服务体系建设规划第二章第一节讲的是什么") == ["第二章第一节", "专栏1"]  # the box sits in it
    assert labels("养老服务体系建设规划的专栏1写了哪些内容？") == ["专栏1"]
    assert labels("养老服务体系建设规划第一章讲了什么") == ["第一章第一节", "第一章第二节"]


def test_a_standards_clause_is_looked_up_by_its_number_not_by_a_figure():
    """「规范5.1.2条讲什么」「附录A」 name a standard's clause; 「扶手高度0.85米」「补贴3.5万元」 are figures."""
    from policyqa.assistant.references import find_refs
    from policyqa.corpus import parse_text
    from tests.test_corpus_genre import STANDARD

    doc = parse_text(STANDARD, "fzs", ".txt")
    assert [c.label for c in _looked_up("防走失服务规范4.1.2条讲什么", fzs=doc)] == ["4.1.2"]
    assert [c.label for c in _looked_up("防走失服务规范第3.2条是什么内容", fzs=doc)] == ["3.2"]
    assert [c.label for c in _looked_up("防走失服务规范附录A里有什么", fzs=doc)] == ["附录A"]
    assert not [r for r in find_refs("扶手高度0.85米、补贴3.5万元够吗") if r.kind == "clause"]


def test_a_regulation_named_where_only_the_decision_amending_it_is_loaded(tmp_path):
    """「《某某市养老服务条例》第二十条之一」 where the loaded text is the decision amending it, printed with the
    regulation as amended: the article is looked up there, not refused as of a law not loaded; a transcript of a
    press conference answers for the 发文字号 it quotes."""
    from policyqa.assistant import Assistant
    from policyqa.corpus import load_corpus
    from policyqa.index import build_index
    from tests.test_corpus_genre import AMENDMENT

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "xiugai.txt").write_text(AMENDMENT, "utf-8")
    (folder / "fabuhui.md").write_text(
        "# 某省长期护理保险新闻发布会实录\n\n【省医保局局长 王某某】《某省长期护理保险实施办法》（某医保发〔2025〕41号）"
        "规定，职工长期护理保险筹资费率为0.3%。\n\n【某某日报记者】哪些人参保？\n\n【省医保局局长 王某某】职工医保参保人员。\n\n"
        "【某某电视台记者】去哪里评估？\n\n【省医保局局长 王某某】参保地医保经办机构。\n\n"
        "【某某晚报记者】待遇会降吗？\n\n【省医保局局长 王某某】不会降低。\n", "utf-8")
    build_index(load_corpus([folder]), tmp_path / "index", embedder="none", progress=False)
    assistant = Assistant.load(tmp_path / "index")
    assert [c.clause_id for c in assistant.ask("修正后的《某某市养老服务条例》第二十条之一规定了什么？").citations] == [
        "xiugai:第二十条之一"]
    assert assistant.ask("某某市居家养老条例第二十条之一").refused  # another regulation, not loaded
    # The decision alone, without the regulation printed under it: its item 二、 is not the regulation's 第二条.
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "xiugai.txt").write_text(AMENDMENT.split("第一章")[0], "utf-8")
    build_index(load_corpus([alone]), tmp_path / "alone-index", embedder="none", progress=False)
    assert Assistant.load(tmp_path / "alone-index").ask("某某市养老服务条例第二条是怎么规定的？").refused
    assert not assistant.ask("某医保发〔2025〕41号规定的职工长期护理保险筹资费率是多少").refused
