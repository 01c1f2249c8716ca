"""Drafts: an editor changes a published section or lecture without learners seeing it until it is published."""

import time
from datetime import timedelta
from unittest import mock

import pytest
import reversion
from django.contrib.auth.models import User
from django.core import signing
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Revision, Version

from core.models import AuditEntry
from course import drafts
from course.models import Diagram, Draft, Lecture, Section
from course.tests.builders import make_diagram, make_lecture, make_section
from course.tests.test_admin import section_form

pytestmark = pytest.mark.django_db

WORD = "초안에만있는낱말"


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def save_draft(client, section, **changes):
    return client.post(change_url(section), {**section_form(section, **changes), "_save_draft": "1"})


def inline_rows(prefix, rows, fields):
    """The management form and one form per row of an admin inline, unchanged."""
    data = {
        f"{prefix}-TOTAL_FORMS": len(rows),
        f"{prefix}-INITIAL_FORMS": len(rows),
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for n, row in enumerate(rows):
        data[f"{prefix}-{n}-id"] = row.pk
        for name in fields:
            value = getattr(row, name)
            data[f"{prefix}-{n}-{name}"] = ("on" if value else "") if isinstance(value, bool) else value
    return data


def lecture_form(lecture, **changes):
    data = {
        "course": lecture.course_id,
        "number": lecture.number,
        "title": lecture.title,
        "slug": lecture.slug,
        "summary": lecture.summary,
        "is_published": "on" if lecture.is_published else "",
        **inline_rows("sections", list(lecture.sections.all()), ["order", "title", "slug", "is_published", "body"]),
    }
    data.update(changes)
    return data


@pytest.fixture
def section(db):
    return make_section(title="서킷 브레이커 절", body="## 공개 소제목\n\n공개된 본문입니다.")


@pytest.fixture
def drafted(client, editor, section):
    """The section with a draft saved through the admin, its body carrying WORD."""
    response = save_draft(client, section, body=f"## 새 소제목\n\n{WORD} 고친 본문", title="고친 제목")
    assert response.status_code == 302
    return section


@pytest.fixture
def registered():
    """Section and Lecture kept in revisions, as the revisions work registers them (if not already)."""
    added = [model for model in (Section, Lecture) if not reversion.is_registered(model)]
    for model in added:
        reversion.register(model)
    yield
    for model in added:
        reversion.unregister(model)


def test_saving_a_draft_leaves_the_live_section_untouched_and_logs_it(client, editor, section):
    before = Section.objects.values().get(pk=section.pk)
    response = save_draft(client, section, body=f"{WORD} 고친 본문", draft_comment="오타 수정")
    assert response.status_code == 302 and response["Location"] == change_url(section)
    assert Section.objects.values().get(pk=section.pk) == before
    draft = Draft.of(section)
    assert draft.data["body"] == f"{WORD} 고친 본문" and draft.author == editor and draft.comment == "오타 수정"
    assert AuditEntry.objects.get().action == AuditEntry.Action.DRAFTED
    assert "학습자에게는" in client.get(change_url(section)).content.decode()  # the message


def test_learners_see_the_published_section_its_lecture_and_search_results(drafted):
    visitor = Client()
    page = visitor.get(drafted.get_absolute_url()).content.decode()
    assert "공개된 본문입니다" in page and WORD not in page and "고친 제목" not in page
    assert WORD not in visitor.get(drafted.lecture.get_absolute_url()).content.decode()
    assert "서킷 브레이커 절" in visitor.get(reverse("course:search"), {"q": "공개된 본문"}).content.decode()
    assert "고친 제목" not in visitor.get(reverse("course:search"), {"q": WORD}).content.decode()


def test_saving_a_draft_twice_keeps_one_draft_with_the_latest_values(client, editor, section):
    save_draft(client, section, body="첫 초안")
    save_draft(client, section, body="둘째 초안")
    assert Draft.objects.get().data["body"] == "둘째 초안"


def test_the_change_form_shows_the_draft_and_its_buttons(client, drafted):
    html = client.get(change_url(drafted)).content.decode()
    assert WORD in html and "초안을 편집하고 있습니다" in html
    draft = Draft.of(drafted)
    for url in (
        reverse("course:draft-preview", args=[draft.pk]),
        reverse("admin:course_section_draft_publish", args=[drafted.pk]),
        reverse("admin:course_section_draft_discard", args=[drafted.pk]),
    ):
        assert f'"{url}"' in html
    assert "http://testserver/preview/" in html and 'name="_save_draft"' in html


def test_the_editor_preview_renders_the_draft_as_a_visitor_sees_it(client, drafted):
    response = client.get(reverse("course:draft-preview", args=[Draft.of(drafted).pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "미리 보기 — 학습자에게는 아직 보이지 않습니다" in html
    assert WORD in html and "새 소제목</h2>" in html and "고친 제목" in html and "공개된 본문" not in html
    assert response["Cache-Control"] == "private, no-store" and "noindex" in response["X-Robots-Tag"]
    assert reverse("learners:section-visit", args=[drafted.pk]) not in html  # no visit beacon
    assert reverse("admin:index") not in html  # rendered for a visitor, not for the editor
    drafted.refresh_from_db()
    assert WORD not in drafted.body_html  # rendered in memory only


def test_a_preview_of_an_unpublished_section_shows_it_in_its_lecture(client, editor):
    lecture = make_lecture()
    make_section(lecture, "첫 절", order=1)
    hidden = make_section(lecture, "숨은 절", order=2, is_published=False)
    save_draft(client, hidden, body=WORD)
    html = client.get(reverse("course:draft-preview", args=[Draft.of(hidden).pk])).content.decode()
    assert WORD in html and "2 / 2절" in html


def test_the_signed_link_opens_the_preview_without_an_account_and_is_never_kept(client, drafted):
    link = reverse("course:signed-preview", args=[drafts.preview_token(Draft.of(drafted))])
    visitor = Client()
    response = visitor.get(link)
    assert response.status_code == 200 and WORD in response.content.decode()
    assert response["Cache-Control"] == "private, no-store" and not response.cookies
    assert not visitor.cookies and "sessionid" not in response.cookies
    client.post(reverse("admin:course_section_draft_discard", args=[drafted.pk]))
    gone = visitor.get(link)  # not the stored page of before
    assert gone.status_code == 410 and "이미 공개되었거나 버려졌습니다" in gone.content.decode()


def test_an_expired_link_is_refused_with_a_clear_page(drafted):
    eight_days_ago = time.time() - timedelta(days=8).total_seconds()
    with mock.patch("django.core.signing.time.time", return_value=eight_days_ago):
        token = drafts.preview_token(Draft.of(drafted))
    response = Client().get(reverse("course:signed-preview", args=[token]))
    html = response.content.decode()
    assert response.status_code == 410 and "유효 기간이 지났습니다" in html and WORD not in html
    assert response["Cache-Control"] == "private, no-store"


def test_a_tampered_link_is_refused_with_a_clear_page(drafted):
    token = drafts.preview_token(Draft.of(drafted))
    forged = signing.dumps(Draft.of(drafted).pk + 1, salt="another-salt")
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, "nonsense"):
        response = Client().get(reverse("course:signed-preview", args=[bad]))
        assert response.status_code == 403 and "올바른 미리 보기 링크가 아닙니다" in response.content.decode()


def test_publishing_applies_the_draft_in_one_revision_and_learners_see_it_at_once(client, editor, drafted, registered):
    visitor = Client()
    assert WORD not in visitor.get(drafted.get_absolute_url()).content.decode()  # now in the page cache
    response = client.post(reverse("admin:course_section_draft_publish", args=[drafted.pk]))
    assert response.status_code == 302
    drafted.refresh_from_db()
    assert drafted.title == "고친 제목" and WORD in drafted.body_html and not Draft.objects.exists()
    revision = Revision.objects.get()
    assert revision.user == editor and revision.comment == "초안 공개"
    assert Version.objects.get_for_object(drafted).get().revision == revision
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.PUBLISHED).get()
    assert entry.object_id == str(drafted.pk) and entry.user == editor
    assert WORD in visitor.get(drafted.get_absolute_url()).content.decode()
    assert "고친 제목" in visitor.get(reverse("course:search"), {"q": WORD}).content.decode()


def test_publishing_is_one_transaction(client, drafted):
    with mock.patch("course.drafts.audit.record", side_effect=RuntimeError("audit down")):
        with pytest.raises(RuntimeError):
            drafts.draft_publish(draft=Draft.of(drafted), user=None)
    drafted.refresh_from_db()
    assert drafted.title == "서킷 브레이커 절" and Draft.of(drafted) is not None


def test_a_draft_that_became_invalid_is_refused_and_nothing_changes(client, editor, section):
    make_diagram("figure")
    save_draft(client, section, body="[[diagram:figure]]")
    Diagram.objects.filter(slug="figure").delete()  # no live section refers to it: it may go
    response = client.post(reverse("admin:course_section_draft_publish", args=[section.pk]), follow=True)
    html = response.content.decode()
    assert "공개하지 못했습니다" in html and "[[diagram:figure]]" in html
    section.refresh_from_db()
    assert section.body == "## 공개 소제목\n\n공개된 본문입니다." and Draft.of(section) is not None
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.PUBLISHED).exists()


def test_discarding_drops_the_draft_and_keeps_the_live_section(client, editor, drafted):
    response = client.post(reverse("admin:course_section_draft_discard", args=[drafted.pk]), follow=True)
    assert "초안을 버렸습니다" in response.content.decode()
    drafted.refresh_from_db()
    assert not Draft.objects.exists() and drafted.title == "서킷 브레이커 절"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DISCARDED, user=editor).exists()
    assert WORD not in client.get(change_url(drafted)).content.decode()


