"""A learner's due dates where they read: home, the dashboard, the lecture's page and its lessons,
in the class's time zone and named; done ones marked or left out; an extension or a moved deadline
shown at once, though the lesson page's personal pieces are kept (core.personal)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from classes.models import Deadline, Extension
from classes.services import class_create, class_join
from classes.tests.test_gradebook import finish
from learners.models import SectionProgress
from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson():
    quiz = make_check()
    section = quiz.section
    prof, alice = User.objects.create_user("prof"), User.objects.create_user("alice")
    klass = class_create(
        course=section.lecture.course, name="월요반", instructor=prof, starts_at=timezone.now() - timedelta(days=30)
    )
    class_join(klass=klass, user=alice)
    client = Client()
    client.force_login(alice)
    return klass, quiz, section, alice, client


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_due_dates_show_on_home_the_dashboard_the_lecture_and_the_lesson_in_the_class_zone(lesson):
    klass, quiz, section, alice, client = lesson
    Deadline.objects.create(klass=klass, quiz=quiz, due_at=timezone.now() + timedelta(days=3, hours=1))
    Deadline.objects.create(klass=klass, lecture=section.lecture, due_at=timezone.now() - timedelta(hours=2))
    for url in ("/", reverse("learners:dashboard")):
        html = page(client, url)
        assert "다가오는 마감" in html and "마감 D-3" in html and "마감 지남" in html, url
        assert "(Asia/Seoul)" in html and "월요반" in html and quiz.get_absolute_url() in html
    for url in (section.lecture.get_absolute_url(), section.get_absolute_url()):
        html = page(client, url)
        assert "이 강의의 마감" in html and "마감 D-3" in html and "읽기" in html, url


def test_a_finished_quiz_leaves_home_and_reads_done_on_the_lecture(lesson):
    klass, quiz, section, alice, client = lesson
    Deadline.objects.create(klass=klass, quiz=quiz, due_at=timezone.now() + timedelta(days=2))
    assert "마감 D-2" in page(client, "/")
    finish(quiz, alice, 1, 4, when=timezone.now())
    assert "다가오는 마감" not in page(client, "/")
    html = page(client, section.lecture.get_absolute_url())
    assert "이 강의의 마감" in html and "완료" in html and "마감 D-2" not in html


def test_reading_every_section_finishes_the_lecture_deadline(lesson):
    klass, quiz, section, alice, client = lesson
    Deadline.objects.create(klass=klass, lecture=section.lecture, due_at=timezone.now() + timedelta(days=5))
    assert "읽기" in page(client, reverse("learners:dashboard"))
    SectionProgress.objects.create(user=alice, section=section, completed_at=timezone.now())
    assert "다가오는 마감" not in page(client, reverse("learners:dashboard"))


def test_an_extension_shows_at_once_on_the_kept_lesson_page(lesson):
    klass, quiz, section, alice, client = lesson
    deadline = Deadline.objects.create(klass=klass, quiz=quiz, due_at=timezone.now() + timedelta(days=1, hours=1))
    assert "마감 D-1" in page(client, section.get_absolute_url())
    assert "마감 D-1" in page(client, section.get_absolute_url())  # from the kept pieces
    Extension.objects.create(deadline=deadline, user=alice, due_at=timezone.now() + timedelta(days=6), reason="병가")
    html = page(client, section.get_absolute_url())
    assert "마감 D-6" in html and "연장됨" in html and "병가" not in html  # the reason is for staff
    deadline.delete()
    assert "이 강의의 마감" not in page(client, section.get_absolute_url())


def test_the_kept_lesson_page_turns_to_passed_when_the_due_time_comes(lesson):
    klass, quiz, section, alice, client = lesson
    due = timezone.now() + timedelta(minutes=5)
    Deadline.objects.create(klass=klass, quiz=quiz, due_at=due)
    html = page(client, section.get_absolute_url())
    assert "마감 지남" not in html
    with mock.patch("django.utils.timezone.now", return_value=due + timedelta(seconds=1)):
        assert "마감 지남" in page(client, section.get_absolute_url())


def test_other_readers_see_no_due_dates(lesson):
    klass, quiz, section, alice, client = lesson
    Deadline.objects.create(klass=klass, quiz=quiz, due_at=timezone.now() + timedelta(days=2))
    assert "마감" not in page(Client(), section.get_absolute_url()).split("<main", 1)[1]
    outsider = Client()
    outsider.force_login(User.objects.create_user("outsider"))
    assert "다가오는 마감" not in page(outsider, "/")
    class_join(klass=klass, user=User.objects.get(username="outsider"))
    assert "다가오는 마감" in page(outsider, "/")  # joining shows them at once


def test_due_dates_cost_the_lesson_page_one_query_at_most(lesson):
    """Issue 21's budget: a logged-in lesson page ≤ 4 queries, ≤ 5 with a class's due dates, when
    the learner's pieces must be rendered again (their state changed); none when they are kept."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.personal import learner_changed

    klass, quiz, section, alice, client = lesson

    def counted():
        learner_changed(f"u{alice.pk}")
        page(client, section.get_absolute_url())  # the learner's dues enter the cache
        learner_changed(f"u{alice.pk}")
        with CaptureQueriesContext(connection) as rendered:
            page(client, section.get_absolute_url())
        with CaptureQueriesContext(connection) as kept:
            page(client, section.get_absolute_url())
        return len(rendered), len(kept)

    page(client, section.get_absolute_url())
    without = counted()
    Deadline.objects.create(klass=klass, quiz=quiz, due_at=timezone.now() + timedelta(days=2))
    Deadline.objects.create(klass=klass, lecture=section.lecture, due_at=timezone.now() + timedelta(days=3))
    with_dues = counted()
    assert with_dues[0] <= without[0] + 1 and with_dues[0] <= 5, (without, with_dues)
    assert with_dues[1] == without[1], (without, with_dues)
