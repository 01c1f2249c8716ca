"""Due dates per class, one learner's extension, the late flag, and what a learner is shown
("마감 D-3", then "마감 지남") in the class's time zone."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from classes import gradebook
from classes.models import Deadline, Due, Extension, dues_of
from classes.services import class_create, class_join
from classes.tests.test_gradebook import finish
from quizzes.models import Answer, Attempt
from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db
SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture
def setup():
    prof = User.objects.create_user("prof")
    quiz = make_check()
    klass = class_create(
        course=quiz.lecture.course, name="반", instructor=prof, starts_at=timezone.now() - timedelta(days=30)
    )
    alice, bora = User.objects.create_user("alice"), User.objects.create_user("bora")
    for user in (alice, bora):
        class_join(klass=klass, user=user)
    client = Client()
    client.force_login(prof)
    return klass, prof, quiz, alice, bora, client


def test_a_due_date_is_typed_in_the_class_time_zone_and_one_before_the_class_starts_is_refused(setup):
    klass, prof, quiz, alice, bora, client = setup
    url = reverse("classes:deadline-add", args=[klass.pk])
    client.post(url, {"deadline-target": f"quiz-{quiz.pk}", "deadline-due_at": "2030-03-02T23:59"})
    deadline = Deadline.objects.get()
    assert deadline.quiz == quiz and deadline.due_at == datetime(2030, 3, 2, 23, 59, tzinfo=SEOUL)
    page = client.get(klass.get_absolute_url()).content.decode()
    assert "2030-03-02 23:59" in page and "Asia/Seoul 기준" in page
    response = client.post(
        url, {"deadline-target": f"quiz-{quiz.pk}", "deadline-due_at": "2001-01-01T09:00"}, follow=True
    )
    assert "마감은 반이 시작한 뒤여야 합니다." in response.content.decode()
    assert Deadline.objects.get().due_at.year == 2030  # unchanged
    response = client.post(url, {"deadline-target": "quiz-999999", "deadline-due_at": "2030-03-02T23:59"}, follow=True)
    assert Deadline.objects.count() == 1 and "올바르게 선택해 주세요" in response.content.decode()


def test_an_extension_must_be_later_than_the_deadline_and_only_for_a_learner_of_the_class(setup):
    klass, prof, quiz, alice, bora, client = setup
    deadline = Deadline.objects.create(klass=klass, quiz=quiz, due_at=datetime(2030, 3, 2, 23, 59, tzinfo=SEOUL))
    url = reverse("classes:extension-add", args=[klass.pk])
    response = client.post(
        url,
        {
            "extension-user": alice.pk,
            "extension-deadline": deadline.pk,
            "extension-due_at": "2030-03-01T12:00",
            "extension-reason": "병가",
        },
        follow=True,
    )
    assert "연장한 마감은 원래 마감보다 뒤여야 합니다." in response.content.decode() and not Extension.objects.exists()
    outsider = User.objects.create_user("outsider")
    client.post(
        url,
        {
            "extension-user": outsider.pk,
            "extension-deadline": deadline.pk,
            "extension-due_at": "2030-03-09T12:00",
            "extension-reason": "?",
        },
    )
    assert not Extension.objects.exists()
    client.post(
        url,
        {
            "extension-user": alice.pk,
            "extension-deadline": deadline.pk,
            "extension-due_at": "2030-03-09T12:00",
            "extension-reason": "병가",
        },
    )
    extension = Extension.objects.get()
    assert extension.user == alice and extension.granted_by == prof and extension.due_at.astimezone(SEOUL).day == 9
    assert "alice: 2030-03-09 12:00까지 연장 (사유: 병가)" in client.get(klass.get_absolute_url()).content.decode()
    # the learner sees their own date, not the reason
    learner = Client()
    learner.force_login(alice)
    page = learner.get(klass.get_absolute_url()).content.decode()
    assert "2030-03-09 12:00" in page and "연장됨" in page and "병가" not in page
    other = Client()
    other.force_login(bora)
    assert "2030-03-02 23:59" in other.get(klass.get_absolute_url()).content.decode()


def test_an_answer_after_the_deadline_is_kept_and_flagged_late_unless_an_extension_covers_it(setup):
    klass, prof, quiz, alice, bora, client = setup
    due = timezone.now() - timedelta(days=2)
    deadline = Deadline.objects.create(klass=klass, quiz=quiz, due_at=due)
    Extension.objects.create(
        deadline=deadline, user=alice, due_at=due + timedelta(days=5), reason="병가", granted_by=prof
    )
    finish(quiz, alice, 1, 4, when=due + timedelta(days=1))
    finish(quiz, bora, 1, 4, when=due + timedelta(days=1))
    rows = {row.user.username: row for row in gradebook.rows(klass, [quiz])}
    assert rows["alice"].late == [False] and rows["bora"].late == [True]
    assert rows["bora"].cells[0].score.percent == 100  # accepted, only marked
    page = client.get(reverse("classes:gradebook", args=[klass.pk])).content.decode()
    assert page.count(">늦음</span>") == 1


@pytest.mark.parametrize(
    "due, now, label",
    [
        (datetime(2030, 3, 5, 23, 59, tzinfo=SEOUL), datetime(2030, 3, 2, 0, 30, tzinfo=SEOUL), "마감 D-3"),
        # 00:30 in Seoul is still the day before in UTC: days are counted in the class's zone
        (datetime(2030, 3, 2, 23, 0, tzinfo=SEOUL), datetime(2030, 3, 2, 0, 30, tzinfo=SEOUL), "오늘 마감"),
        (datetime(2030, 3, 2, 0, 0, tzinfo=SEOUL), datetime(2030, 3, 2, 0, 30, tzinfo=SEOUL), "마감 지남"),
    ],
)
def test_a_learner_sees_how_many_days_are_left_counted_in_the_class_time_zone(setup, due, now, label):
    klass, prof, quiz, alice, bora, client = setup
    Deadline.objects.create(klass=klass, quiz=quiz, due_at=due)
    [found] = dues_of(klass, alice)
    assert isinstance(found, Due) and found.label(now) == label


def test_only_the_class_managers_set_deadlines(setup):
    klass, prof, quiz, alice, bora, client = setup
    learner = Client()
    learner.force_login(alice)
    response = learner.post(
        reverse("classes:deadline-add", args=[klass.pk]),
        {"deadline-target": f"quiz-{quiz.pk}", "deadline-due_at": "2030-03-02T23:59"},
    )
    assert response.status_code == 404 and not Deadline.objects.exists()


def test_the_gradebook_renders_on_29_february_with_a_quiz_that_has_no_deadline(setup, monkeypatch):
    klass, prof, quiz, alice, bora, client = setup
    finish(quiz, alice, 1, 4)
    monkeypatch.setattr(timezone, "now", lambda: datetime(2028, 2, 29, 12, 0, tzinfo=SEOUL))
    [row, _bora] = gradebook.rows(klass, [quiz])
    assert row.late == [False] and row.cells[0].score.percent == 100


def answer_as(user, quiz, n=0):
    """Question ``n`` of ``quiz``, answered rightly through the htmx answer URL; the page's text."""
    question = quiz.questions.order_by("order")[n]
    client = Client()
    client.force_login(user)
    url = reverse("quizzes:answer", args=[quiz.slug, question.pk])
    return client.post(url, question.example_post(), HTTP_HX_REQUEST="true").content.decode()


