"""Scheduled publishing: content goes live and comes down on the clock, with no save and no job,
every cache following; drafts and previews are for those who may change the content."""

import datetime
import re
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import IntegrityError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import client_for_learner
from core.cache import VERSION_CACHE, VERSION_KEY, content_version
from core.models import AuditEntry
from course.models import Lecture, Section
from course.tests.builders import make_course, make_lecture, make_section
from course.tests.test_admin import section_form
from course.tests.test_drafts import lecture_form

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)
SEOUL = ZoneInfo("Asia/Seoul")
WORD = "소나기구름"  # only in the scheduled section's body


def at(moment):
    """The clock moved to ``moment`` for everything that reads it."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def lecture():
    lecture = make_lecture(make_course(slug="cn"), title="개요")
    make_section(lecture, "첫째 절", 1, body="첫째 본문")
    make_section(lecture, "예약 절", 2, body=f"예약한 본문의 {WORD}")
    make_section(lecture, "셋째 절", 3, body="셋째 본문")
    return lecture


def scheduled(lecture, **times):
    section = lecture.sections.get(order=2)
    for name, value in times.items():
        setattr(section, name, value)
    section.save()
    return section


@pytest.fixture(params=["visitor", "learner"])
def reader(request):
    """A visitor with no session (whole pages from the cache) or a learner (shared fragments)."""
    return Client() if request.param == "visitor" else client_for_learner("reader")


def sees(client, lecture, section):
    """What a reader gets of the scheduled section: its page, and its place in the TOC, the
    lecture page, a neighbour's pager and search."""
    first = lecture.sections.get(order=1)
    search = client.get(reverse("course:search"), {"q": WORD}).content.decode()
    return {
        "page": client.get(section.get_absolute_url()).status_code,
        "lecture": "예약 절" in client.get(lecture.get_absolute_url()).content.decode(),
        "toc": "예약 절" in client.get(first.get_absolute_url()).content.decode(),
        "search": section.get_absolute_url() in search,
    }


HIDDEN = {"page": 404, "lecture": False, "toc": False, "search": False}
SHOWN = {"page": 200, "lecture": True, "toc": True, "search": True}


def test_a_section_goes_live_on_the_first_request_after_its_time_with_no_save(reader, lecture):
    go_live = timezone.now() + HOUR
    section = scheduled(lecture, publish_at=go_live)
    assert sees(reader, lecture, section) == HIDDEN
    with CaptureQueriesContext(connection) as queries:
        reader.get(lecture.get_absolute_url())
    if "sessionid" not in reader.cookies:
        assert len(queries) == 0  # the visitor's page is served whole from the cache now
    version = caches[VERSION_CACHE].get(VERSION_KEY)
    with at(go_live - datetime.timedelta(microseconds=1)):
        assert sees(reader, lecture, section) == HIDDEN
    with at(go_live):
        assert sees(reader, lecture, section) == SHOWN
    assert caches[VERSION_CACHE].get(VERSION_KEY) == version  # nothing was saved


def test_a_section_comes_down_at_its_take_down_time(reader, lecture):
    take_down = timezone.now() + HOUR
    section = scheduled(lecture, unpublish_at=take_down)
    assert sees(reader, lecture, section) == SHOWN
    with at(take_down):
        assert sees(reader, lecture, section) == HIDDEN
    with at(take_down + 2 * HOUR):
        assert Section.objects.published().count() == 2 and not section.is_readable()


def test_a_lecture_scheduled_holds_back_its_sections(client, lecture):
    go_live = timezone.now() + HOUR
    lecture.publish_at = go_live
    lecture.save()
    section = lecture.sections.get(order=1)
    assert client.get(section.get_absolute_url()).status_code == 404
    assert lecture.get_absolute_url() not in client.get(reverse("course:home")).content.decode()
    with at(go_live):
        assert client.get(section.get_absolute_url()).status_code == 200
        assert lecture.get_absolute_url() in client.get(reverse("course:home")).content.decode()


def test_the_content_version_steps_at_each_schedule_time_without_a_query(lecture):
    go_live = timezone.now() + HOUR
    scheduled(lecture, publish_at=go_live, unpublish_at=go_live + HOUR)
    before = content_version()
    with CaptureQueriesContext(connection) as queries:
        assert content_version() == before
        with at(go_live):
            live = content_version()
        with at(go_live + HOUR):
            ended = content_version()
    assert len(queries) == 0
    assert len({before, live, ended}) == 3 and len({v.split(".")[0] for v in (before, live, ended)}) == 1