def test_publish_and_discard_are_posts(client, drafted):
    assert client.get(reverse("admin:course_section_draft_publish", args=[drafted.pk])).status_code == 405
    assert client.get(reverse("admin:course_section_draft_discard", args=[drafted.pk])).status_code == 405
    assert Draft.of(drafted) is not None


def test_saving_the_form_normally_makes_the_draft_live_and_spends_it(client, drafted):
    response = client.post(change_url(drafted), section_form(drafted, body=f"{WORD} 그대로 저장"))
    assert response.status_code == 302
    drafted.refresh_from_db()
    assert drafted.body == f"{WORD} 그대로 저장" and not Draft.objects.exists()


def test_a_scheduled_draft_shows_its_time_and_a_past_time_is_refused(client, editor, section):
    soon = timezone.localtime() + timedelta(days=1)
    when = {"draft_publish_at_0": soon.strftime("%Y-%m-%d"), "draft_publish_at_1": "09:00:00"}
    save_draft(client, section, body=WORD, **when)
    assert timezone.localtime(Draft.of(section).publish_at).strftime("%H:%M") == "09:00"
    assert "공개하도록 예약되어" in client.get(change_url(section)).content.decode()
    past = {"draft_publish_at_0": "2000-01-01", "draft_publish_at_1": "09:00:00"}
    response = save_draft(client, section, body="다른 초안", **past)
    assert response.status_code == 200 and "지금보다 뒤여야" in response.content.decode()
    assert Draft.of(section).data["body"] == WORD


