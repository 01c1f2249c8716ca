"""A learner's page in a class, for its staff: every attempt and answer, with the question
version each answer was graded against, the one the policy counts, and late marks."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from classes.models import Membership
from classes.services import class_create, class_join, deadline_set, staff_add
from classes.tests.test_gradebook import T0, finish
from quizzes.models import Answer, QuestionVersion
from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def klass():
    quiz = make_check()
    prof = User.objects.create_user("prof")
    klass = class_create(course=quiz.lecture.course, name="월요일 반", instructor=prof, starts_at=T0)
    alice = User.objects.create_user("alice", first_name="앨리스")
    class_join(klass=klass, user=alice)
    return klass


def page(user, klass, member):
    client = Client()
    client.force_login(user)
    return client.get(reverse("classes:learner", args=[klass.pk, member.pk]))


def member(klass, username):
    return Membership.objects.get(klass=klass, user__username=username)


def test_staff_see_each_attempt_with_the_version_each_answer_was_graded_against(klass):
    quiz = klass.course.lectures.get().quizzes.get()
    alice, prof = User.objects.get(username="alice"), User.objects.get(username="prof")
    first = finish(quiz, alice, 1, 1)
    question = quiz.questions.order_by("order").first()
    Answer.objects.filter(attempt=first).update(version=QuestionVersion.of(question))
    question.prompt = "고친 문제: 어느 것이 맞습니까?"
    question.save()
    newer = QuestionVersion.of(question)
    assert newer.number == 2
    finish(quiz, alice, 2, 4)
    deadline_set(klass=klass, target=quiz, due_at=T0 + timedelta(hours=1, minutes=30))

    response = page(prof, klass, member(klass, "alice"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "앨리스" in html and "1회차" in html and "2회차" in html
    assert "1판" in html and "(지금은 2판)" in html  # the first answer was graded against version 1
    assert html.count("1 / 1점") == 1 + 4 and html.count("0 / 1점") == 3
    assert html.count("성적에 들어감") == 1  # best: the second attempt
    assert html.count("늦음") == 1  # the second finished at T0 + 2 h, after the due date


def test_the_page_asks_a_fixed_number_of_queries_however_many_attempts(klass):
    quiz = klass.course.lectures.get().quizzes.get()
    alice, prof = User.objects.get(username="alice"), User.objects.get(username="prof")

    client = Client()
    client.force_login(prof)
    url = reverse("classes:learner", args=[klass.pk, member(klass, "alice").pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    finish(quiz, alice, 1, 2)
    queries()  # the first request of a session writes it
    one = queries()
    assert one <= 9
    for number in range(2, 7):
        finish(quiz, alice, number, number % 5)
    assert queries() == one


def test_only_the_class_staff_see_a_learner_and_only_a_learner(klass):
    other = class_create(course=klass.course, name="다른 반", instructor=User.objects.create_user("other"))
    bob = User.objects.create_user("bob")
    class_join(klass=other, user=bob)
    alice = User.objects.get(username="alice")
    assistant = User.objects.create_user("ta")
    staff_add(klass=klass, user=assistant, role="assistant")
    assert page(assistant, klass, member(klass, "alice")).status_code == 200
    assert page(alice, klass, member(klass, "alice")).status_code == 404  # a learner is not staff
    assert page(User.objects.get(username="other"), klass, member(klass, "alice")).status_code == 404
    # another class's learner, through this class's address: not found
    assert page(User.objects.get(username="prof"), klass, member(other, "bob")).status_code == 404
    # staff members have no learner page
    assert page(assistant, klass, member(klass, "prof")).status_code == 404
    superuser = User.objects.create_superuser("root")
    assert page(superuser, klass, member(klass, "alice")).status_code == 404  # no global override
