"""The answer path's cost: a bounded number of queries and exactly one write transaction per answer,
opening the attempt and reviewing the card included (issue 21). Counted, not timed."""

from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from learners.models import ReviewCard, SectionProgress
from quizzes.models import Answer, Attempt
from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db(transaction=True)
HTMX = {"HX-Request": "true"}
WRITES = ("INSERT", "UPDATE", "DELETE")
CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK")  # SQLite's transaction control, not queries


def statements(queries):
    return [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith(CONTROL)]


class Transactions:
    """Counts the write transactions a block runs, and the writes made outside any transaction."""

    def __init__(self):
        self.begun, self.outside, self.writes = 0, [], 0
        self.real = connection.set_autocommit

    def set_autocommit(self, autocommit, **kwargs):
        if not autocommit:
            self.begun += 1
        return self.real(autocommit, **kwargs)

    def watch(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(WRITES):
            self.writes += 1
            if not connection.in_atomic_block:
                self.outside.append(sql)
        return execute(sql, params, many, context)

    def __enter__(self):
        self.patch = mock.patch.object(connection, "set_autocommit", self.set_autocommit)
        self.patch.start()
        self.wrapper = connection.execute_wrapper(self.watch)
        self.wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self.wrapper.__exit__(*exc)
        self.patch.stop()


def post(client, quiz, question, data):
    return client.post(reverse("quizzes:answer", args=[quiz.slug, question.pk]), data, headers=HTMX)


@pytest.fixture
def learner():
    client = Client()
    client.force_login(User.objects.create_user("reader"))
    client.get("/")  # the session and the user are now in the shared cache
    return client


@pytest.fixture
def quiz():
    quiz = make_check()
    warm = Client()  # another learner answers first: the questions' versions exist, as they do on a live site
    for question in quiz.questions.all():
        post(warm, quiz, question, question.example_post())
    return quiz


def test_the_first_answer_opens_the_attempt_and_reviews_the_card_in_one_transaction(learner, quiz):
    question = quiz.questions.get(key="single")
    data = question.example_post()
    with CaptureQueriesContext(connection) as queries, Transactions() as transactions:
        response = post(learner, quiz, question, data)
    assert response.status_code == 200 and "정답입니다" in response.content.decode()
    assert Attempt.objects.filter(user__username="reader").count() == 1
    assert ReviewCard.objects.filter(user__username="reader", question=question).count() == 1
    assert transactions.begun == 1 and transactions.outside == [], transactions.outside
    assert len(statements(queries)) <= 8, statements(queries)


def test_a_later_answer_and_the_last_one_that_finishes_the_attempt_take_one_transaction_each(learner, quiz):
    """The last answer finishes the attempt and, the check passed, completes the section, in the same transaction."""
    questions = list(quiz.questions.order_by("order"))
    learner.post(reverse("learners:section-visit", args=[quiz.section.pk]))  # the lesson was read
    post(learner, quiz, questions[0], questions[0].example_post())
    for question in questions[1:]:
        data = question.example_post()
        with CaptureQueriesContext(connection) as queries, Transactions() as transactions:
            post(learner, quiz, question, data)
        assert transactions.begun == 1 and transactions.outside == [], (question.key, transactions.outside)
        assert len(statements(queries)) <= 8, (question.key, statements(queries))
    attempt = Attempt.objects.get(user__username="reader")
    assert attempt.is_finished and attempt.answers.count() == len(questions)
    assert SectionProgress.objects.get(user__username="reader", section=quiz.section).completed_at is not None


def test_a_double_click_records_once_and_writes_nothing_the_second_time(learner, quiz):
    question = quiz.questions.get(key="single")
    data = question.example_post()
    post(learner, quiz, question, data)
    with Transactions() as transactions:
        response = post(learner, quiz, question, data)
    assert response.status_code == 200 and transactions.writes == 0
    assert Answer.objects.filter(attempt__user__username="reader", question=question).count() == 1


def test_a_card_that_exists_before_the_first_attempt_is_reviewed_not_duplicated(learner, quiz):
    """The first answer to a quiz does not look for a card (there is none); should one exist (a
    question moved from another quiz), the answer is tried again and reviews it."""
    from django.utils import timezone

    question = quiz.questions.get(key="single")
    user = User.objects.get(username="reader")
    ReviewCard.objects.create(user=user, question=question, due=timezone.now(), reviews=2)
    response = post(learner, quiz, question, question.example_post())
    assert response.status_code == 200 and "정답입니다" in response.content.decode()
    card = ReviewCard.objects.get(user=user, question=question)
    assert card.reviews == 3
    assert Answer.objects.filter(attempt__user=user, question=question).count() == 1
