"""Accounts: sign-up, logout by POST, deletion, and privacy (throttling and probing: test_account_attacks)."""

import csv
import io

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from conftest import read_lesson
from course.tests.builders import make_lecture, make_section
from learners.models import SectionProgress
from quizzes.models import Attempt
from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-passphrase-1"


def test_signup_logs_in_and_opens_the_dashboard(client):
    response = client.post(
        reverse("signup"), {"username": "kim", "email": "kim@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("learners:dashboard")
    assert "kim(으)로 로그인했습니다" in client.get(reverse("learners:dashboard")).content.decode()


def test_signup_errors_are_clear_and_in_korean(client):
    html = client.post(
        reverse("signup"), {"username": "lee2", "email": "not-an-address", "password1": "123", "password2": "124"}
    ).content.decode()
    assert "올바른 이메일 주소를 입력하세요" in html and "비밀번호" in html
    assert User.objects.count() == 0


def test_logout_is_post_only(client):
    client.force_login(User.objects.create_user("oh", password=PASSWORD))
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_deleting_the_account_deletes_its_data(client):
    user = User.objects.create_user("yoon", password=PASSWORD)
    client.force_login(user)
    section = make_section(lecture=make_lecture())
    quiz = make_check(section=section)
    client.post(reverse("learners:section-visit", args=[section.pk]))  # a read alone writes nothing
    question = quiz.questions.get(key="single")
    client.post(reverse("quizzes:answer", args=[quiz.slug, question.pk]), {"choice": question.choices.first().token})
    assert SectionProgress.objects.filter(user=user).exists() and Attempt.objects.filter(user=user).exists()
    html = client.post(reverse("delete-account"), {"password": "wrong"}).content.decode()
    assert "비밀번호가 맞지 않습니다" in html and User.objects.filter(pk=user.pk).exists()
    assert client.post(reverse("delete-account"), {"password": PASSWORD}).status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert not SectionProgress.objects.exists() and not Attempt.objects.exists()


def test_a_learner_sees_only_their_own_dashboard(client):
    section = make_section(lecture=make_lecture())
    quiz = make_check(section=section)
    alice, bob = Client(), Client()
    alice.force_login(User.objects.create_user("alice", password=PASSWORD))
    bob.force_login(User.objects.create_user("bob", password=PASSWORD))
    question = quiz.questions.get(key="single")
    alice.post(
        reverse("quizzes:answer", args=[quiz.slug, question.pk]),
        {"choice": question.choices.get(is_correct=False).token},
    )
    alice.post(reverse("learners:section-complete", args=[section.pk]), {"completed": "1"})
    alice_html = alice.get(reverse("learners:dashboard")).content.decode()
    bob_html = bob.get(reverse("learners:dashboard")).content.decode()
    assert "single 문제?" in alice_html and "1회차" in alice_html
    assert "single 문제?" not in bob_html and "1회차" not in bob_html and "아직 푼 퀴즈가 없습니다" in bob_html
    assert bob.get(Attempt.objects.get().get_absolute_url()).status_code == 404
    assert "0/1절 완료" in bob.get(section.lecture.get_absolute_url()).content.decode()


def test_analytics_are_staff_only_and_aggregate(client):
    section = make_section(lecture=make_lecture())
    quiz = make_check(section=section)
    for n in range(3):
        learner = Client()
        read_lesson(learner, section)
        if n:
            learner.post(reverse("learners:section-complete", args=[section.pk]), {"completed": "1"})
        question = quiz.questions.get(key="single")
        learner.post(
            reverse("quizzes:answer", args=[quiz.slug, question.pk]),
            {"choice": question.choices.get(text="etcd").token},
        )
    learner = Client()
    learner.force_login(User.objects.create_user("learner", password=PASSWORD))
    assert learner.get(reverse("learners:analytics")).status_code == 302
    client.force_login(User.objects.create_superuser("staff", password=PASSWORD))
    html = client.get(reverse("learners:analytics")).content.decode()
    assert '<th scope="row">시작함</th><td>3</td>' in html
    assert "완료: 첫 절</th><td>2</td>" in html
    assert "etcd (3)" in html and "0%" in html
    text = client.get(reverse("learners:analytics") + "?format=csv&table=funnel").content.decode("utf-8-sig")
    rows = [row[1:] for row in csv.reader(io.StringIO(text))]
    assert ["started", "3"] in rows and ["completed: 첫 절", "2"] in rows
    text = client.get(reverse("learners:analytics") + "?format=csv&table=questions").content.decode("utf-8-sig")
    assert ["3", "0", "etcd", "3"] in [row[3:] for row in csv.reader(io.StringIO(text))]


def test_dashboard_and_result_queries_do_not_grow_with_attempts_or_questions(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from quizzes.tests.builders import add_question

    section = make_section(lecture=make_lecture())
    quiz = make_check(section=section)
    client.force_login(User.objects.create_user("many", password=PASSWORD))

    def play():
        for question in quiz.questions.prefetch_related("choices"):
            data = {"text": "오답"} if question.kind == "short" else {"choice": question.choices.first().token}
            client.post(reverse("quizzes:answer", args=[quiz.slug, question.pk]), data)
        client.post(reverse("quizzes:retry", args=[quiz.slug]))

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    play()
    urls = [reverse("learners:dashboard"), Attempt.objects.order_by("pk").first().get_absolute_url()]
    before = [count(url) for url in urls]
    for n in range(5):
        add_question(quiz, "single", f"more{n}", 10 + n, [("a", True, ""), ("b", False, "")])
    for _ in range(3):
        play()
    assert [count(url) for url in urls] == before


def test_signup_does_not_redirect_to_another_site(client):
    data = {"username": "song", "email": "s@example.org", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post(reverse("signup") + "?next=https://evil.example/", {**data, "next": "https://evil.example/"})
    assert response["Location"] == reverse("learners:dashboard")


def test_statistics_need_the_statistics_permission_not_just_a_staff_account(client):
    from django.contrib.auth.models import Group

    from course.apps import EDITORS_GROUP

    quiz = make_check(section=make_section(lecture=make_lecture()))
    pages = [
        reverse("learners:analytics"),
        reverse("learners:analytics") + "?format=csv&table=funnel",
        reverse("learners:analytics") + "?format=csv&table=questions",
        reverse("admin:quizzes_quiz_stats", args=[quiz.pk]),
    ]
    client.force_login(User.objects.create_user("bare-staff", password=PASSWORD, is_staff=True))
    for url in pages:
        response = client.get(url)
        assert response.status_code == 403 and "권한이 없습니다" in response.content.decode(), url
    home = client.get(reverse("course:home")).content.decode()
    assert reverse("learners:analytics") not in home
    editor = User.objects.create_user("editor", password=PASSWORD, is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS_GROUP))
    client.force_login(editor)
    for url in pages:
        assert client.get(url).status_code == 200, url
    assert reverse("learners:analytics") in client.get(reverse("course:home")).content.decode()
    client.force_login(User.objects.create_superuser("root", password=PASSWORD))
    assert all(client.get(url).status_code == 200 for url in pages)