def schedule(section, body, at):
    draft = drafts.draft_save(obj=Section(pk=section.pk, body=body), names=["body"], user=None)
    Draft.objects.filter(pk=draft.pk).update(publish_at=at)


def test_publish_due_drafts_publishes_only_due_drafts_and_only_once(db):
    now = timezone.now()
    lecture = make_lecture()
    due, later, unscheduled = (make_section(lecture, f"절 {n}", slug=f"s{n}") for n in range(3))
    schedule(due, "때가 된 초안", now - timedelta(minutes=1))
    schedule(later, "나중 초안", now + timedelta(hours=2))
    drafts.draft_save(obj=Section(pk=unscheduled.pk, body="예약 없는 초안"), names=["body"], user=None)
    assert drafts.publish_due_drafts(now) == [due]
    assert drafts.publish_due_drafts(now) == []
    assert [s.body for s in Section.objects.order_by("slug")] == ["때가 된 초안", "본문", "본문"]
    assert [row[0] for row in drafts.pending_publish_times()] == [Draft.of(later).publish_at]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.PUBLISHED, user=None).count() == 1


def test_publish_due_drafts_costs_one_query_when_nothing_is_due(django_assert_num_queries, section):
    schedule(section, "나중 초안", timezone.now() + timedelta(hours=1))
    with django_assert_num_queries(1):
        assert drafts.publish_due_drafts() == []


