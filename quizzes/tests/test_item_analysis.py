"""Item analysis on a hand-computed example: five learners' first finished attempts on four questions.

    learner  single multiple tf short | score   (1 = right)
    A          1      1      1    0   |   3
    B          1      1      0    0   |   2
    C          1      0      0    0   |   1
    D          0      0      1    0   |   1
    E          0      0      0    0   |   0

Scores 3,2,1,1,0: mean 1.4, median 1, population variance 5.2/5 = 1.04.
Facility: single 3/5, multiple 2/5, tf 2/5, short 0.
Discrimination, the correlation of an item with the score without it (rest):
  single: x = 1,1,1,0,0, rest = 2,1,0,1,0: cov .12, var x .24, var rest .56 → .12/√(.24·.56) = .3273
  multiple: x = 1,1,0,0,0, rest = 2,1,1,1,0: cov .2, var .24, .4 → .2/√.096 = .6455
  tf: x = 1,0,0,1,0, rest = 2,2,1,0,0: cov 0 → 0
  short: nobody right, no variance → none
Cronbach's alpha: 4/3 · (1 − (.24 + .24 + .24 + 0)/1.04) = .4103
A's second attempt and F's unfinished first attempt do not count.
"""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes.models import Attempt, QuestionVersion
from quizzes.stats import analyse
from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db
TABLE = {"A": (1, 1, 1, 0), "B": (1, 1, 0, 0), "C": (1, 0, 0, 0), "D": (0, 0, 1, 0), "E": (0, 0, 0, 0)}


def answer(attempt, question, right):
    choices = [c for c in question.choices.all() if c.is_correct == bool(right)][:1]
    given = attempt.answers.create(
        question=question,
        is_correct=bool(right),
        credit=float(bool(right)),
        text="" if choices else "오답",
        version=QuestionVersion.of(question),
    )
    given.choices.set(choices)


@pytest.fixture
def quiz():
    quiz = make_check(slug="analysed")
    questions = list(quiz.questions.order_by("order"))
    now = timezone.now()
    for learner, row in TABLE.items():
        attempt = Attempt.objects.create(quiz=quiz, number=1, pass_mark=50, session_key=learner, finished_at=now)
        for question, right in zip(questions, row, strict=True):
            answer(attempt, question, right)
    later = Attempt.objects.create(quiz=quiz, number=2, pass_mark=50, session_key="A", finished_at=now)
    open_first = Attempt.objects.create(quiz=quiz, number=1, pass_mark=50, session_key="F")
    for question in questions:
        answer(later, question, False)
        answer(open_first, question, True)
    return quiz


