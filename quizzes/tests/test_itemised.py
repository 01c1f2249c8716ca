"""Ordering, matching and cloze questions: partial credit per item, per-item feedback, nothing revealed."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from core.files import ContentError
from quizzes.loader import load_quiz_file
from quizzes.models import Answer, Attempt, Question
from quizzes.tests.builders import PAIRS, STAGES, add_itemised, make_check
from quizzes.tests.test_admin import question_form

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def quiz():
    quiz = make_check(slug="items", pass_mark=50)
    add_itemised(quiz)
    return quiz


def q(quiz, key):
    return quiz.questions.prefetch_related("choices").get(key=key)


def by_text(question, *texts):
    choices = {c.text: c for c in question.choices.all()}
    return [choices[text] for text in texts]


def pair(question, text):
    return next(c for c in question.choices.all() if c.match == text).pair_token


def text(html):
    """The page's text, without tags (content sits in lang="ko" spans)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def post(client, question, data, htmx=True):
    url = reverse("quizzes:answer", args=[question.quiz.slug, question.pk])
    return client.post(url, data, headers=HTMX if htmx else {})


# Grading --------------------------------------------------------------------


def test_ordering_earns_a_share_for_each_item_in_the_longest_ordered_run(quiz):
    ordering = q(quiz, "ordering")
    assert ordering.mark(choices=by_text(ordering, *STAGES)).credit == 1
    swapped = ordering.mark(choices=by_text(ordering, "SOA", "모놀리식", "ESB", "MSA"))
    assert swapped.credit == 0.75 and not swapped.is_correct  # SOA, ESB, MSA are still in order
    assert [(i["label"], i["given"], i["expected"], i["right"]) for i in swapped.items] == [
        ("", "SOA", "모놀리식", True),
        ("", "모놀리식", "SOA", False),
        ("", "ESB", "ESB", True),
        ("", "MSA", "MSA", True),
    ]
    # The last item moved to the front: the others keep their order, so 3 of 4, not 0 of 4 by position.
    assert ordering.mark(choices=by_text(ordering, "MSA", "모놀리식", "SOA", "ESB")).credit == 0.75
    # Reversed: no two items in order; a lone item is in order with nothing.
    assert ordering.mark(choices=by_text(ordering, *reversed(STAGES))).credit == 0


def test_the_ordering_rule_is_stated_on_the_page(client, quiz):
    html = text(client.get(quiz.section.get_absolute_url()).content.decode())
    assert "부분 점수는 자리가 아니라 차례로 셉니다" in html and "항목마다 1/4점씩" in html


def test_matching_earns_a_share_for_each_term_paired_right_and_a_distractor_earns_nothing(quiz):
    matching = q(quiz, "matching")
    terms = by_text(matching, "SOA", "ESB", "MSA")
    right = [pair(matching, match) for _term, match in PAIRS]
    assert matching.mark(choices=terms, parts=right).credit == 1
    mark = matching.mark(choices=terms, parts=[right[0], right[1], pair(matching, "모든 기능을 한 배포 단위로")])
    assert mark.credit == pytest.approx(2 / 3)
    assert mark.items[2] == {
        "label": "MSA",
        "given": "모든 기능을 한 배포 단위로",
        "expected": "서비스마다 독립 배포",
        "right": False,
    }


@pytest.mark.parametrize(
    "typed, credit",
    [(["Ｋubernetes ", "POD"], 1), (["k8s", "컨테이너"], 0.5), (["도커", "노드"], 0)],
)
def test_cloze_blanks_are_normalised_like_short_answers_and_each_earns_a_share(quiz, typed, credit):
    assert q(quiz, "cloze").mark(parts=typed).credit == credit


# Validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, prompt, accepted, choices, problem",
    [
        ("ordering", "p", "", [(False, "하나")], "두 개 이상"),
        ("ordering", "p", "", [(False, "a"), (False, "a")], "같은 항목이 두 번"),
        ("ordering", "p", "", [(False, "a"), (False, "")], "두 개 이상"),
        ("matching", "p", "", [(False, "a", "1"), (False, "b", "")], "항목마다 짝을"),
        ("matching", "p", "", [(False, "a", "1"), (False, "b", "1")], "같은 짝이 두 번"),
        ("matching", "p", "", [(False, "a", "1"), (False, "", "2")], "두 쌍 이상"),
        ("matching", "p", "x", [(False, "a", "1"), (False, "b", "2")], "비워 둡니다"),
        ("cloze", "{1}와 {3}", "a\nb", [], "빈칸 2개, 답 2줄"),
        ("cloze", "{1}와 {2}", "a", [], "빈칸 2개, 답 1줄"),
        ("cloze", "{2}와 {1}", "a\nb", [], "차례로"),
        ("cloze", "빈칸 없음", "a", [], "빈칸 0개"),
        ("cloze", "{1}", "a", [(True, "a")], "선택지를 두지 않습니다"),
        ("cloze", "{1}", " | ", [], "빈칸 1개, 답 1줄"),
    ],
)
def test_questions_that_could_not_be_graded_are_refused(kind, prompt, accepted, choices, problem):
    problems = Question(kind=kind, prompt=prompt, accepted_answers=accepted).choice_problems(choices)
    assert problems and problem in problems[0]


