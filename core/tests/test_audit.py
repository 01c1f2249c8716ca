"""The audit log's admin page: read-only, newest first, filterable, for those allowed to read it."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

from core import audit
from course.apps import EDITORS_GROUP
from course.tests.builders import make_section

pytestmark = pytest.mark.django_db
URL = reverse("admin:core_auditentry_changelist")


def test_the_editors_group_may_read_the_audit_log_and_nothing_more_of_core():
    permissions = Group.objects.get(name=EDITORS_GROUP).permissions.filter(content_type__app_label="core")
    assert list(permissions.values_list("codename", flat=True)) == ["view_auditentry"]


def test_editors_see_entries_newest_first_with_a_link_to_what_still_exists(client, editor):
    section = make_section(title="살아 있는 절")
    gone = make_section(section.lecture, title="지운 절", slug="gone")
    audit.record(editor, audit.Action.IMPORTED, gone, detail="lecture-01.md")
    audit.record(editor, audit.Action.REVERTED, section, detail="리비전 1(2026-12-01 10:00)으로 되돌림")
    gone.delete()
    html = client.get(URL).content.decode()
    assert html.index("리비전 1(") < html.index("lecture-01.md")
    change = reverse("admin:course_section_change", args=[section.pk])
    assert f'<a href="{change}">살아 있는 절</a>' in html
    assert "지운 절" in html and reverse("admin:course_section_change", args=[gone.pk]) not in html
    assert "되돌림" in html and "가져오기" in html  # the actions, by name


def test_the_log_is_filtered_by_action_and_paginated(client, editor):
    for n in range(55):
        audit.record(editor, audit.Action.PUBLISHED, detail=f"공개 {n}")
    audit.record(editor, audit.Action.REGRADED, detail="재채점 기록")
    html = client.get(URL, {"action__exact": "regraded"}).content.decode()
    assert "재채점 기록" in html and "공개 1" not in html
    first_page = client.get(URL).content.decode()
    assert "공개 54" in first_page and "공개 0<" not in first_page and "?p=2" in first_page


def test_nobody_adds_changes_or_deletes_an_entry(client, editor):
    entry = audit.record(editor, audit.Action.PUBLISHED)
    admin = User.objects.create_superuser("root", password="pw")
    client.force_login(admin)
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    assert client.get(reverse("admin:core_auditentry_delete", args=[entry.pk])).status_code == 403
    page = client.get(reverse("admin:core_auditentry_change", args=[entry.pk])).content.decode()
    assert 'type="submit"' not in page.split('id="content-main"', 1)[1]  # shown read-only
    client.post(reverse("admin:core_auditentry_change", args=[entry.pk]), {"detail": "고침"})
    entry.refresh_from_db()
    assert entry.detail == ""


def test_staff_without_the_permission_may_not_read_it(client):
    staff = User.objects.create_user("staff", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="change_section"))
    client.force_login(staff)
    assert client.get(URL).status_code == 403
    client.logout()
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_each_entry_names_its_course_and_the_log_filters_by_it(client, editor):
    section = make_section(title="한 강좌의 절")
    entry = audit.record(editor, audit.Action.PUBLISHED, section)
    course = section.lecture.course
    assert (entry.course_pk, entry.course_title) == (course.pk, course.title)
    shared = audit.record(editor, audit.Action.IMPORTED, None, detail="공유 그림")
    assert (shared.course_pk, shared.course_title) == (None, "")
    html = client.get(URL, {"course": course.pk}).content.decode()
    assert "한 강좌의 절" in html and "공유 그림" not in html