def test_a_take_down_time_not_after_the_go_live_time_is_refused_in_the_admin(client, editor, lecture):
    section = lecture.sections.get(order=2)
    url = reverse("admin:course_section_change", args=[section.pk])
    times = {"publish_at_0": "2030-12-07", "publish_at_1": "09:00", "unpublish_at_0": "2030-12-07"}
    for take_down in ("09:00", "08:00"):
        response = client.post(url, section_form(section, **times, unpublish_at_1=take_down))
        html = response.content.decode()
        assert response.status_code == 200
        assert "공개 종료 시각은 공개 시작 시각보다 뒤여야 합니다." in html
        assert html.index("errors field-unpublish_at") < html.index("공개 종료 시각은")
    section.refresh_from_db()
    assert section.publish_at is None and section.unpublish_at is None
    assert not AuditEntry.objects.exists()


def test_the_database_refuses_a_take_down_time_not_after_the_go_live_time(lecture):
    section = lecture.sections.get(order=2)
    section.publish_at = section.unpublish_at = timezone.now()
    with pytest.raises(IntegrityError):
        section.save()


def test_a_schedule_is_entered_in_seoul_time_and_its_change_is_audited(client, editor, lecture):
    section = lecture.sections.get(order=2)
    url = reverse("admin:course_section_change", args=[section.pk])
    client.post(url, section_form(section, title="제목만 고침"))
    assert not AuditEntry.objects.exists()  # no schedule, no entry
    section.refresh_from_db()
    times = {"publish_at_0": "2030-12-07", "publish_at_1": "09:00", "unpublish_at_0": "", "unpublish_at_1": ""}
    assert client.post(url, section_form(section, **times)).status_code == 302
    section.refresh_from_db()
    assert section.publish_at == datetime.datetime(2030, 12, 7, 9, 0, tzinfo=SEOUL)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.user, entry.object_repr) == (AuditEntry.Action.SCHEDULED, editor, "제목만 고침")
    assert "2030-12-07 09:00 KST" in entry.detail
    changelist = client.get(reverse("admin:course_section_changelist")).content.decode()
    assert "예약: 12월 7일 09:00" in changelist
    filtered = client.get(reverse("admin:course_section_changelist"), {"status": "scheduled"}).content.decode()
    assert "제목만 고침" in filtered and "첫째 절" not in filtered


def test_a_schedule_set_in_the_lectures_section_inline_is_audited(client, editor, lecture):
    url = reverse("admin:course_lecture_change", args=[lecture.pk])
    data = {
        "course": lecture.course_id,
        "number": lecture.number,
        "title": lecture.title,
        "slug": lecture.slug,
        "summary": "",
        "is_published": "on",
        "sections-TOTAL_FORMS": 3,
        "sections-INITIAL_FORMS": 3,
    }
    for index, section in enumerate(lecture.sections.all()):
        row = {name: value for name, value in section_form(section).items() if name != "lecture"}
        data.update({f"sections-{index}-{name}": value for name, value in row.items()})
        data.update({f"sections-{index}-id": section.pk, f"sections-{index}-lecture": lecture.pk})
    data.update({"sections-1-unpublish_at_0": "2030-12-07", "sections-1-unpublish_at_1": "18:30"})
    assert client.post(url, data).status_code == 302
    entry = AuditEntry.objects.get()
    assert entry.object_repr == "예약 절" and "공개 종료: 2030-12-07 18:30 KST" in entry.detail