def test_a_due_draft_no_longer_valid_is_unscheduled_and_kept(section):
    schedule(section, "[[pattern:없는-패턴]]", timezone.now() - timedelta(minutes=1))
    assert drafts.publish_due_drafts() == []
    draft = Draft.of(section)
    assert draft is not None and draft.publish_at is None
    assert "예약 공개 실패" in AuditEntry.objects.get(action=AuditEntry.Action.SCHEDULED).detail
    section.refresh_from_db()
    assert "없는-패턴" not in section.body


def test_the_publish_scheduled_command_publishes_due_drafts(section, capsys):
    schedule(section, "명령으로 공개", timezone.now() - timedelta(minutes=1))
    call_command("publish_scheduled")
    section.refresh_from_db()
    assert section.body == "명령으로 공개" and "1개" in capsys.readouterr().out


def test_staff_without_the_change_permission_get_403(client, drafted):
    draft = Draft.of(drafted)
    client.force_login(User.objects.create_user("helper", password="pw", is_staff=True))
    assert client.get(reverse("course:draft-preview", args=[draft.pk])).status_code == 403
    assert client.post(reverse("admin:course_section_draft_publish", args=[drafted.pk])).status_code == 403
    assert client.post(reverse("admin:course_section_draft_discard", args=[drafted.pk])).status_code == 403
    assert Draft.of(drafted) is not None


