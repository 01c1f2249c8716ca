"""A kind is one module and one template: a ninth kind, registered only here, is answered, reviewed,
refused by GIFT as it declares, and analysed, with nothing else changed."""

import pytest
from django.urls import reverse

from conftest import client_for_learner
from learners.models import ReviewAnswer, ReviewCard
from quizzes.gift_bank import export_gift, import_gift
from quizzes.kinds import KINDS, AnswerError, kind_of, register
from quizzes.kinds.base import TypedKind, normalise_answer
from quizzes.models import Answer, Attempt, Question
from quizzes.services import attempt_finish
from quizzes.stats import analyse
from quizzes.tests.builders import add_question, make_check

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
WORDS = {"예", "아니오"}


class YesNo(TypedKind):
    """Answered by typing 예 or 아니오; anything else is refused unrecorded."""

    name = "yes_no"
    label = "예/아니오"
    position = 90
    no_choices = "예/아니오 문제에는 선택지를 두지 않습니다."
    rule = "예/아니오 문제는 정답이 예 또는 아니오입니다."

    def check_value(self, question, text):
        if normalise_answer(text) not in WORDS:
            raise AnswerError("예 또는 아니오로 답해 주세요.")

    def readable(self, question):
        return bool(question.accepted_list) and {normalise_answer(a) for a in question.accepted_list} <= WORDS


TEMPLATE = (
    '{% extends "quizzes/kinds/_typed.html" %}'
    '{% block help %}<p class="field__help" id="answer-{{ q.pk }}-rule">예 또는 아니오</p>{% endblock %}'
)


@pytest.fixture
def yes_no(settings, tmp_path):
    """The kind registered, and its template in a template directory of its own, for this test only."""
    (tmp_path / "quizzes" / "kinds").mkdir(parents=True)
    (tmp_path / "quizzes" / "kinds" / "_yes_no.html").write_text(TEMPLATE, encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    register(YesNo)
    yield kind_of("yes_no")
    KINDS.pop("yes_no")


@pytest.fixture
def quiz(yes_no):
    quiz = make_check(slug="yes-no")
    add_question(quiz, "yes_no", "yes-no", 5, accepted="예")
    quiz.questions.update(section=quiz.section)
    return quiz


def question(quiz):
    return quiz.questions.prefetch_related("choices").get(key="yes-no")


def test_a_registered_kind_is_listed_after_the_others_and_checks_its_definition(yes_no):
    assert list(KINDS)[-1] == "yes_no" and list(KINDS)[:2] == ["single", "multiple"]
    probe = Question(kind="yes_no", prompt="?", accepted_answers="어쩌면")
    assert probe.choice_problems([]) == ["예/아니오 문제는 정답이 예 또는 아니오입니다."]
    assert probe.choice_problems([(True, "예")]) == ["예/아니오 문제에는 선택지를 두지 않습니다."]
    assert Question(kind="yes_no", prompt="?", accepted_answers="예").choice_problems([]) == []


def test_the_page_shows_the_kinds_form_and_its_answer_is_graded_and_recorded(quiz):
    client = client_for_learner("yes-no-learner")
    asked = question(quiz)
    page = client.get(quiz.section.get_absolute_url()).content.decode()
    assert "예/아니오" in page and f'id="answer-{asked.pk}-rule">예 또는 아니오</p>' in page
    url = reverse("quizzes:answer", args=[quiz.slug, asked.pk])
    refused = client.post(url, {"text": "몰라"}, headers=HTMX).content.decode()
    assert "예 또는 아니오로 답해 주세요." in refused and not Answer.objects.exists()
    answered = client.post(url, asked.example_post(), headers=HTMX).content.decode()
    assert "정답입니다!" in answered and '정답: <strong lang="ko">예</strong>' in answered
    answer = Answer.objects.get()
    assert answer.is_correct and answer.credit == 1 and answer.text == "예" and answer.shown["kind"] == "yes_no"


def test_the_review_card_answers_the_kind_too(quiz):
    client = client_for_learner("yes-no-reviewer")
    asked = question(quiz)
    client.post(reverse("quizzes:answer", args=[quiz.slug, asked.pk]), {"text": "아니오"}, headers=HTMX)
    card = ReviewCard.objects.get(question=asked)
    url = reverse("learners:review-answer", args=[card.pk])
    html = client.post(url, {"text": "예", "version": card.reviews}, headers=HTMX).content.decode()
    assert "정답입니다!" in html
    review = ReviewAnswer.objects.get()
    assert review.is_correct and review.text == "예"


def test_gift_refuses_the_kind_as_it_declares_and_imports_the_rest(quiz):
    asked = question(quiz)
    text, left_out = export_gift([asked, quiz.questions.get(key="single")])
    assert [(q.pk, why) for q, why in left_out] == [(asked.pk, "GIFT에는 이런 문제(예/아니오)를 적을 방법이 없습니다.")]
    assert "::single::" in text and "::yes-no::" not in text
    # What was written reads back into the quiz, the ninth kind's question untouched.
    report = import_gift(text, course=quiz.lecture.course, lecture_number=quiz.lecture.number, quiz_slug=quiz.slug)
    assert report.skipped == [] and question(quiz).kind == "yes_no" and quiz.questions.count() == 5


def test_the_item_analysis_counts_the_answers_given(quiz):
    asked = question(quiz)
    for learner, given in (("a", "예"), ("b", "아니오"), ("c", "예")):
        client = client_for_learner(f"yes-no-{learner}")
        client.post(reverse("quizzes:answer", args=[quiz.slug, asked.pk]), {"text": given}, headers=HTMX)
    for attempt in Attempt.objects.all():
        attempt_finish(attempt=attempt)
    item = next(item for item in analyse(quiz).items if item.question.pk == asked.pk)
    assert item.right == 2 and item.facility == pytest.approx(2 / 3)
    assert item.frequencies == [("예", 2, True), ("아니오", 1, False)]


def test_a_kind_adds_its_note_to_the_gift_import_report():
    quiz = make_check(slug="gift-note")
    text = "::둘::쿠버네티스 객체는? {\n~%50%파드\n~%50%서비스\n~%-100%VM 이미지\n}\n"
    report = import_gift(text, course=quiz.lecture.course, lecture_number=quiz.lecture.number, quiz_slug=quiz.slug)
    assert quiz.questions.get(key="둘").kind == "multiple"
    assert "1행: 모두 고르기는 정답 선택지를 모두 골라야 정답으로 채점합니다 (부분 점수 없음)." in report.lines