def test_the_analysis_matches_the_hand_computed_example(quiz, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        analysis = analyse(quiz)
    assert analysis.attempts == 5 and analysis.distribution == [1, 0, 2, 0, 1, 0, 1, 0, 0]  # half-point bins
    assert analysis.mean == pytest.approx(1.4) and analysis.median == 1
    assert analysis.alpha == pytest.approx(0.4103, abs=1e-4)
    items = {item.question.key: item for item in analysis.items}
    assert [items[k].facility for k in ("single", "multiple", "tf", "short")] == [0.6, 0.4, 0.4, 0.0]
    assert items["single"].discrimination == pytest.approx(0.3273, abs=1e-4)
    assert items["multiple"].discrimination == pytest.approx(0.6455, abs=1e-4)
    assert items["tf"].discrimination == pytest.approx(0.0, abs=1e-9)
    assert items["short"].discrimination is None
    assert items["short"].flags == ["너무 어려움"] and items["single"].flags == []
    assert items["single"].frequencies == [("kubelet", 3, True), ("etcd", 2, False)]
    assert items["short"].frequencies == [("오답", 5, False)]


def test_a_score_of_half_a_point_has_a_bar_of_its_own(client, editor):
    quiz = make_check(slug="halves")
    first, second, *_rest = quiz.questions.order_by("order")
    now = timezone.now()
    for learner, credits in {"a": (0.5, 0), "b": (0.5, 0.25), "c": (1, 0.5), "d": (0, 0)}.items():
        attempt = Attempt.objects.create(quiz=quiz, number=1, pass_mark=50, session_key=learner, finished_at=now)
        for question, credit in zip((first, second), credits, strict=True):
            version = QuestionVersion.of(question)
            attempt.answers.create(question=question, credit=credit, is_correct=credit == 1, version=version)
    analysis = analyse(quiz)
    assert analysis.scores == [0, 0.5, 0.75, 1.5]
    assert analysis.bars()[:4] == [(0, 1), (0.5, 2), (1, 0), (1.5, 1)]  # 0.5 apart from 0; 0.75 counts at 0.5
    html = client.get(reverse("admin:quizzes_quiz_stats", args=[quiz.pk])).content.decode()
    assert "0점 1명, 0.5점 2명, 1점 0명, 1.5점 1명, 2점 0명" in html  # the chart's description
    assert '<th scope="col">0.5</th>' in html  # and its table


def test_a_small_sample_warns_that_alpha_and_discrimination_mean_little_yet(quiz, client, editor):
    url = reverse("admin:quizzes_quiz_stats", args=[quiz.pk])
    assert "첫 응시가 5건뿐입니다" in client.get(url).content.decode()
    single = quiz.questions.get(key="single")
    for n in range(25):  # 30 first attempts in all: enough
        attempt = Attempt.objects.create(
            quiz=quiz, number=1, pass_mark=50, session_key=f"more{n}", finished_at=timezone.now()
        )
        answer(attempt, single, n % 2)
    assert analyse(quiz).attempts == 30
    assert "표본이 작습니다" not in client.get(url).content.decode()


def test_negative_discrimination_and_too_easy_are_flagged():
    quiz = make_check(slug="flags")
    single, multiple, tf, short = quiz.questions.order_by("order")
    now = timezone.now()
    # the weakest learner alone gets "single" right; everyone gets "tf" right
    for n, row in enumerate([(0, 1, 1, 1), (0, 1, 1, 1), (0, 1, 1, 0), (1, 0, 1, 0)]):
        attempt = Attempt.objects.create(quiz=quiz, number=1, pass_mark=50, session_key=f"l{n}", finished_at=now)
        for question, right in zip((single, multiple, tf, short), row, strict=True):
            answer(attempt, question, right)
    items = {item.question.key: item for item in analyse(quiz).items}
    assert "변별도 음수" in items["single"].flags and items["single"].discrimination < 0
    assert items["tf"].flags == ["너무 쉬움"]


def test_the_statistics_page_and_its_csv_show_the_analysis(quiz, client, editor):
    url = reverse("admin:quizzes_quiz_stats", args=[quiz.pk])
    html = client.get(url).content.decode()
    for shown in (
        "첫 번째로 끝낸 응시 5건",
        "평균 1.4",
        "중앙값 1",
        "크론바흐 알파 0.41",
        "0.33",
        "0.65",
        "너무 어려움",
    ):
        assert shown in html, shown
    assert '<svg class="score-chart" role="img"' in html and "<title" in html and "<table" in html
    text = client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(text))
    assert header == ["question", "key", "right", "facility", "discrimination", "flags", "frequencies"]
    assert rows[0][1:5] == ["single", "3", "0.6", "0.327"]


def test_partly_right_answers_count_as_their_share_and_items_are_counted_per_position(client, editor):
    from learners.learner import Learner
    from quizzes.services import answer_submit
    from quizzes.tests.builders import STAGES, add_question, make_check

    quiz = make_check(slug="partial")
    ordering = add_question(quiz, "ordering", "ordering", 5, [(text, False, "") for text in STAGES])
    right = ordering.example_post()["choice"]
    for n, order in enumerate([right, [right[1], right[0], *right[2:]]]):
        answer_submit(quiz=quiz, question=ordering, owner=Learner(session_key=f"s{n}"), tokens=order)
        Attempt.objects.filter(session_key=f"s{n}").update(finished_at=timezone.now())
    item = next(i for i in analyse(quiz).items if i.question == ordering)
    # Two neighbours swapped leave three of four in order (the longest ordered subset): 3/4, with the
    # front item kept in order and the second out of it.
    assert item.facility == 0.875 and item.variance == pytest.approx(0.015625)
    assert item.frequencies == [("1번째", 2, None), ("2번째", 1, None), ("3번째", 2, None), ("4번째", 2, None)]
    page = client.get(reverse("admin:quizzes_quiz_stats", args=[quiz.pk])).content.decode()
    assert "3번째: 2번 맞힘" in page and "2번째: 1번 맞힘" in page
