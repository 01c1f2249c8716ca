"""Spaced review: cards from quiz answers, FSRS intervals over simulated weeks, the review page."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from fsrs import Rating

from conftest import client_for_learner
from course.tests.builders import make_lecture, make_section
from learners import review
from learners.learner import Learner
from learners.models import ReviewAnswer, ReviewCard
from learners.services import learner_merge
from quizzes.models import Attempt
from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
PASSWORD = "a-long-passphrase-1"


@pytest.fixture
def quiz():
    quiz = make_check(slug="review-check")
    quiz.questions.update(section=quiz.section)
    return quiz


def tokens(question, right=True):
    return [c.token for c in question.choices.all() if c.is_correct == right][:1]


def right_answer(question):
    post = question.example_post()
    return {"tokens": post.get("choice", ()), "text": post.get("text", ""), "parts": post.get("part", ())}


def answer_quiz(client, question, right=True):
    data = {"choice": tokens(question, right)} if question.has_choices else {"text": "틀린 답"}
    return client.post(reverse("quizzes:answer", args=[question.quiz.slug, question.pk]), data, headers=HTMX)


def test_every_quiz_answer_becomes_a_card_wrong_due_at_once_right_due_days_later(quiz):
    client = client_for_learner("visitor-a")
    single, tf = quiz.questions.get(key="single"), quiz.questions.get(key="tf")
    before = timezone.now()
    answer_quiz(client, single, right=False)
    answer_quiz(client, tf, right=True)
    wrong, right = ReviewCard.objects.get(question=single), ReviewCard.objects.get(question=tf)
    assert wrong.session_key == right.session_key == "visitor-a"
    assert wrong.due <= timezone.now() and right.due >= before + timedelta(days=1)
    assert review.due_count(Learner(session_key="visitor-a")) == 1


def test_intervals_grow_after_right_answers_and_reset_after_a_wrong_one(quiz):
    """A frozen clock, moved by hand over simulated weeks: each review happens when the card is due."""
    question = quiz.questions.get(key="single")
    now = timezone.now().replace(microsecond=0)
    attempt = Attempt.objects.create(quiz=quiz, number=1, pass_mark=50, session_key="weeks")
    answer = attempt.answers.create(question=question, is_correct=False, given=["etcd"])
    review.prepare_quiz_answer(Learner(session_key="weeks"), question, attempt, answer.is_correct, now=now)(answer)
    card = ReviewCard.objects.get()
    assert card.due == now  # wrong: due at once

    intervals = []
    for _ in range(5):
        now = max(now, card.due) + timedelta(minutes=5)
        review.answer(card, tokens=tokens(question), version=card.reviews, now=now)
        card.refresh_from_db()
        intervals.append(card.due - now)
    assert all(later > earlier for earlier, later in zip(intervals, intervals[1:], strict=False)), intervals
    assert intervals[0] >= timedelta(days=1) and intervals[-1] >= timedelta(days=14)
    assert now - card.created_at > timedelta(weeks=3)  # the simulation spans weeks

    now = card.due + timedelta(hours=1)
    review.answer(card, tokens=tokens(question, right=False), version=card.reviews, now=now)
    card.refresh_from_db()
    assert card.due == now  # wrong again: due at once, the long interval is gone
    review.answer(card, tokens=tokens(question), version=card.reviews, now=now + timedelta(minutes=5))
    card.refresh_from_db()
    assert card.due - now < intervals[-1]


def test_ratings_wrong_is_again_right_is_good_right_after_a_retry_is_hard(quiz):
    client = client_for_learner("rater")
    single = quiz.questions.get(key="single")
    answer_quiz(client, single, right=False)
    card = ReviewCard.objects.get()
    assert card.last_correct is False
    client.post(reverse("quizzes:retry", args=[quiz.slug]))
    now = timezone.now()
    answer_quiz(client, single, right=True)  # right, in a retried attempt, after a wrong answer
    card.refresh_from_db()
    hard_interval = card.due - now
    assert review.rating_for(False) == Rating.Again and review.rating_for(True) == Rating.Good
    assert review.rating_for(True, retried=True) == Rating.Hard
    given, _ = review.answer(card, tokens=tokens(single), version=card.reviews, now=card.due)  # reviewed when due
    assert given.rating == Rating.Good and given.is_correct
    assert timedelta(hours=12) < hard_interval < timedelta(days=2)


def test_the_review_page_answers_in_place_and_shows_when_the_card_returns(quiz):
    client = client_for_learner("reader")
    single = quiz.questions.get(key="single")
    answer_quiz(client, single, right=False)
    page = client.get(reverse("learners:review")).content.decode()
    card = ReviewCard.objects.get()
    action = reverse("learners:review-answer", args=[card.pk])
    assert "오늘 복습할 카드 1장" in page and f'data-hx-post="{action}"' in page and "해설" not in page
    html = client.post(action, {"choice": tokens(single), "version": card.reviews}, headers=HTMX).content.decode()
    assert "정답입니다" in html and "해설 본문" in html and "다시 읽기" in html and "다음 복습: 1일 뒤" in html
    assert "<html" not in html
    assert "오늘 복습할 카드 0장" in client.get(reverse("learners:review")).content.decode()


def test_without_javascript_the_answer_redirects_to_the_page_that_shows_it(quiz):
    client = client_for_learner("nojs")
    single = quiz.questions.get(key="single")
    answer_quiz(client, single, right=False)
    card = ReviewCard.objects.get()
    response = client.post(reverse("learners:review-answer", args=[card.pk]), {"choice": tokens(single), "version": 1})
    assert response.status_code == 302 and f"answered={card.pk}" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "방금 답한 카드" in page and "정답입니다" in page and "다음 복습" in page


def test_a_double_click_grades_once_and_bad_input_changes_nothing(quiz):
    client = client_for_learner("double")
    single = quiz.questions.get(key="single")
    answer_quiz(client, single, right=False)
    card = ReviewCard.objects.get()
    url = reverse("learners:review-answer", args=[card.pk])
    first = client.post(url, {"choice": tokens(single), "version": card.reviews}, headers=HTMX).content.decode()
    second = client.post(url, {"choice": tokens(single), "version": card.reviews}, headers=HTMX).content.decode()
    assert ReviewAnswer.objects.count() == 1 and "정답입니다" in first and "정답입니다" in second
    card.refresh_from_db()
    html = client.post(url, {"choice": ["not-a-token"], "version": card.reviews}, headers=HTMX).content.decode()
    assert "선택지가 아닌 값" in html and ReviewAnswer.objects.count() == 1


def test_review_answers_never_change_quiz_attempts_or_scores(quiz):
    client = client_for_learner("history")
    for question in quiz.questions.all():
        answer_quiz(client, question, right=False)
    attempt = Attempt.objects.scored().get()
    before = (attempt.score.correct, attempt.score.total, attempt.answers.count())
    for card in ReviewCard.objects.select_related("question"):
        if card.question.has_choices:
            client.post(
                reverse("learners:review-answer", args=[card.pk]),
                {"choice": tokens(card.question), "version": card.reviews},
                headers=HTMX,
            )
    attempt = Attempt.objects.scored().get()
    assert (attempt.score.correct, attempt.score.total, attempt.answers.count()) == before
    assert ReviewAnswer.objects.filter(is_correct=True).count() >= 2


def test_another_learners_card_cannot_be_answered(quiz):
    answer_quiz(client_for_learner("owner"), quiz.questions.get(key="single"), right=False)
    card = ReviewCard.objects.get()
    intruder = client_for_learner("intruder")
    response = intruder.post(reverse("learners:review-answer", args=[card.pk]), {"choice": [], "version": 1})
    assert response.status_code == 404 and not ReviewAnswer.objects.exists()


def test_a_visitors_cards_join_the_account_nothing_lost_nothing_duplicated(quiz):
    user = User.objects.create_user("merger", password=PASSWORD)
    single, tf = quiz.questions.get(key="single"), quiz.questions.get(key="tf")
    now = timezone.now()
    mine = ReviewCard.objects.create(user=user, question=single, due=now + timedelta(days=5), reviews=3)
    visitor = ReviewCard.objects.create(session_key="guest", question=single, due=now, reviews=1)
    ReviewAnswer.objects.create(card=visitor, is_correct=False, rating=1, due_after=now, answered_at=now)
    ReviewAnswer.objects.create(
        card=mine, is_correct=True, rating=3, due_after=now, answered_at=now - timedelta(days=2)
    )
    only_visitor = ReviewCard.objects.create(session_key="guest", question=tf, due=now, reviews=1)
    learner_merge(user=user, session_key="guest")
    cards = ReviewCard.objects.filter(user=user)
    assert cards.count() == 2 and not ReviewCard.objects.filter(session_key="guest").exists()
    kept = cards.get(question=single)
    assert kept.pk == visitor.pk and kept.answers.count() == 2  # the later answer's card, with both histories
    assert cards.get(question=tf).pk == only_visitor.pk


def test_the_due_list_is_most_overdue_first_within_a_daily_limit(quiz, monkeypatch):
    owner = Learner(session_key="busy")
    now = timezone.now()
    questions = list(quiz.questions.all())
    for n, question in enumerate(questions):
        ReviewCard.objects.create(session_key="busy", question=question, due=now - timedelta(days=n))
    assert [c.question for c in review.due_cards(owner, now)] == questions[::-1]
    monkeypatch.setattr(review, "DAILY_LIMIT", 2)
    card = review.due_cards(owner, now)[0]
    review.answer(card, **right_answer(card.question), version=0, now=now)
    assert len(review.due_cards(owner, now)) == 1 and review.due_count(owner, now) == 1


def test_the_review_page_takes_the_same_queries_for_4_or_40_due_cards():
    lecture, counts = make_lecture(), []
    for size in (4, 40):
        client = client_for_learner(f"many-{size}")
        for n in range(size // 4):
            section = make_section(lecture, title=f"절 {size}-{n}", order=size + n)
            for question in make_check(section, slug=f"q-{size}-{n}").questions.all():
                ReviewCard.objects.create(session_key=f"many-{size}", question=question, due=timezone.now())
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("learners:review")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_header_and_dashboard_show_how_many_cards_are_due(quiz):
    client = client_for_learner("counter")
    answer_quiz(client, quiz.questions.get(key="single"), right=False)
    answer_quiz(client, quiz.questions.get(key="tf"), right=False)
    page = client.get(reverse("learners:dashboard")).content.decode()
    assert 'class="count-badge">2<span class="visually-hidden"> 장 남음' in page and "복습할 카드 2장" in page
    assert "count-badge" not in client_for_learner("nobody").get("/").content.decode()


def test_ordering_matching_and_cloze_cards_are_reviewed_item_by_item(quiz):
    from quizzes.tests.builders import add_itemised

    ordering, matching, cloze = add_itemised(quiz)
    quiz.questions.update(section=quiz.section)
    client = client_for_learner("items")
    for question in (ordering, matching, cloze):
        url = reverse("quizzes:answer", args=[quiz.slug, question.pk])
        client.post(url, {"part": ["도커", "노드"]} if question == cloze else question.example_post(), headers=HTMX)
    card = ReviewCard.objects.get(question=cloze)
    assert card.last_correct is False  # a wrong cloze is due again at once
    page = client.get(reverse("learners:review")).content.decode()
    assert "빈칸 1" in page and "부분 점수: 2개 중" in page
    action = reverse("learners:review-answer", args=[card.pk])
    html = client.post(action, {"part": ["k8s", "노드"], "version": card.reviews}, headers=HTMX).content.decode()
    assert "부분 정답입니다: 2개 중 1개를 맞혔습니다." in html and '정답: <span lang="ko">파드</span>' in html
    given = ReviewAnswer.objects.get(card=card)
    assert given.credit == 0.5 and not given.is_correct and given.given[1]["expected"] == "파드"
    assert (
        ReviewCard.objects.get(question=ordering).last_correct
        and ReviewCard.objects.get(question=matching).last_correct
    )


def test_a_card_of_an_unpublished_quiz_can_neither_be_answered_nor_shown(quiz):
    """Audit 3, item 6: only content readable now is reviewed."""
    client = client_for_learner("unpublished")
    single = quiz.questions.get(key="single")
    answer_quiz(client, single, right=False)
    card = ReviewCard.objects.get()
    quiz.is_published = False
    quiz.save()
    url = reverse("learners:review-answer", args=[card.pk])
    response = client.post(url, {"choice": tokens(single), "version": card.reviews}, headers=HTMX)
    assert response.status_code == 404 and not ReviewAnswer.objects.exists()
    page = client.get(reverse("learners:review") + f"?answered={card.pk}").content.decode()
    assert "방금 답한 카드" not in page and single.prompt not in page


def test_a_made_up_version_cannot_review_a_card_again(quiz):
    """Audit 3, item 6: a card answered right is not due; posting its form again, with any
    version, grades nothing more."""
    client = client_for_learner("replayer")
    single = quiz.questions.get(key="single")
    answer_quiz(client, single, right=False)
    card = ReviewCard.objects.get()
    url = reverse("learners:review-answer", args=[card.pk])
    client.post(url, {"choice": tokens(single), "version": card.reviews}, headers=HTMX)
    card.refresh_from_db()
    due, reviews = card.due, card.reviews
    for version in (card.reviews, card.reviews + 1, 999, "", "x"):
        client.post(url, {"choice": tokens(single), "version": version}, headers=HTMX)
    card.refresh_from_db()
    assert ReviewAnswer.objects.count() == 1 and (card.due, card.reviews) == (due, reviews)


def test_a_review_form_without_its_version_is_refused_with_a_message(quiz):
    client = client_for_learner("no-version")
    single = quiz.questions.get(key="single")
    answer_quiz(client, single, right=False)
    card = ReviewCard.objects.get()
    html = client.post(
        reverse("learners:review-answer", args=[card.pk]), {"choice": tokens(single)}, headers=HTMX
    ).content.decode()
    assert "새로 고친 뒤" in html and not ReviewAnswer.objects.exists()