def test_a_class_that_closes_at_the_deadline_refuses_a_later_answer_and_stores_nothing(setup):
    klass, prof, quiz, alice, bora, client = setup
    klass.late_policy = klass.LatePolicy.CLOSE
    klass.save()
    deadline = Deadline.objects.create(klass=klass, quiz=quiz, due_at=datetime(2026, 1, 5, 18, 0, tzinfo=SEOUL))
    html = answer_as(alice, quiz)
    assert "반의 마감(2026-01-05 18:00, Asia/Seoul)이 지나 이 퀴즈에는 더 답할 수 없습니다" in html
    assert not Attempt.objects.filter(user=alice).exists()  # no attempt opened, no answer used up
    # an extension still running lets one learner answer
    Extension.objects.create(deadline=deadline, user=bora, due_at=timezone.now() + timedelta(days=1), reason="병가")
    answer_as(bora, quiz)
    assert Answer.objects.filter(attempt__user=bora).count() == 1
    # a user of no class, and a visitor, are not this class's to close
    outsider = User.objects.create_user("outsider")
    answer_as(outsider, quiz)
    assert Answer.objects.filter(attempt__user=outsider).count() == 1
    # what was cached for alice is forgotten at once: an extension, or the class reopening
    extension = Extension.objects.create(
        deadline=deadline, user=alice, due_at=timezone.now() + timedelta(hours=1), reason="사고"
    )
    answer_as(alice, quiz)
    assert Answer.objects.filter(attempt__user=alice).count() == 1
    extension.delete()
    assert "더 답할 수 없습니다" in answer_as(alice, quiz, 1)
    klass.late_policy = klass.LatePolicy.ACCEPT
    klass.save()
    answer_as(alice, quiz, 1)
    assert Answer.objects.filter(attempt__user=alice).count() == 2


def test_a_learner_in_a_class_still_taking_answers_may_answer_though_another_closed(setup):
    klass, prof, quiz, alice, bora, client = setup
    past = timezone.now() - timedelta(days=1)
    klass.late_policy = klass.LatePolicy.CLOSE
    klass.save()
    Deadline.objects.create(klass=klass, quiz=quiz, due_at=past)
    accepting = class_create(course=klass.course, name="다른 반", instructor=prof, starts_at=past - timedelta(days=9))
    class_join(klass=accepting, user=alice)
    Deadline.objects.create(klass=accepting, quiz=quiz, due_at=past)
    answer_as(alice, quiz)
    assert Answer.objects.filter(attempt__user=alice).count() == 1  # accepted, marked late there
    html = answer_as(bora, quiz)
    assert "더 답할 수 없습니다" in html and not Answer.objects.filter(attempt__user=bora).exists()


def test_the_class_page_states_its_late_policy(setup):
    klass, prof, quiz, alice, bora, client = setup
    Deadline.objects.create(klass=klass, quiz=quiz, due_at=timezone.now() + timedelta(days=3))
    assert "늦음으로 표시합니다" in client.get(klass.get_absolute_url()).content.decode()
    klass.late_policy = klass.LatePolicy.CLOSE
    klass.save()
    learner = Client()
    learner.force_login(alice)
    assert "마감이 지나면 그 퀴즈에는 더 답할 수 없습니다" in learner.get(klass.get_absolute_url()).content.decode()