@pytest.mark.parametrize(
    "kind, prompt, accepted, choices",
    [
        ("ordering", "p", "", [(False, "a"), (False, "b")]),
        ("matching", "p", "", [(False, "a", "1"), (False, "b", "2"), (False, "", "3")]),
        ("cloze", "{1} 그리고 {2}", "a | b\nc", []),
    ],
)
def test_gradable_questions_of_each_kind_pass(kind, prompt, accepted, choices):
    assert Question(kind=kind, prompt=prompt, accepted_answers=accepted).choice_problems(choices) == []


def test_the_admin_refuses_a_cloze_whose_blanks_do_not_match_its_answers(client, editor, quiz):
    cloze = q(quiz, "cloze")
    url = reverse("admin:quizzes_question_change", args=[cloze.pk])
    response = client.post(url, question_form(cloze, [], prompt="{1} 하나뿐"))
    assert "빈칸 1개, 답 2줄" in response.content.decode()
    assert Question.objects.get(pk=cloze.pk).prompt == cloze.prompt


def test_the_admin_saves_a_matching_question_with_a_distractor_and_refuses_a_term_without_pair(client, editor, quiz):
    matching = q(quiz, "matching")
    url = reverse("admin:quizzes_question_change", args=[matching.pk])
    rows = [{"id": c.pk, "order": c.order, "text": c.text, "match": c.match} for c in matching.choices.all()]
    rows[0]["match"] = ""
    response = client.post(url, question_form(matching, rows))
    assert "짝 짓기 문제의 항목마다 짝을 적어야 합니다" in response.content.decode()
    rows[0]["match"] = "새 설명"
    assert client.post(url, question_form(matching, rows)).status_code == 302
    assert matching.choices.get(text="SOA").match == "새 설명" and matching.choices.filter(text="").count() == 1


BANK = """lecture = 1
[[quiz]]
slug = "1강-복습"
kind = "review"
title = "t"
[[quiz.question]]
key = "k"
prompt = "{1}은 {2}이다"
"""


@pytest.mark.parametrize(
    "question, error",
    [
        ('kind = "cloze"\nblanks = [["a"], "b"]', "blanks는 빈칸마다 인정할 답의 목록이어야"),
        ('kind = "cloze"\nblanks = [["a|b"], ["c"]]', "빈칸의 답에는 | 를 쓸 수 없습니다"),
        ('kind = "cloze"\nblanks = [["a"]]', "빈칸 2개, 답 1줄"),
        ('kind = "matching"\n[[quiz.question.choice]]\ntext = "a"\n[[quiz.question.choice]]\ntext = "b"', "짝을"),
        ('kind = "ordering"\n[[quiz.question.choice]]\ntext = "a"', "두 개 이상"),
    ],
)
def test_the_loader_names_the_question_it_cannot_grade(shipped_course, tmp_path, question, error):
    bank = tmp_path / "bank.toml"
    bank.write_text(BANK + question + "\n", encoding="utf-8")
    with pytest.raises(ContentError, match=re.escape("[[quiz.question]] #1 (k)") + ".*" + re.escape(error)):
        load_quiz_file(bank, shipped_course)


def test_the_shipped_bank_has_two_questions_of_each_new_kind_that_grade_right(shipped_course):
    load_quiz_file(settings.CONTENT_DIR / "cloud-native-patterns" / "quizzes" / "lecture-01.toml", shipped_course)
    for kind in Question.ITEMISED:
        questions = list(Question.objects.filter(kind=kind).prefetch_related("choices"))
        assert len(questions) >= 2, kind
        for question in questions:
            right = question.example_post()
            given = {"choices": [], "parts": right.get("part", [])}
            tokens = {c.token: c for c in question.choices.all()}
            given["choices"] = [tokens[t] for t in right.get("choice", [])]
            assert question.mark(**given).credit == 1, question.key
            parts = ["틀린 답"] * len(given["parts"]) if kind == "cloze" else given["parts"][::-1]
            wrong = {"choices": given["choices"][:: -1 if kind == "ordering" else 1], "parts": parts}
            assert question.mark(**wrong).credit < 1, question.key


