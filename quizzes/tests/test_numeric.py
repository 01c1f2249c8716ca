"""Numeric questions: a value with a tolerance or a range; typed answers read as numbers."""

import pytest
from django.urls import reverse

from core.files import ContentError
from quizzes.loader import load_quiz_file
from quizzes.models import Answer, Question, numeric_range, parse_number
from quizzes.tests.builders import add_question, make_check
from quizzes.tests.test_admin import question_form

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize(
    "line, bounds",
    [("3", (3, 3)), ("99.7±0.05", (99.65, 99.75)), ("3.141..3.142", (3.141, 3.142)), ("3.142 .. 3.141", (3.141, 3.142)),
     ("-2+-0.5", (-2.5, -1.5)), ("약 3", None), ("3±", None), ("", None)],
)  # fmt: skip
def test_accepted_lines_read_as_ranges(line, bounds):
    found = numeric_range(line)
    assert found == pytest.approx(bounds) if bounds else found is None


@pytest.mark.parametrize(
    "typed, value",
    [("99.7", 99.7), (" 99.70 % ", 99.7), ("９９.７", 99.7), ("1,000", 1000), ("약 99.7", None), ("", None)],
)
def test_typed_answers_read_as_numbers(typed, value):
    assert parse_number(typed) == value


@pytest.fixture
def numeric():
    quiz = make_check(slug="numbers")
    return add_question(quiz, "numeric", "availability", 5, accepted="99.7±0.05")


@pytest.mark.parametrize("typed, right", [("99.7", True), ("99.74%", True), ("99.8", False), ("99.6", False)])
def test_a_number_inside_the_tolerance_is_right(numeric, typed, right):
    assert numeric.grade(text=typed) is right


def test_the_page_asks_for_a_number_and_refuses_anything_else_without_storing_it(client, numeric):
    url = reverse("quizzes:answer", args=[numeric.quiz.slug, numeric.pk])
    page = client.get(numeric.quiz.section.get_absolute_url()).content.decode()
    assert 'inputmode="decimal"' in page and "허용 오차 안의 값이면 정답입니다" in page and "99.7±0.05" not in page
    html = client.post(url, {"text": "약 99.7"}, headers=HTMX).content.decode()
    assert "숫자로 답해 주세요" in html and not Answer.objects.exists()
    html = client.post(url, {"text": "99.7"}, headers=HTMX).content.decode()
    assert "정답입니다" in html and "정답 (허용 오차·범위): 99.7±0.05" in html


def test_the_admin_refuses_a_numeric_question_it_could_not_grade(client, editor, numeric):
    url = reverse("admin:quizzes_question_change", args=[numeric.pk])
    response = client.post(url, question_form(numeric, [], accepted_answers="약 99.7"))
    assert "수치 문제의 정답은 값(3), 허용 오차(99.7±0.05) 또는 범위(3.141..3.142)로" in response.content.decode()
    assert Question.objects.get(pk=numeric.pk).accepted_answers == "99.7±0.05"


@pytest.mark.parametrize("accepted", ['["약 3"]', "[]"])
def test_the_loader_refuses_an_unreadable_numeric_answer(shipped_course, tmp_path, accepted):
    bank = tmp_path / "bank.toml"
    bank.write_text(
        'lecture = 1\n[[quiz]]\nslug = "1강-복습"\nkind = "review"\ntitle = "t"\n[[quiz.question]]\nkey = "n"\n'
        f'kind = "numeric"\nprompt = "p"\naccepted = {accepted}\n',
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match=r"\[\[quiz.question\]\] #1 \(n\): 수치 문제의 정답은"):
        load_quiz_file(bank, shipped_course)


def test_the_shipped_bank_has_numeric_questions_that_grade_right(shipped_course):
    from django.conf import settings

    load_quiz_file(settings.CONTENT_DIR / "cloud-native-patterns" / "quizzes" / "lecture-01.toml", shipped_course)
    numeric = {q.key: q for q in Question.objects.filter(kind="numeric")}
    assert set(numeric) == {"msa-availability-in-series", "k8s-replicaset-replacement"}
    assert numeric["msa-availability-in-series"].grade(text="99.7") and not numeric["msa-availability-in-series"].grade(
        text="99.9"
    )
    assert numeric["k8s-replicaset-replacement"].grade(text="1") and not numeric["k8s-replicaset-replacement"].grade(
        text="3"
    )
