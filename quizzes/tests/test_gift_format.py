"""The GIFT reader and writer (quizzes.gift), checked against the examples of Moodle's GIFT documentation.

Plain functions on strings: no database. Fixture files are in fixtures/: moodle-doc.gift gathers the
documentation's examples, korean.gift is a small bank of our own.
"""

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.gift import FORMATS, GAP, GiftAnswer, GiftError, GiftQuestion, parse, write

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name):
    return (FIXTURES / name).read_text(encoding="utf-8")


def only(text):
    """The one question in ``text``, which must parse without skips."""
    questions, skipped = parse(text)
    assert skipped == [] and len(questions) == 1
    return questions[0]


def without_lines(questions):
    return [replace(question, line=0) for question in questions]


def answers(question):
    return [(answer.text, answer.weight) for answer in question.answers]


# The documentation's examples, file by file ----------------------------------------------------------

DOC_QUESTIONS = [  # (line, kind, gap) of every question in moodle-doc.gift
    (5, "single", False), (7, "single", True), (9, "single", True), (15, "single", False),
    (23, "short", False), (25, "short", True), (28, "true_false", False), (30, "true_false", False),
    (33, "matching", False), (42, "single", True), (45, "numeric", False), (47, "numeric", True),
    (49, "numeric", False), (62, "single", False), (74, "single", False), (82, "true_false", False),
    (85, "single", False), (87, "single", True), (94, "short", False), (101, "multiple", False),
    (109, "single", False), (115, "single", False), (130, "true_false", False), (135, "single", False),
    (142, "short", True), (144, "matching", False), (146, "numeric", False), (148, "numeric", False),
    (150, "true_false", False),
]  # fmt: skip


def test_every_documentation_example_is_read_with_its_line_kind_and_gap():
    questions, skipped = parse(fixture("moodle-doc.gift"))
    assert [(q.line, q.kind, q.gap) for q in questions] == DOC_QUESTIONS
    assert [(s.line, s.reason) for s in skipped] == [
        (55, "서술형(에세이) 문제는 채점할 수 없어 건너뜁니다."),
        (58, "답 블록 {…} 이 없는 설명 글이라 문제로 가져오지 않고 건너뜁니다."),
    ]


def test_documentation_names_categories_and_formats():
    by_line = {q.line: q for q in parse(fixture("moodle-doc.gift"))[0]}
    assert by_line[62].name == "Grants tomb" and by_line[62].category == ""
    assert (by_line[130].name, by_line[130].category) == ("Q1", "tom")
    assert by_line[135].category == "$course$/top/Default for course/subcat"
    assert [by_line[line].format for line in (130, 135, 142, 150)] == ["moodle", "markdown", "html", "plain"]
    assert by_line[135].text == "What's between **orange** and **green** in the spectrum?"
    assert by_line[135].general_feedback == "Remember the rainbow: red, orange, yellow, green, blue."


def test_documentation_feedback_on_lines_of_its_own_belongs_to_the_answer_before():
    grants_tomb = {q.line: q for q in parse(fixture("moodle-doc.gift"))[0]}[62]
    assert [(a.text, a.feedback) for a in grants_tomb.answers][:2] == [
        ("Grant", ""),
        ("No one", "Was true for 12 years, but Grant's remains were buried in the tomb in 1897"),
    ]


def test_documentation_control_characters_example_unescapes_every_answer():
    control = {q.line: q for q in parse(fixture("moodle-doc.gift"))[0]}[115]
    assert answers(control) == [("~", 0), ("=", 0), ("#", 0), ("{", 0), ("}", 0), ("\\", 100)]
    assert control.answers[0].feedback == "~ is a control character."
    assert control.answers[-1].feedback.startswith("Correct! \\ (backslash) is not a control character. BUT,\n")