def test_ticking_or_clearing_published_in_a_change_form_or_an_inline_is_audited(client, editor, lecture):
    """Publishing is logged however it is done: the list action, a draft's publish, or the 공개 box."""
    section = lecture.sections.get(order=2)
    url = reverse("admin:course_section_change", args=[section.pk])
    assert client.post(url, section_form(section, is_published="")).status_code == 302
    assert client.post(url, section_form(section, is_published="on")).status_code == 302
    entries = list(AuditEntry.objects.order_by("pk").values_list("action", "user", "object_repr"))
    assert entries == [
        (AuditEntry.Action.UNPUBLISHED, editor.pk, section.title),
        (AuditEntry.Action.PUBLISHED, editor.pk, section.title),
    ]
    AuditEntry.objects.all().delete()
    data = lecture_form(Lecture.objects.get(pk=lecture.pk), **{"sections-1-is_published": ""})
    assert client.post(reverse("admin:course_lecture_change", args=[lecture.pk]), data).status_code == 302
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_repr) == (AuditEntry.Action.UNPUBLISHED, lecture.sections.all()[1].title)
    client.post(url, section_form(Section.objects.get(pk=section.pk), title="제목만 고침"))
    assert AuditEntry.objects.count() == 1  # saving without touching 공개 logs nothing


def test_each_date_and_time_input_is_named_for_a_screen_reader(client, editor, lecture):
    """Django's split inputs have no label of their own (axe: label); ours are named after their field."""
    section = lecture.sections.get(order=2)
    form = client.get(reverse("admin:course_section_change", args=[section.pk])).content.decode()
    assert dict(re.findall(r'<input [^>]*name="(\w+)"[^>]* aria-label="([^"]+)"', form)) == {
        "publish_at_0": "공개 시작 날짜",
        "publish_at_1": "공개 시작 시각",
        "unpublish_at_0": "공개 종료 날짜",
        "unpublish_at_1": "공개 종료 시각",
        "draft_publish_at_0": "공개 예약 날짜",
        "draft_publish_at_1": "공개 예약 시각",
    }
    inline = client.get(reverse("admin:course_lecture_change", args=[lecture.pk])).content.decode()
    assert re.search(r'<input [^>]*name="sections-2-unpublish_at_1"[^>]* aria-label="공개 종료 시각"', inline)


def test_unpublished_and_scheduled_sections_are_for_editors_only_not_for_every_staff_account(client, editor, lecture):
    scheduled(lecture, publish_at=timezone.now() + HOUR)
    lecture.sections.filter(order=3).update(is_published=False)
    hidden = list(lecture.sections.filter(order__gt=1))
    # The editor first, so that the fragments with the drafts are cached before the others ask.
    toc = client.get(lecture.get_absolute_url()).content.decode()
    assert "예약 절" in toc and "셋째 절" in toc
    assert all(client.get(section.get_absolute_url()).status_code == 200 for section in hidden)
    for user in (
        User.objects.create_user("staff", password="pw", is_staff=True),
        User.objects.create_user("reader", password="pw"),
    ):
        client.force_login(user)
        toc = client.get(lecture.get_absolute_url()).content.decode()
        assert "예약 절" not in toc and "셋째 절" not in toc and "첫째 절" in toc
        assert all(client.get(section.get_absolute_url()).status_code == 404 for section in hidden)
        html = client.get(reverse("course:search"), {"q": WORD}).content.decode()
        assert hidden[0].get_absolute_url() not in html


def test_readable_now_agrees_for_querysets_relations_and_objects_in_memory_whatever_the_schedules():
    """Every combination of schedules on a lecture, its section and the section's knowledge check."""
    from itertools import product

    from learners.models import SectionProgress
    from quizzes.models import Quiz
    from quizzes.tests.builders import make_check

    now = timezone.now()
    states = {
        "none": (None, None),
        "not yet": (now + HOUR, None),
        "started": (now - HOUR, None),
        "ending": (now - HOUR, now + HOUR),
        "ended": (None, now - HOUR),
    }
    check = make_check(slug="schedule-rule")
    section, lecture = check.section, check.lecture
    SectionProgress.objects.create(section=section, session_key="reader")
    for combination in product(states, repeat=3):
        for obj, state in zip((lecture, section, check), combination, strict=True):
            type(obj).objects.filter(pk=obj.pk).update(publish_at=states[state][0], unpublish_at=states[state][1])
        live = [state in ("none", "started", "ending") for state in combination]
        fresh = Quiz.objects.select_related("lecture__course", "section__lecture__course").get(pk=check.pk)
        assert fresh.section.is_readable() == Section.objects.published().exists() == all(live[:2]), combination
        assert SectionProgress.objects.filter(Section.published_q("section__")).exists() == all(live[:2]), combination
        assert fresh.is_readable() == Quiz.objects.published().exists() == all(live), combination
