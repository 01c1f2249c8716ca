"""Class reminders reach learners the LMS signed in: their account has no e-mail of its own (the
LMS's is never made the account's), so the reminder goes to the address their LMS gave, and an
address they add themselves wins."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone
from lti_tool.models import Key, LtiUser

from classes.models import Class, Deadline
from classes.reminders import send_reminders
from lti.tests.test_launch import launch
from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db


def test_a_learner_from_the_lms_is_reminded_at_the_address_the_lms_gave(platform, section):
    quiz = make_check(section)
    client = Client()
    response, _ = launch(client, platform, section)
    assert response.status_code == 302
    user = LtiUser.objects.get(sub="student-1").auth_user
    assert user.email == ""  # never the account's
    klass = Class.objects.get()
    now = timezone.now()
    Deadline.objects.create(klass=klass, quiz=quiz, due_at=now + timedelta(hours=20))
    page = client.get(klass.get_absolute_url()).content.decode()
    assert "알림은 LMS가 알려 준 주소 student-1@univ.example.ac.kr(으)로 갑니다." in page
    send_reminders(now=now)
    assert [m.to for m in mail.outbox] == [["student-1@univ.example.ac.kr"]]
    User.objects.filter(pk=user.pk).update(email="minji@example.com")  # one they confirmed here
    Deadline.objects.update(due_at=now + timedelta(hours=30))  # a new due date: a new reminder
    send_reminders(now=now)
    assert mail.outbox[-1].to == ["minji@example.com"] and len(mail.outbox) == 2


def test_a_roster_member_who_never_came_in_gets_no_reminder(platform, section):
    from lti import roster
    from lti.models import ContextClass
    from lti.tests.platform import ROLES

    quiz = make_check(section)
    platform.roster = [
        {"user_id": sub, "status": "Active", "roles": [ROLES + "Learner"], "email": f"{sub}@univ.example"}
        for sub in ("student-1", "s2")
    ]
    response, _ = launch(Client(), platform, section, **platform.nrps())  # student-1 comes in
    assert response.status_code == 302
    platform.tool_keys = [key.public_key for key in Key.objects.active()]
    roster.sync(ContextClass.objects.get())  # s2 joins the class from the roster, without a launch
    now = timezone.now()
    Deadline.objects.create(klass=Class.objects.get(), quiz=quiz, due_at=now + timedelta(hours=20))
    send_reminders(now=now)
    assert [m.to for m in mail.outbox] == [["student-1@univ.example"]]  # not s2, who never saw the class