def test_korean_bank_is_read_whole():
    questions, skipped = parse(fixture("korean.gift"))
    assert [(q.line, q.kind, q.category) for q in questions] == [
        (6, "single", "클라우드 네이티브/복원력"),
        (13, "multiple", "클라우드 네이티브/복원력"),
        (19, "true_false", "클라우드 네이티브/복원력"),
        (23, "numeric", "클라우드 네이티브/운영"),
        (28, "short", "클라우드 네이티브/운영"),
        (30, "matching", "클라우드 네이티브/운영"),
        (38, "short", "클라우드 네이티브/운영"),
        (40, "true_false", "클라우드 네이티브/운영"),
    ]
    assert [s.line for s in skipped] == [43, 45]
    circuit, _multiple, bulkhead, availability, replicaset, matching, special, newline = questions
    assert circuit.name == "서킷 브레이커" and circuit.format == "markdown"
    assert circuit.general_feedback == "반열림 상태에서는 시험 삼아 몇 요청만 보냅니다."
    assert (bulkhead.truth, bulkhead.feedback_true, bulkhead.feedback_false) == (
        True,
        "맞습니다.",
        "자원을 나누는 것이 핵심입니다.",
    )
    assert [(a.low, a.high, a.weight) for a in availability.answers] == [(99.65, 99.75, 100), (99.6, 99.8, 50)]
    assert replicaset.text == "쿠버네티스에서 원하는 수의 파드를 유지하는 객체는 {1}입니다."
    assert answers(replicaset) == [("레플리카셋", 100), ("ReplicaSet", 100), ("디플로이먼트", 50)]
    assert [(a.text, a.match) for a in matching.answers][-1] == ("", "데이터 암호화")
    assert special.text == 'JSON 객체 {"a": 1}에서 키 a 의 값은?'
    assert special.answers[0].feedback == "{ 와 } 는 글자입니다."
    assert newline.text == "첫째 줄\n둘째 줄에서 ~ 와 = 와 # 는 글자입니다."


# Each kind --------------------------------------------------------------------------------------------


def test_multiple_choice_with_one_right_answer_is_single():
    question = only("Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}")
    assert (question.kind, question.text, question.gap) == ("single", "Who's buried in Grant's tomb?", False)
    assert answers(question) == [("Grant", 0), ("Jefferson", 0), ("no one", 100)]


def test_weights_with_several_right_answers_make_a_multiple_answer_question():
    question = only("Which two? {~%50%Grant ~%50%Grant's wife ~%-100%No one}")
    assert question.kind == "multiple"
    assert answers(question) == [("Grant", 50), ("Grant's wife", 50), ("No one", -100)]


def test_one_full_weight_and_the_rest_zero_is_single_even_written_with_percent():
    assert only("Pick {~%100%a ~%0%b ~c}").kind == "single"


def test_partial_credit_beside_one_right_answer_stays_single_with_its_weights():
    question = only("Difficult question.{~wrong answer ~%50%half credit answer =full credit answer}")
    assert question.kind == "single"
    assert answers(question) == [("wrong answer", 0), ("half credit answer", 50), ("full credit answer", 100)]


def test_equals_answers_alone_are_short_answers_with_weights():
    question = only("Jesus Christ was from {=Nazareth#Yes! =%75%Nazereth#Misspelled. =%25%Bethlehem}")
    assert question.kind == "short"
    assert answers(question) == [("Nazareth", 100), ("Nazereth", 75), ("Bethlehem", 25)]
    assert question.answers[1].feedback == "Misspelled."


def test_a_lone_answer_without_a_mark_is_a_short_answer():
    question = only("What's 6 plus 2? {eight}")
    assert (question.kind, answers(question)) == ("short", [("eight", 100)])


@pytest.mark.parametrize("block, truth", [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)])
def test_true_false_words(block, truth):
    question = only(f"The sun rises in the east.{{{block}}}")
    assert (question.kind, question.truth, question.answers) == ("true_false", truth, [])


@pytest.mark.parametrize(
    "block, feedback_true, feedback_false",
    [
        ("TRUE#wrong#right", "right", "wrong"),
        ("FALSE#wrong#right", "wrong", "right"),
        ("FALSE#No one is buried there.", "No one is buried there.", ""),
        ("T##only when right", "only when right", ""),
    ],
)
def test_true_false_feedback_is_given_wrong_first_then_right(block, feedback_true, feedback_false):
    question = only(f"Grant is buried in Grant's tomb.{{{block}}}")
    assert (question.feedback_true, question.feedback_false) == (feedback_true, feedback_false)


