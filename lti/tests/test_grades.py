"""Grades back to the LMS (AGS): a learner launched into a lesson finishes its knowledge check
and the test platform receives the score, by the class's policy, once; a platform that is down
gets it later, with back-off; a line item the platform did not name is created first."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from lti_tool.models import Key

from classes.models import Class
from lti import grades
from lti.models import GradeLink, ScoreOut
from lti.tests.test_launch import launch
from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def check(section):
    return make_check(section)


def launched(platform, section, **ags):
    client = Client()
    response, _ = launch(client, platform, section, **platform.ags(**ags))
    assert response.status_code == 302
    platform.tool_keys = [key.public_key for key in Key.objects.active()]
    return client


def answer(client, quiz, right=4):
    """Every question of the check, the first ``right`` of them right: the last answer finishes it."""
    for n, question in enumerate(quiz.questions.order_by("order")):
        good = n < right
        if question.kind == "short":
            data = {"text": "쿠버네티스" if good else "모름"}
        elif question.kind == "multiple":
            data = {"choice": [c.token for c in question.choices.all() if c.is_correct == good]}
        else:
            data = {"choice": question.choices.get(is_correct=good).token}
        assert client.post(reverse("quizzes:answer", args=[quiz.slug, question.pk]), data).status_code in (200, 302)


def test_a_finished_check_sends_its_score_to_the_lms_once(platform, section, check, django_capture_on_commit_callbacks):
    client = launched(platform, section)
    platform.scores.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, check, right=3)
    (score,) = platform.scores
    assert score["lineitem"] == "/lineitems/link-1" and score["userId"] == "student-1"
    assert (score["scoreGiven"], score["scoreMaximum"]) == (3, 4)
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")
    assert ScoreOut.objects.get().status == "sent"
    assert grades.send_due(timezone.now() + timedelta(hours=2)) == (0, 0)  # nothing twice
    assert len(platform.scores) == 1


def test_a_platform_that_is_down_gets_the_score_later_with_back_off(
    platform, section, check, django_capture_on_commit_callbacks
):
    client = launched(platform, section)
    platform.down = 2
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, check)
    row = ScoreOut.objects.get()
    assert (row.status, row.tries) == ("pending", 1) and "503" in row.last_error
    assert row.next_try_at > timezone.now() + timedelta(seconds=50)
    assert grades.send_due() == (0, 0)  # not yet its turn
    assert grades.send_due(row.next_try_at) == (0, 1)  # down once more: two minutes next
    row.refresh_from_db()
    assert row.tries == 2 and row.next_try_at >= timezone.now() + timedelta(seconds=110)
    assert grades.send_due(row.next_try_at) == (1, 0)
    assert len(platform.scores) == 1 and ScoreOut.objects.get().status == "sent"


def test_the_grade_follows_the_class_policy_and_a_missing_line_item_is_created(
    platform, section, check, django_capture_on_commit_callbacks
):
    client = launched(platform, section, lineitem=False, may_create=True)
    Class.objects.update(grade_policy="best")
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, check, right=4)
    client.post(reverse("quizzes:retry", args=[check.slug]))
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, check, right=1)
    (item,) = platform.lineitems  # made once, with the quiz's name and full marks
    assert item["label"] == check.title and item["scoreMaximum"] == 4 and item["resourceLinkId"] == "link-1"
    assert GradeLink.objects.get().lineitem == item["id"]
    assert [s["scoreGiven"] for s in platform.scores] == [4, 4]  # the best attempt counts, both times
    assert {s["lineitem"] for s in platform.scores} == {"/lineitems/1"}


def test_no_grade_link_without_the_platform_s_score_service(
    platform, section, check, django_capture_on_commit_callbacks
):
    client = Client()
    launch(client, platform, section)  # no AGS claim
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, check)
    assert not GradeLink.objects.exists() and not ScoreOut.objects.exists()


def test_a_deleted_class_sends_nothing_and_the_quiz_still_finishes(
    platform, section, check, django_capture_on_commit_callbacks
):
    client = launched(platform, section)
    Class.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, check)  # each answer is accepted (200), the last finishes the attempt
    assert not ScoreOut.objects.exists() and not platform.scores


def test_scores_share_one_token_and_an_expired_one_is_replaced_at_once(
    platform, section, check, django_capture_on_commit_callbacks
):
    client = launched(platform, section)
    asked = platform.token_requests
    for _ in range(3):  # three attempts, three scores
        with django_capture_on_commit_callbacks(execute=True):
            answer(client, check)
        client.post(reverse("quizzes:retry", args=[check.slug]))
    assert len(platform.scores) == 3 and platform.token_requests == asked + 1  # one token for all three
    platform.tokens.clear()  # the platform let it expire (or revoked it) before our ten minutes
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, check)
    assert len(platform.scores) == 4 and platform.token_requests == asked + 2
    assert ScoreOut.objects.filter(status="sent").count() == 4 and not ScoreOut.objects.exclude(status="sent")