# What the page shows ----------------------------------------------------------


def test_the_page_reveals_no_answer_before_answering(client, quiz):
    page = client.get(quiz.section.get_absolute_url()).content.decode()
    ordering, matching = q(quiz, "ordering"), q(quiz, "matching")
    ordering_block = page[page.index(f'id="question-{ordering.pk}"') : page.index(f'id="question-{matching.pk}"')]
    shown = re.findall(r'<option value="([^"]+)" selected', ordering_block)
    assert sorted(shown) == sorted(c.token for c in ordering.choices.all())
    assert shown != [c.token for c in ordering.choices.all()]  # never shown already in order
    terms = {c.token for c in matching.choices.all()}
    options = set(re.findall(r'<option value="([^"]+)"', page[page.index(f'id="question-{matching.pk}"') :]))
    assert not terms & options  # a term's token says nothing about which description is its pair
    assert "Kubernetes" not in page and "k8s" not in page and "{1}" not in page
    assert "바른 차례로 놓인 가장 긴 항목 묶음에 든 항목마다 1/4점씩 받습니다." in page
    assert "부분 점수: 2개 중 맞힌 개수만큼, 하나에 1/2점씩 받습니다." in page


def test_items_are_shuffled_with_the_attempts_secret_seed(quiz):
    ordering = q(quiz, "ordering")
    first = Attempt(quiz=quiz, shuffle_seed="seed-a")
    again = Attempt(quiz=quiz, shuffle_seed="seed-a")
    orders = {tuple(c.text for c in Attempt(quiz=quiz, shuffle_seed=f"seed-{n}").arrange(ordering, ordering.choices.all())[0]) for n in range(12)}  # fmt: skip
    assert first.arrange(ordering, ordering.choices.all()) == again.arrange(ordering, ordering.choices.all())
    assert len(orders) > 3 and tuple(STAGES) not in orders
    matching = q(quiz, "matching")
    terms, pairs = first.arrange(matching, matching.choices.all())
    assert {c.text for c in terms} == {"SOA", "ESB", "MSA"} and len(pairs) == 4


def test_a_partly_right_answer_shows_each_items_feedback_and_scores_its_share(client, quiz):
    ordering = q(quiz, "ordering")
    tokens = [c.token for c in by_text(ordering, "ESB", "SOA", "모놀리식", "MSA")]
    html = post(client, ordering, {"choice": tokens}).content.decode()
    assert "부분 정답입니다: 4개 중 2개를 맞혔습니다." in html and "is-partial" in html
    # SOA and MSA are in order (SOA in its very place); the right order is shown once, not per place.
    assert "1번째 틀림 ESB 2번째 맞음 SOA 3번째 틀림 모놀리식 4번째 맞음 MSA" in text(html)
    assert "바른 차례: 모놀리식 → SOA → ESB → MSA" in text(html) and "정답: " not in text(html)
    assert 'class="quiz-score__value">0.5 / 7점' in html
    assert 'class="question__points">0.5 / 1점' in html  # what this question earned, in points
    assert not re.search(r"\d+점 —", html)  # a percentage is never called points
    answer = Answer.objects.get()
    assert answer.credit == 0.5 and not answer.is_correct and answer.given[0]["given"] == "ESB"


def test_wrong_input_gets_a_clear_message_keeps_what_was_sent_and_records_nothing(client, quiz):
    ordering, matching, cloze = q(quiz, "ordering"), q(quiz, "matching"), q(quiz, "cloze")
    twice = [c.token for c in by_text(ordering, "SOA", "SOA", "ESB", "MSA")]
    html = post(client, ordering, {"choice": twice}).content.decode()
    assert "같은 항목을 두 자리에 골랐습니다" in html
    assert re.findall(r'<option value="([^"]+)" selected', html) == twice
    terms = [c.token for c in by_text(matching, "SOA", "ESB", "MSA")]
    html = post(
        client, matching, {"choice": terms, "part": [pair(matching, "중앙 통합 계층"), "", ""]}
    ).content.decode()
    assert "항목마다 짝을 골라 주세요" in html
    assert f'<option value="{pair(matching, "중앙 통합 계층")}" selected' in html
    html = post(client, matching, {"choice": terms, "part": ["위조", "위조", "위조"]}).content.decode()
    assert "이 문제의 보기가 아닌 값이 왔습니다" in html
    html = post(client, cloze, {"part": ["쿠버네티스", ""]}).content.decode()
    assert "빈칸을 모두 채워 주세요" in html and 'value="쿠버네티스"' in html
    assert "빈칸의 수가 맞지 않습니다" in post(client, cloze, {"part": ["a"]}).content.decode()
    assert not Answer.objects.exists()