def test_matching_pairs_a_distractor_and_general_feedback():
    question = only(
        "Match the capitals. {\n    =Canada -> Ottawa\n    =Italy  -> Rome\n    = -> Paris\n    ####Good to know.\n}"
    )
    assert question.kind == "matching"
    assert [(a.text, a.match) for a in question.answers] == [("Canada", "Ottawa"), ("Italy", "Rome"), ("", "Paris")]
    assert question.general_feedback == "Good to know."


def test_missing_word_marks_the_gap_in_the_text():
    question = only("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert (question.kind, question.gap, question.text) == ("single", True, "Grant is {1} in Grant's tomb.")


def test_missing_word_with_typed_answers_is_short():
    question = only("Two plus {=two =2} equals four.")
    assert (question.kind, question.gap, question.text) == ("short", True, "Two plus {1} equals four.")


def test_a_block_before_the_closing_full_stop_is_a_gap_too_as_in_moodle():
    question = only("What is the value of pi (to 3 decimal places)? {#3.141..3.142}.")
    assert (question.kind, question.gap) == ("numeric", True)
    assert question.text == "What is the value of pi (to 3 decimal places)? {1}."


@pytest.mark.parametrize(
    "block, low, high",
    [("#1822:5", 1817, 1827), ("#3.14:0.01", 3.13, 3.15), ("#3.141..3.142", 3.141, 3.142), ("#3", 3, 3),
     ("# -5 .. -1 ", -5, -1), ("#=2.5e3:0", 2500, 2500), ("#\n=1822:0\n", 1822, 1822)],
)  # fmt: skip
def test_numeric_answers_read_as_ranges(block, low, high):
    question = only(f"When? {{{block}}}")
    assert question.kind == "numeric"
    assert (question.answers[0].low, question.answers[0].high, question.answers[0].weight) == (low, high, 100)


def test_numeric_alternatives_with_partial_credit_and_feedback():
    question = only("When was Ulysses S. Grant born? {#=1822:0 #Correct! =%50%1822:2 #Close.}")
    assert [(a.text, a.weight, a.low, a.high, a.feedback) for a in question.answers] == [
        ("1822:0", 100, 1822, 1822, "Correct!"),
        ("1822:2", 50, 1820, 1824, "Close."),
    ]


def test_answer_block_spanning_lines_with_indented_answers():
    question = only(
        "The American holiday of Thanksgiving is celebrated on the {\n    ~second\n    ~third\n    =fourth\n"
        "} Thursday of November."
    )
    assert question.text == "The American holiday of Thanksgiving is celebrated on the {1} Thursday of November."
    assert answers(question) == [("second", 0), ("third", 0), ("fourth", 100)]


def test_question_text_spanning_lines_keeps_its_line_break():
    question = only("::Kanji::Japanese characters originally\ncame from what country? {=China ~India}")
    assert question.text == "Japanese characters originally\ncame from what country?"


# Escapes, comments, categories, formats ---------------------------------------------------------------


@pytest.mark.parametrize("escaped, plain", [("\\~", "~"), ("\\=", "="), ("\\#", "#"), ("\\{", "{"),
                                            ("\\}", "}"), ("\\\\", "\\"), ("\\:", ":"), ("\\n", "\n")])  # fmt: skip
def test_each_escape_is_unescaped_in_name_text_answer_and_feedback(escaped, plain):
    question = only(f"::a{escaped}b::x{escaped}y {{=p{escaped}q #f{escaped}g ~r ####g{escaped}h}}")
    assert question.name == f"a{plain}b" and question.text == f"x{plain}y"
    assert (question.answers[0].text, question.answers[0].feedback) == (f"p{plain}q", f"f{plain}g")
    assert question.general_feedback == f"g{plain}h"


def test_a_backslash_before_any_other_character_is_kept_as_written():
    assert only("Solve \\(x^2\\) {=\\alpha}").text == "Solve \\(x^2\\)"


def test_comments_between_and_inside_questions_are_ignored():
    questions, skipped = parse(
        "// header\n\n// before\nQuestion one {T}\n// inside\n\n  // indented\nTwo {\n=a\n// x\n~b}"
    )
    assert [(q.line, q.text) for q in questions] == [(4, "Question one"), (8, "Two")]
    assert answers(questions[1]) == [("a", 100), ("b", 0)] and skipped == []


def test_category_lines_set_the_category_until_the_next_one():
    text = "$CATEGORY: a/b\n\nOne {T}\n\nTwo {T}\n\n$CATEGORY:\n\nThree {T}\n\n$CATEGORY: c\nFour {T}"
    questions, skipped = parse(text)
    assert [(q.text, q.category) for q in questions] == [("One", "a/b"), ("Two", "a/b"), ("Three", ""), ("Four", "c")]
    assert questions[-1].line == 12 and skipped == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_format_prefix_after_the_name(fmt):
    question = only(f"::n::[{fmt}]Who? {{=me}}")
    assert (question.format, question.text, question.name) == (fmt, "Who?", "n")


def test_an_unknown_bracket_word_is_text_and_the_format_stays_moodle():
    assert only("[latex]x {=y}").text == "[latex]x" and only("[latex]x {=y}").format == "moodle"


def test_an_answer_may_repeat_the_question_format():
    assert only("[html]<b>Who?</b> {=[html]<i>me</i> ~you}").answers[0].text == "<i>me</i>"


def test_windows_line_endings_and_a_byte_order_mark():
    questions, _ = parse("\ufeff::a:: One {T}\r\n\r\nTwo {\r\n=x\r\n}\r\n")
    assert [(q.line, q.text) for q in questions] == [(1, "One"), (3, "Two")]


# Skipped items ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "item, reason",
    [
        ("Write a short biography of Dag Hammarskjöld. {}", "서술형(에세이) 문제는 채점할 수 없어 건너뜁니다."),
        ("How are you? {\n####We hope you are well.\n}", "서술형(에세이)"),
        ("You can use a calculator for the next questions.", "설명 글"),
        ("Match {=a -> b ~c -> d}", "짝 맞추기(->)와 선택지(~)가 섞여"),
        ("Match {=a -> b =c}", "'=왼쪽 -> 오른쪽' 꼴"),
        ("Match {=a -> b = -> c}", "짝이 둘 이상"),
        ("When? {#about 1822}", "숫자로 읽을 수 없어 건너뜁니다: about 1822"),
        ("When? {#1822\\:5}", "숫자로 읽을 수 없어"),
        ("When? {#3:-1}", "숫자로 읽을 수 없어"),
        ("When? {#5..3}", "숫자로 읽을 수 없어"),
        ("When? {#=1822 ~#Not even close}", "수치 문제의 ~ 답"),
        ("When? {#=%50%1822}", "100%로 인정하는 답이 없는 수치"),
        ("Pick {~a ~b}", "정답이 없는 선택형"),
        ("Pick {=a =b ~c}", "하나 고르기로도 모두 고르기로도"),
        ("Pick {~%50%a ~%20%b}", "하나 고르기로도 모두 고르기로도"),
        ("Pick {~%150%a ~b}", "가중치 150%"),
        ("Pick {=a}{=b}", "Cloze"),
        ("Pick {=a ~}", "내용이 빈 답"),
        ("Type {=%50%a}", "100%로 인정하는 답이 없는 단답형"),
        ("Type {lead =a ~b}", "알 수 없는 형식"),
        ("True? {true}", "대문자로"),
        ("True? {T#a#b#c}", "알 수 없는 형식"),
        ("{=a ~b}", "문제 글이 비어"),
        ("[html]Who? {=[markdown]*me* ~you}", "다른 형식 [markdown]"),
    ],
)
def test_items_we_cannot_read_are_skipped_with_a_reason_and_the_rest_is_kept(item, reason):
    questions, skipped = parse(f"Before {{T}}\n\n// the item\n{item}\n\nAfter {{F}}")
    assert [q.text for q in questions] == ["Before", "After"]
    assert len(skipped) == 1 and skipped[0].line == 4
    assert reason in skipped[0].reason