def test_the_editor_preview_asks_a_visitor_to_log_in(drafted):
    response = Client().get(reverse("course:draft-preview", args=[Draft.of(drafted).pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_list_shows_which_sections_have_drafts_without_a_query_each(client, editor, django_assert_max_num_queries):
    lecture = make_lecture()
    sections = [make_section(lecture, f"절 {n}", order=n) for n in range(4)]
    save_draft(client, sections[0], body="초안")
    at = timezone.make_aware(timezone.datetime(2031, 12, 7, 9, 0))
    drafts.draft_save(obj=sections[1], names=["body"], user=editor, publish_at=at)
    html = client.get(reverse("admin:course_section_changelist")).content.decode()
    assert html.count("초안 있음") == 2 and "초안 있음 (예약 12/7 09:00)" in html
    with django_assert_max_num_queries(12) as queries:
        client.get(reverse("admin:course_section_changelist"))
    for section in sections[2:]:
        drafts.draft_save(obj=section, names=["body"], user=editor)
    with django_assert_max_num_queries(len(queries)):
        client.get(reverse("admin:course_section_changelist"))


def test_a_lecture_draft_holds_the_lecture_fields_and_leaves_its_sections(client, editor):
    lecture = make_lecture(title="원래 강의 제목")
    make_section(lecture, "첫 절")
    response = client.post(change_url(lecture), {**lecture_form(lecture, title=f"{WORD} 강의"), "_save_draft": "1"})
    assert response.status_code == 302
    lecture.refresh_from_db()
    assert lecture.title == "원래 강의 제목" and Draft.of(lecture).data["title"] == f"{WORD} 강의"
    assert WORD not in Client().get(lecture.get_absolute_url()).content.decode()
    html = client.get(change_url(lecture)).content.decode()
    assert "이 항목 자체의 내용만" in html and WORD in html
    preview = client.get(reverse("course:draft-preview", args=[Draft.of(lecture).pk])).content.decode()
    assert WORD in preview and "첫 절" in preview


def test_a_lecture_draft_refuses_changed_sections_and_keeps_what_was_typed(client, editor):
    lecture = make_lecture()
    section = make_section(lecture, "첫 절")
    data = {**lecture_form(lecture, title="새 제목"), "sections-0-title": "인라인에서 고친 절", "_save_draft": "1"}
    response = client.post(change_url(lecture), data)
    html = response.content.decode()
    assert response.status_code == 200 and "초안으로 저장할 수 없습니다" in html and "인라인에서 고친 절" in html
    assert "각 항목의 편집 화면에서 따로 초안으로 저장합니다" in html  # sections have drafts of their own
    section.refresh_from_db()
    assert section.title == "첫 절" and not Draft.objects.exists()


def test_a_drafts_preview_of_a_lecture_keeps_the_shared_toc_live(client, editor):
    lecture = make_lecture()
    section = make_section(lecture, "첫 절")
    client.post(change_url(lecture), {**lecture_form(lecture, slug="draft-slug"), "_save_draft": "1"})
    client.get(reverse("course:draft-preview", args=[Draft.of(lecture).pk]))  # builds the shared TOC
    html = Client().get(lecture.get_absolute_url()).content.decode()
    assert section.get_absolute_url() in html and "draft-slug" not in html


def test_deleting_an_object_deletes_its_draft(drafted):
    drafted.delete()
    assert not Draft.objects.exists()


def test_a_draft_is_published_once_and_a_stale_copy_is_not_published(drafted):
    draft = Draft.of(drafted)
    stale = Draft.of(drafted)
    Draft.objects.filter(pk=draft.pk).update(updated_at=timezone.now() + timedelta(seconds=1))
    with pytest.raises(drafts.DraftGone):  # changed since it was read: publish what is there now
        drafts.draft_publish(draft=stale, user=None)
    fresh = Draft.of(drafted)
    drafts.draft_publish(draft=fresh, user=None)
    with pytest.raises(drafts.DraftGone):
        drafts.draft_publish(draft=fresh, user=None)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.PUBLISHED).count() == 1


def test_staff_who_may_only_view_see_the_published_values(client, drafted):
    from django.contrib.auth.models import Permission

    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_section"))
    client.force_login(viewer)
    html = client.get(change_url(drafted)).content.decode()
    assert "공개된 본문입니다" in html and WORD not in html and "_save_draft" not in html


def test_a_draft_keeps_only_what_it_changes_so_later_live_edits_survive_publishing(client, editor, drafted):
    assert set(Draft.of(drafted).data) == {"title", "body"}
    Section.objects.filter(pk=drafted.pk).update(order=7)  # e.g. reordered in the list meanwhile
    client.post(reverse("admin:course_section_draft_publish", args=[drafted.pk]))
    drafted.refresh_from_db()
    assert drafted.order == 7 and drafted.title == "고친 제목"


def test_a_scheduled_draft_goes_live_on_the_first_request_after_its_time_without_a_job(client, section):
    """No cron: the time is a boundary of the content version, and the first request after it publishes."""
    go_live = timezone.now() + timedelta(hours=1)
    drafts.draft_save(
        obj=Section(pk=section.pk, body="월요일 9시의 새 본문"), names=["body"], user=None, publish_at=go_live
    )
    url = section.get_absolute_url()
    assert "월요일 9시의 새 본문" not in client.get(url).content.decode()  # now cached, before the time
    with mock.patch("django.utils.timezone.now", return_value=go_live + timedelta(seconds=1)):
        page = client.get(url).content.decode()
    assert "월요일 9시의 새 본문" in page
    assert not Draft.objects.exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.PUBLISHED, user=None).count() == 1
