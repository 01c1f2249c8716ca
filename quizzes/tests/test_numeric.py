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
    [("99.7", 99.7), (" 99.70 % ", 99.7), ("９９.７", 99.7), ("1,000", 1000), ("약 99.7", None), ("", None),
     ("1개", 1), ("3 pods", 3), ("99.7 %", 99.7), ("250ms", 250), ("3 또는 4", None), ("99.7%%", None), ("1.2.3", None)],
)  # fmt: skip
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
    assert "정답입니다" in html and '정답 (허용 오차·범위): <strong lang="ko">99.7±0.05</strong>' in html


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
    # the availability question names its unit; the other takes a bare count or one with a counter
    assert numeric["msa-availability-in-series"].unit == "%" and numeric["k8s-replicaset-replacement"].grade(text="1개")


@pytest.fixture
def percent():
    quiz = make_check(slug="percent")
    return add_question(quiz, "numeric", "availability", 5, accepted="99.7±0.05\n%50% 99.5..99.9")


def test_a_question_with_a_unit_shows_it_takes_it_typed_and_refuses_another_without_storing(client, percent):
    percent.unit = "%"
    percent.save()
    url = reverse("quizzes:answer", args=[percent.quiz.slug, percent.pk])
    page = client.get(percent.quiz.section.get_absolute_url()).content.decode()
    assert '<span class="short-answer__unit" aria-hidden="true">%</span>' in page
    assert "단위는 %이며 붙여 적어도 됩니다" in page  # said in the input's description, for a screen reader too
    html = client.post(url, {"text": "99.7 ms"}, headers=HTMX).content.decode()
    assert "이 문제의 단위는 %입니다. 숫자만 적거나 %를 붙여 적어 주세요 (예: 12 %)." in html
    assert not Answer.objects.exists()
    html = client.post(url, {"text": "99.7 %"}, headers=HTMX).content.decode()
    assert (
        "정답입니다" in html
        and '정답 (허용 오차·범위): <strong lang="ko">99.7±0.05, 99.5..99.9 (50%) %</strong>' in html
    )
    assert Answer.objects.get().text == "99.7 %" and Answer.objects.get().credit == 1


def test_the_not_a_number_message_gives_each_question_an_example_that_is_never_its_answer(client, percent):
    url = reverse("quizzes:answer", args=[percent.quiz.slug, percent.pk])
    examples = {}
    for accepted in ("99.7±0.05", "12", "12..250", "3.5"):
        percent.accepted_answers = accepted
        percent.save()
        html = client.post(url, {"text": "모름"}, headers=HTMX).content.decode()
        example = examples[accepted] = html.split("숫자로 답해 주세요 (예: ")[1].split(").")[0]
        assert not percent.grade(text=example), (accepted, example)
    assert examples == {"99.7±0.05": "12", "12": "3.5", "12..250": "3.5", "3.5": "12"}
    assert not Answer.objects.exists()


def test_a_unit_added_to_a_loaded_question_is_loaded_not_kept_as_an_admin_edit(shipped_course, tmp_path):
    bank = tmp_path / "bank.toml"
    entry = 'lecture = 1\n[[quiz]]\nslug = "1강-복습"\nkind = "review"\ntitle = "t"\n[[quiz.question]]\nkey = "n"\n'
    entry += 'kind = "numeric"\nprompt = "p"\naccepted = ["99.7±0.05"]\n'
    bank.write_text(entry, encoding="utf-8")
    load_quiz_file(bank, shipped_course)
    bank.write_text(entry + 'unit = "%"\n', encoding="utf-8")
    report = load_quiz_file(bank, shipped_course)
    assert Question.objects.get(key="n").unit == "%" and report.changed == 1 and not report.kept
    bank.write_text(entry + 'unit = "' + "가" * 21 + '"\n', encoding="utf-8")
    with pytest.raises(ContentError, match="단위는 20자까지"):
        load_quiz_file(bank, shipped_course)


def test_the_attempt_page_keeps_the_unit_the_learner_saw_after_the_question_changes_it(client, percent):
    percent.unit = "%"
    percent.save()
    client.post(reverse("quizzes:answer", args=[percent.quiz.slug, percent.pk]), {"text": "99.7"}, headers=HTMX)
    percent.unit = "‰"
    percent.accepted_answers = "997±0.5"
    percent.save()
    attempt_page = client.get(Answer.objects.get().attempt.get_absolute_url()).content.decode()
    assert "99.7±0.05, 99.5..99.9 (50%) %</strong>" in attempt_page and "‰" not in attempt_page