# Malformed files --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("Fine {T}\n\nWho? {\n=a\n~b\n\n~c}", 3, "{ 를 닫는 } 가 없습니다"),
        ("Fine {T}\n\nWho?\n=a ~b}", 4, "여는 { 없이 } 가 나옵니다"),
        ("Who? {=a\n{~b}", 2, "{ 가 또 나옵니다"),
        ("Fine {T}\n\n\n::Name without end Who? {T}", 4, "닫는 :: 가 없습니다"),
        ("Fine {T}\n\nWho? {=a ~b} and \\{ {T}}", 3, "여는 { 없이 } 가 나옵니다"),
    ],
)
def test_a_malformed_file_raises_with_the_line_at_fault(text, line, message):
    with pytest.raises(GiftError) as raised:
        parse(text)
    assert raised.value.line == line
    assert str(raised.value).startswith(f"{line}행: ") and message in str(raised.value)


def test_the_error_message_names_the_line_in_korean():
    with pytest.raises(GiftError, match=r"^12행: \{ 를 닫는 \} 가 없습니다"):
        parse("\n" * 11 + "Who? {=a")


def test_text_that_was_not_decoded_as_utf8_is_refused():
    with pytest.raises(GiftError, match="^2행: UTF-8"):
        parse("One {T}\nTwo \udcff {T}")