def test_without_javascript_the_form_posts_and_the_page_shows_the_feedback(client, quiz):
    cloze = q(quiz, "cloze")
    response = post(client, cloze, {"part": ["k8s", "노드"]}, htmx=False)
    assert response.status_code == 302 and response.url.endswith(f"#question-{cloze.pk}")
    page = client.get(response.url).content.decode()
    assert "부분 정답입니다: 2개 중 1개를 맞혔습니다." in page
    assert "정답: 파드" in text(page) and "노드" in page


def test_a_double_submit_records_one_answer(client, quiz):
    ordering = q(quiz, "ordering")
    data = ordering.example_post()
    post(client, ordering, data)
    html = post(client, ordering, {"choice": list(reversed(data["choice"]))}).content.decode()
    assert Answer.objects.get().credit == 1 and "정답입니다" in html


def test_partial_credit_counts_toward_passing_and_the_result_shows_the_points(client, quiz):
    for question in quiz.questions.prefetch_related("choices"):
        data = question.example_post() if question.kind != "cloze" else {"part": ["k8s", "노드"]}
        post(client, question, data)
    attempt = Attempt.objects.scored().get()
    assert attempt.is_finished and attempt.score.points == "6.5" and attempt.score.passed
    page = client.get(attempt.get_absolute_url()).content.decode()
    assert "6.5 / 7점" in text(page) and "정답: 파드" in text(page)


def test_an_unanswered_question_in_a_finished_attempt_shows_the_solution(client, quiz):
    post(client, q(quiz, "single"), q(quiz, "single").example_post())
    client.post(reverse("quizzes:finish", args=[quiz.slug]))
    page = client.get(Attempt.objects.get().get_absolute_url()).content.decode()
    assert "정답: 쿠버네티스 / Kubernetes / k8s" in text(page) and "정답: 서비스마다 독립 배포" in text(page)


def test_cloze_blanks_are_typed_inside_the_sentence_and_the_answer_fills_it_in(client, quiz):
    cloze = q(quiz, "cloze")
    page = client.get(quiz.section.get_absolute_url()).content.decode()
    prompt = (
        page[page.index(f'id="question-{cloze.pk}-prompt"') :].split('class="cloze-prompt"', 1)[1].split("</div>")[0]
    )
    # Each blank is a text box of the question's form, inside the sentence, named for assistive technology,
    # and the particle after it ("이고,") stays on its line with it.
    inputs = re.findall(r"<input [^>]*>", prompt)
    assert len(inputs) == 2 and all(f'form="question-{cloze.pk}-form"' in i and 'name="part"' in i for i in inputs)
    assert 'aria-label="빈칸 1"' in inputs[0] and 'aria-label="빈칸 2"' in inputs[1]
    assert re.search(r'<span class="cloze-blank"><input [^>]*>이고,</span>', prompt)
    assert "표준은 " in prompt.split("<input", 1)[0] and f'id="question-{cloze.pk}-form"' in page

    html = post(client, cloze, {"part": ["k8s", "컨테이너"]}).content.decode()
    sentence = text(html.split('class="cloze-prompt"', 1)[1].split("</div>", 1)[0])
    assert "표준은 ✓ k8s (빈칸 1: 맞음)이고, 배포 단위는 ✗ 컨테이너 (빈칸 2: 틀림)이다." in sentence
    assert "<input" not in html.split('class="cloze-prompt"', 1)[1].split("</div>", 1)[0]


def test_a_cloze_sent_with_an_empty_blank_keeps_what_was_typed_in_the_sentence(client, quiz):
    cloze = q(quiz, "cloze")
    html = post(client, cloze, {"part": ["쿠버네티스", ""]}).content.decode()
    assert "빈칸을 모두 채워 주세요" in html and not Answer.objects.exists()
    inputs = re.findall(r"<input [^>]*>", html.split('class="cloze-prompt"', 1)[1].split("</div>", 1)[0])
    assert 'value="쿠버네티스"' in inputs[0] and 'aria-invalid="true"' in inputs[1]
