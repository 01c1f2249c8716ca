"""Scheduled quizzes: a review quiz or knowledge check goes live and comes down on the clock, and
waits for its section; drafts are for those who may change quizzes."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import client_for_learner
from core.models import AuditEntry
from course.tests.builders import make_course, make_lecture, make_section
from course.tests.test_schedule import HOUR, at
from quizzes.models import Quiz
from quizzes.tests.builders import add_question, make_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def lecture():
    lecture = make_lecture(make_course(slug="cn"), title="개요")
    make_section(lecture, "첫째 절", 1, body="첫째 본문")
    make_section(lecture, "예약 절", 2, body="예약한 본문")
    return lecture


@pytest.fixture
def review(lecture):
    review = Quiz.objects.create(lecture=lecture, kind=Quiz.Kind.REVIEW, slug="review", title="예약 복습")
    add_question(review, "true_false", "tf", 1, [("참", True, ""), ("거짓", False, "")])
    return review


@pytest.fixture(params=["visitor", "learner"])
def reader(request):
    """A visitor with no session (whole pages from the cache) or a learner (shared fragments)."""
    return Client() if request.param == "visitor" else client_for_learner("reader")


def sees_review(client, review):
    lecture, last = review.lecture, review.lecture.sections.last()
    return {
        "page": client.get(review.get_absolute_url()).status_code,
        "lecture": "예약 복습" in client.get(lecture.get_absolute_url()).content.decode(),
        "last section": "예약 복습" in client.get(last.get_absolute_url()).content.decode(),
    }


def test_a_review_quiz_goes_live_and_comes_down_on_the_clock_with_no_save(reader, review):
    go_live = timezone.now() + HOUR
    review.publish_at, review.unpublish_at = go_live, go_live + HOUR
    review.save()
    hidden = {"page": 404, "lecture": False, "last section": False}
    assert sees_review(reader, review) == hidden  # and the pages are cached
    with at(go_live):
        assert sees_review(reader, review) == {"page": 200, "lecture": True, "last section": True}
    with at(go_live + HOUR):
        assert sees_review(reader, review) == hidden


def test_a_knowledge_check_scheduled_shows_under_its_section_from_its_time(reader, lecture):
    go_live = timezone.now() + HOUR
    check = make_check(lecture.sections.get(order=1))
    check.publish_at = go_live
    check.save()
    url = check.section.get_absolute_url()
    assert 'id="quiz"' not in reader.get(url).content.decode()
    with at(go_live):
        assert 'id="quiz"' in reader.get(url).content.decode()
        assert reader.post(reverse("quizzes:answer", args=[check.slug, check.questions.first().pk])).status_code != 404


def test_the_knowledge_check_and_review_links_of_a_scheduled_section_wait_for_it(lecture, review):
    go_live = timezone.now() + HOUR
    section = lecture.sections.get(order=2)
    section.publish_at = go_live
    section.save()
    check = make_check(section, slug="scheduled-check")
    question = review.questions.get()
    question.section = section
    question.save()
    learner = client_for_learner("reviewer")
    assert check not in Quiz.objects.published() and review in Quiz.objects.published()
    assert learner.post(reverse("quizzes:answer", args=[check.slug, check.questions.first().pk])).status_code == 404
    learner.post(
        reverse("quizzes:answer", args=[review.slug, question.pk]), {"choice": question.choices.get(text="참").token}
    )
    assert "예약 절」 다시 읽기" not in learner.get(review.get_absolute_url()).content.decode()
    with at(go_live):
        assert check in Quiz.objects.published()
        assert "예약 절」 다시 읽기" in learner.get(review.get_absolute_url()).content.decode()
        assert 'id="quiz"' in learner.get(section.get_absolute_url()).content.decode()


def quiz_form(quiz, **changes):
    return {
        "lecture": quiz.lecture_id,
        "section": quiz.section_id or "",
        "kind": quiz.kind,
        "title": quiz.title,
        "slug": quiz.slug,
        "pass_mark": quiz.pass_mark,
        "shuffle": "on" if quiz.shuffle else "",
        "is_published": "on" if quiz.is_published else "",
        "questions-TOTAL_FORMS": 0,
        "questions-INITIAL_FORMS": 0,
        **changes,
    }


def test_a_quiz_take_down_time_not_after_its_go_live_time_is_refused_in_the_admin(client, editor, lecture):
    quiz = Quiz.objects.create(lecture=lecture, kind=Quiz.Kind.REVIEW, slug="empty-review", title="빈 복습")
    url = reverse("admin:quizzes_quiz_change", args=[quiz.pk])
    times = {"publish_at_0": "2030-12-07", "publish_at_1": "09:00", "unpublish_at_0": "2030-12-06"}
    response = client.post(url, quiz_form(quiz, **times, unpublish_at_1="09:00"))
    html = response.content.decode()
    assert response.status_code == 200 and "공개 종료 시각은 공개 시작 시각보다 뒤여야 합니다." in html
    quiz.refresh_from_db()
    assert quiz.publish_at is None and not AuditEntry.objects.exists()
    times["unpublish_at_0"] = "2030-12-08"
    assert client.post(url, quiz_form(quiz, **times, unpublish_at_1="09:00")).status_code == 302
    entry = AuditEntry.objects.get()
    assert entry.action == AuditEntry.Action.SCHEDULED and entry.object_repr == "빈 복습"
    assert "공개 시작: 2030-12-07 09:00 KST, 공개 종료: 2030-12-08 09:00 KST" in entry.detail


def test_an_unpublished_quiz_is_for_quiz_editors_only(client, editor, review):
    review.is_published = False
    review.save()
    lecture_url = review.lecture.get_absolute_url()
    assert client.get(review.get_absolute_url()).status_code == 200  # cached for editors first
    assert "예약 복습" in client.get(lecture_url).content.decode()
    for user in (
        User.objects.create_user("staff", password="pw", is_staff=True),
        User.objects.create_user("reader", password="pw"),
    ):
        client.force_login(user)
        assert client.get(review.get_absolute_url()).status_code == 404
        assert "예약 복습" not in client.get(lecture_url).content.decode()