def test_a_malformed_question_anywhere_rejects_the_whole_file():
    good = "\n\n".join(f"Question {n} {{T}}" for n in range(20))
    with pytest.raises(GiftError):
        parse(good + "\n\nBroken {=a")


# Writing ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["moodle-doc.gift", "korean.gift"])
def test_fixture_files_survive_a_round_trip(name):
    questions, _skipped = parse(fixture(name))
    again, skipped = parse(write(questions))
    assert skipped == [] and without_lines(again) == without_lines(questions)


def test_write_escapes_every_special_character():
    question = GiftQuestion(line=0, kind="short", text="a~b=c#d{e}f:g\\h\ni", answers=[GiftAnswer("x{1}")])
    assert write([question]) == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\ni {=x\\{1\\}}\n"


def test_write_lays_out_a_question_as_the_documentation_does():
    question = only("::Q::[markdown]Who's *buried* in Grant's tomb?{~Grant#No. =no one#Yes. ####Trick.}")
    assert write([question]) == (
        "::Q::[markdown]Who's *buried* in Grant's tomb? {\n    ~Grant #No.\n    =no one #Yes.\n    ####Trick.\n}\n"
    )


def test_write_starts_a_category_when_it_changes_and_resets_it():
    questions = [
        GiftQuestion(line=0, category=category, kind="true_false", text=text, truth=True)
        for category, text in [("a", "One"), ("a", "Two"), ("", "Three")]
    ]
    assert write(questions) == "$CATEGORY: a\n\nOne {TRUE}\n\nTwo {TRUE}\n\n$CATEGORY:\n\nThree {TRUE}\n"


@pytest.mark.parametrize("text", ["[html]looks like a format", "// looks like a comment", "::looks like a name"])
def test_question_text_that_looks_like_syntax_is_written_so_it_reads_back(text):
    question = GiftQuestion(line=0, kind="true_false", text=text, truth=False)
    assert without_lines(parse(write([question]))[0]) == [question]


def test_answers_that_look_like_weights_or_formats_read_back():
    question = GiftQuestion(
        line=0, kind="single", text="Q", answers=[GiftAnswer("%50%off", 100), GiftAnswer("[html]b", 0, "%1%")]
    )
    assert without_lines(parse(write([question]))[0]) == [question]


def test_a_numeric_answer_given_only_by_its_bounds_is_written_as_a_range():
    question = GiftQuestion(line=0, kind="numeric", text="Pi?", answers=[GiftAnswer(low=3.141, high=3.142)])
    assert write([question]) == "Pi? {#=3.141..3.142}\n"


@pytest.mark.parametrize(
    "question",
    [
        GiftQuestion(line=0, kind="single", text="Q", answers=[GiftAnswer("a -> b"), GiftAnswer("c", 0)]),
        GiftQuestion(line=0, kind="short", text="No gap", gap=True, answers=[GiftAnswer("a")]),
        GiftQuestion(line=0, kind="short", text="Gap at the end {1}", gap=True, answers=[GiftAnswer("a")]),
        GiftQuestion(line=0, kind="numeric", text="Q", answers=[GiftAnswer("about 3")]),
        GiftQuestion(line=0, kind="true_false", text="Q"),
        GiftQuestion(line=0, kind="essay", text="Q"),
        GiftQuestion(line=0, kind="true_false", text="Q", truth=True, category="two\nlines"),
    ],
)
def test_write_refuses_what_gift_cannot_say(question):
    with pytest.raises(ValueError):
        write([question])


