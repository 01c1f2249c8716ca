"""The reminder e-mails: 48 hours before a learner's due date (their extension's), only to those
who have not finished and have not opted out, in their language; the weekly digest to the
instructor; a second run sends nothing twice; a refused message is tried again next run."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.test import Client

from classes.models import Deadline, Extension, Membership, Reminder
from classes.reminders import send_reminders
from classes.services import class_create, class_join
from classes.tests.test_gradebook import finish
from learners.models import SectionProgress
from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db
SEOUL = ZoneInfo("Asia/Seoul")
# A Wednesday, 10:00 in Seoul: no digest hour question for the due reminders.
NOW = datetime(2030, 3, 6, 10, 0, tzinfo=SEOUL)


@pytest.fixture
def klass():
    quiz = make_check()
    prof = User.objects.create_user("prof", email="prof@example.com")
    klass = class_create(course=quiz.lecture.course, name="월요반", instructor=prof, starts_at=NOW - timedelta(days=30))
    for name in ("alice", "bora", "chul"):
        class_join(klass=klass, user=User.objects.create_user(name, email=f"{name}@example.com"))
    klass.quiz = quiz
    Membership.objects.filter(user=prof).update(reminders=False)  # no digest but in its own test
    return klass


def due_mails():
    return sorted((m.to[0], m.subject) for m in mail.outbox if "마감" in m.subject or "Due" in m.subject)


def test_a_learner_who_has_not_finished_is_reminded_once_within_48_hours(klass):
    Deadline.objects.create(klass=klass, quiz=klass.quiz, due_at=NOW + timedelta(hours=47))
    finish(klass.quiz, User.objects.get(username="chul"), 1, 4, when=NOW - timedelta(hours=1))
    send_reminders(now=NOW)
    assert [to for to, _ in due_mails()] == ["alice@example.com", "bora@example.com"]  # chul has finished
    body = mail.outbox[0].body
    assert "2030-03-08 09:00 (Asia/Seoul)" in body and klass.quiz.get_absolute_url() in body
    assert "<" not in body  # plain text, nothing escaped
    assert send_reminders(now=NOW + timedelta(minutes=30)).sent == 0  # the same hour, again: nothing twice
    assert send_reminders(now=NOW + timedelta(hours=5)).sent == 0  # or later
    assert Reminder.objects.filter(kind="due").count() == 2
    assert set(Reminder.objects.values_list("address", flat=True)) == {"alice@example.com", "bora@example.com"}


def test_not_before_48_hours_and_not_after_the_due_time(klass):
    deadline = Deadline.objects.create(klass=klass, quiz=klass.quiz, due_at=NOW + timedelta(hours=49))
    assert send_reminders(now=NOW).sent == 0
    deadline.due_at = NOW - timedelta(minutes=1)
    deadline.save()
    assert send_reminders(now=NOW).sent == 0


def test_an_extension_moves_the_reminder_and_a_moved_deadline_is_reminded_again(klass):
    deadline = Deadline.objects.create(klass=klass, quiz=klass.quiz, due_at=NOW + timedelta(hours=24))
    alice = User.objects.get(username="alice")
    Extension.objects.create(deadline=deadline, user=alice, due_at=NOW + timedelta(days=6), reason="병가")
    send_reminders(now=NOW)
    assert [to for to, _ in due_mails()] == ["bora@example.com", "chul@example.com"]
    mail.outbox.clear()
    send_reminders(now=NOW + timedelta(days=4, hours=1))  # alice's own 48 hours
    assert [to for to, _ in due_mails()] == ["alice@example.com"] and "연장된 마감" in mail.outbox[0].body
    mail.outbox.clear()
    deadline.due_at = NOW + timedelta(days=4, hours=30)  # moved later: everyone's new date counts
    deadline.save()
    send_reminders(now=NOW + timedelta(days=4, hours=1))
    assert [to for to, _ in due_mails()] == ["bora@example.com", "chul@example.com"]


def test_a_lecture_reading_deadline_skips_those_who_read_every_section(klass):
    lecture = klass.quiz.lecture
    Deadline.objects.create(klass=klass, lecture=lecture, due_at=NOW + timedelta(hours=10))
    SectionProgress.objects.create(user=User.objects.get(username="bora"), section=klass.quiz.section, completed_at=NOW)
    send_reminders(now=NOW)
    assert [to for to, _ in due_mails()] == ["alice@example.com", "chul@example.com"]
    assert "읽지 않았습니다" in mail.outbox[0].body


def test_a_learner_opts_out_on_the_class_page_and_chooses_english(klass):
    Deadline.objects.create(klass=klass, quiz=klass.quiz, due_at=NOW + timedelta(hours=20))
    alice, bora = Client(), Client()
    alice.force_login(User.objects.get(username="alice"))
    bora.force_login(User.objects.get(username="bora"))
    url = f"/classes/{klass.pk}/reminders/"
    page = alice.get(klass.get_absolute_url()).content.decode()
    assert "알림 메일 받기" in page and "마감 48시간 전까지" in page
    response = alice.post(url, {"reminders-language": "ko"}, follow=True)  # the box unticked
    assert "알림 메일 설정을 저장했습니다." in response.content.decode()
    bora.post(url, {"reminders-reminders": "on", "reminders-language": "en"})
    send_reminders(now=NOW)
    sent = {m.to[0]: m for m in mail.outbox}
    assert "alice@example.com" not in sent
    assert sent["bora@example.com"].subject.startswith("[월요반] Due soon")
    assert "Asia/Seoul" in sent["bora@example.com"].body and "님," not in sent["bora@example.com"].body
    assert "님," in sent["chul@example.com"].body  # Korean, as chul joined


def test_a_learner_without_an_address_is_told_on_the_class_page_and_gets_nothing(klass):
    Deadline.objects.create(klass=klass, quiz=klass.quiz, due_at=NOW + timedelta(hours=20))
    User.objects.filter(username="alice").update(email="")
    client = Client()
    client.force_login(User.objects.get(username="alice"))
    assert "계정에 메일 주소가 없어" in client.get(klass.get_absolute_url()).content.decode()
    send_reminders(now=NOW)
    assert "alice@example.com" not in [m.to[0] for m in mail.outbox] and len(mail.outbox) == 2


def test_only_the_class_learners_get_it_and_a_learner_cannot_post_for_another_class(klass):
    other = class_create(course=klass.course, name="다른 반", instructor=User.objects.get(username="prof"))
    client = Client()
    client.force_login(User.objects.get(username="alice"))
    assert client.post(f"/classes/{other.pk}/reminders/", {"reminders-language": "ko"}).status_code == 404


class Refusing:
    """A mail connection whose server refuses one address."""

    def __init__(self, refused):
        self.refused, self.sent = refused, []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        for message in messages:
            if message.to[0] == self.refused:
                raise OSError("550 mailbox unavailable")
            self.sent.append(message.to[0])
        return len(messages)


def test_a_refused_message_is_tried_again_on_the_next_run_and_the_others_are_not(klass):
    Deadline.objects.create(klass=klass, quiz=klass.quiz, due_at=NOW + timedelta(hours=20))
    connection = Refusing("bora@example.com")
    outcome = send_reminders(now=NOW, connection=connection)
    assert (outcome.sent, outcome.failed) == (2, 1) and "550" in outcome.errors[0]
    assert not Reminder.objects.filter(address="bora@example.com").exists()
    again = Refusing(None)
    send_reminders(now=NOW + timedelta(minutes=10), connection=again)
    assert again.sent == ["bora@example.com"]


def test_the_weekly_digest_goes_to_the_instructor_once_a_week_after_monday_eight(klass):
    Membership.objects.filter(user__username="prof").update(reminders=True)
    monday_early = datetime(2030, 3, 11, 7, 59, tzinfo=SEOUL)
    send_reminders(now=monday_early)
    assert not mail.outbox
    send_reminders(now=monday_early + timedelta(minutes=2))
    digest = mail.outbox[-1]
    assert digest.to == ["prof@example.com"] and digest.subject == "[월요반] 이번 주 요약"
    assert "학습자 3명" in digest.body and "살펴볼 학습자 3명" in digest.body  # nobody has done anything
    assert f"/classes/{klass.pk}/overview/" in digest.body
    send_reminders(now=monday_early + timedelta(days=3))
    assert len(mail.outbox) == 1  # once a week
    send_reminders(now=monday_early + timedelta(days=7, minutes=2))
    assert len(mail.outbox) == 2


def test_the_command_reports_what_it_sent(klass):
    Deadline.objects.create(klass=klass, quiz=klass.quiz, due_at=NOW + timedelta(hours=20))
    out = StringIO()
    call_command("send_reminders", "--now", NOW.isoformat(), stdout=out)
    assert out.getvalue().strip() == "sent 3, failed 0"
    assert Membership.objects.filter(reminders=True).count() == 3


class Down:
    """A mail server that cannot be reached."""

    def __enter__(self):
        raise OSError("Connection refused")

    def __exit__(self, *exc):
        return False


def test_a_server_that_is_down_loses_no_reminder(klass):
    Deadline.objects.create(klass=klass, quiz=klass.quiz, due_at=NOW + timedelta(hours=20))
    with pytest.raises(OSError):
        send_reminders(now=NOW, connection=Down())  # the command fails, and says so
    assert not Reminder.objects.exists()  # nothing is left claimed
    assert send_reminders(now=NOW + timedelta(hours=1)).sent == 3


def test_a_long_title_still_fits_the_record_and_an_unpublished_quiz_is_not_reminded_of(klass):
    klass.quiz.title = "긴 제목 " * 40
    klass.quiz.save()
    Deadline.objects.create(klass=klass, quiz=klass.quiz, due_at=NOW + timedelta(hours=20))
    assert send_reminders(now=NOW).sent == 3 and len(Reminder.objects.first().subject) <= 200
    Reminder.objects.all().delete()
    klass.quiz.is_published = False
    klass.quiz.save()
    assert send_reminders(now=NOW).sent == 0


def test_a_deadline_moved_past_an_extension_gives_the_later_date(klass):
    deadline = Deadline.objects.create(klass=klass, quiz=klass.quiz, due_at=NOW + timedelta(hours=10))
    alice = User.objects.get(username="alice")
    Extension.objects.create(deadline=deadline, user=alice, due_at=NOW + timedelta(hours=30), reason="병가")
    deadline.due_at = NOW + timedelta(days=5)  # the class gets more time than alice's extension
    deadline.save()
    assert send_reminders(now=NOW).sent == 0  # nobody is due within 48 hours now
    from classes.models import dues_of, learner_dues

    (due,) = dues_of(klass, alice)
    assert due.due_at == deadline.due_at and due.extension is None
    (mine,) = learner_dues(alice)
    assert mine.due_at == deadline.due_at and not mine.extended