# Round trip over generated questions ------------------------------------------------------------------

TRICKY = ["[html]x", "//x", "%50%x", "::x", "$CATEGORY: x", "T", "TRUE", "a\\", "\\n", "{1}", "####", "#x", "a-"]
characters = st.characters(categories=("L", "N", "P", "S", "Zs")) | st.sampled_from("~=#{}:\\\n%[]/->")
any_text = (st.text(characters, min_size=1, max_size=12) | st.sampled_from(TRICKY)).map(str.strip).filter(bool)
texts = any_text.filter(lambda text: "->" not in text)  # "->" in an answer is read as matching
maybe = st.just("") | texts


@st.composite
def numeric_answers(draw, weight):
    value = Decimal(draw(st.integers(-(10**5), 10**5))) / 100
    tolerance = Decimal(draw(st.integers(0, 1000))) / 100
    text, low, high = draw(
        st.sampled_from(
            [(f"{value}", value, value), (f"{value}:{tolerance}", value - tolerance, value + tolerance),
             (f"{value}..{value + tolerance}", value, value + tolerance)]
        )
    )  # fmt: skip
    return GiftAnswer(text, weight, draw(maybe), low=float(low), high=float(high))


@st.composite
def gift_questions(draw):
    kind = draw(st.sampled_from(["single", "multiple", "true_false", "short", "numeric", "matching"]))
    gap = draw(st.booleans())
    text = draw(texts.filter(lambda t: GAP not in t))
    if gap:
        before = draw(st.just("") | texts.filter(lambda t: GAP not in t))
        text = f"{before} {GAP} {text}"
    question = GiftQuestion(
        line=0,
        name=draw(maybe),
        category=draw(st.sampled_from(["", "a", "강의/1절"])),
        format=draw(st.sampled_from(FORMATS)),
        kind=kind,
        text=text.strip(),
        gap=gap,
        general_feedback=draw(maybe),
    )
    if kind == "true_false":
        question.truth = draw(st.booleans())
        question.feedback_true, question.feedback_false = draw(maybe), draw(maybe)
    elif kind == "single":
        wrong = draw(st.lists(st.sampled_from([0.0, 0.0, 25.0, 50.0, -100.0]), min_size=1, max_size=3))
        weights = draw(st.permutations([100.0, *wrong]))
        question.answers = [GiftAnswer(draw(texts), weight, draw(maybe)) for weight in weights]
    elif kind == "multiple":
        right = draw(st.integers(2, 3))
        wrong = draw(st.lists(st.sampled_from([0.0, -50.0, -100.0]), max_size=2))
        weights = [100 / right] * right + wrong
        question.answers = [GiftAnswer(draw(texts), weight, draw(maybe)) for weight in weights]
    elif kind == "short":
        weights = [100.0, *draw(st.lists(st.sampled_from([100.0, 50.0, 0.0]), max_size=2))]
        question.answers = [GiftAnswer(draw(texts), weight, draw(maybe)) for weight in weights]
    elif kind == "numeric":
        weights = [100.0, *draw(st.lists(st.sampled_from([50.0, 10.0]), max_size=2))]
        question.answers = [draw(numeric_answers(weight)) for weight in weights]
    else:
        lefts = draw(st.lists(texts, min_size=2, max_size=3)) + draw(st.sampled_from([[], [""]]))
        question.answers = [GiftAnswer(left, match=draw(any_text), feedback=draw(maybe)) for left in lefts]
    return question


@settings(max_examples=300, deadline=None)
@given(st.lists(gift_questions(), min_size=1, max_size=4))
def test_generated_questions_survive_a_round_trip(generated):
    questions, skipped = parse(write(generated))
    assert skipped == []
    assert without_lines(questions) == generated
