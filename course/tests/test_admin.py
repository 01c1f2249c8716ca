"""Authoring in the admin: a content editor (not a superuser) changes what readers see."""

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEntry
from course.models import Diagram, Lecture, Section
from course.tests.builders import make_course, make_lecture, make_section
from course.tests.test_import import SEED
from course.tests.test_svg import TOO_DEEP, TOO_MANY

pytestmark = pytest.mark.django_db


def section_form(section, **changes):
    data = {
        "lecture": section.lecture_id,
        "title": section.title,
        "slug": section.slug,
        "order": section.order,
        "is_published": "on" if section.is_published else "",
        "body": section.body,
    }
    data.update(changes)
    return data


def test_editor_edits_a_section_and_readers_see_the_change(client, editor):
    section = make_section(body="처음 본문")
    url = reverse("admin:course_section_change", args=[section.pk])
    response = client.post(url, section_form(section, body="## 고친 소제목\n\n고친 본문"))
    assert response.status_code == 302
    client.logout()
    html = client.get(section.get_absolute_url()).content.decode()
    assert "고친 본문" in html and "고친 소제목</h2>" in html and "처음 본문" not in html


def test_saving_a_broken_reference_is_refused_with_a_message_and_keeps_the_page(client, editor):
    section = make_section(body="멀쩡한 본문")
    url = reverse("admin:course_section_change", args=[section.pk])
    response = client.post(url, section_form(section, body="[[diagram:없는-그림]]"))
    assert response.status_code == 200
    assert "[[diagram:없는-그림]]" in response.content.decode() and "찾을 수 없습니다" in response.content.decode()
    section.refresh_from_db()
    assert section.body == "멀쩡한 본문"


def test_lecture_change_page_has_sections_inline(client, editor):
    lecture = make_lecture()
    make_section(lecture, "인라인 절")
    html = client.get(reverse("admin:course_lecture_change", args=[lecture.pk])).content.decode()
    assert "인라인 절" in html and "sections-TOTAL_FORMS" in html and "data-markdown-preview" in html


def test_preview_renders_with_the_same_pipeline_and_reports_problems(client, editor):
    url = reverse("admin:course-markdown-preview")
    data = client.post(url, {"text": "## 제목\n\n<script>x</script>[[pattern:없음]]"}).json()
    assert '<h2 id="제목">제목</h2>' in data["html"] and "<script" not in data["html"]
    assert any("[[pattern:없음]]" in p for p in data["problems"])


def test_preview_is_staff_only(client):
    client.force_login(User.objects.create_user("learner", password="pw"))
    response = client.post(reverse("admin:course-markdown-preview"), {"text": "x"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_publish_and_unpublish_actions(client, editor):
    section = make_section()
    url = reverse("admin:course_section_changelist")
    client.post(url, {"action": "unpublish", "_selected_action": [section.pk]})
    section.refresh_from_db()
    assert not section.is_published
    client.post(url, {"action": "publish", "_selected_action": [section.pk]})
    section.refresh_from_db()
    assert section.is_published
    client.post(url, {"action": "publish", "_selected_action": [section.pk]})  # already published: no entry
    entries = AuditEntry.objects.order_by("at", "id").values_list("action", "user_name", "object_repr")
    assert list(entries) == [("unpublished", "editor", section.title), ("published", "editor", section.title)]


def test_import_upload_runs_the_importer(client, editor):
    course = make_course()
    upload = SimpleUploadedFile("lecture-01.md", SEED.encode("utf-8"), content_type="text/markdown")
    response = client.post(reverse("admin:course_lecture_import"), {"course": course.pk, "file": upload}, follow=True)
    assert response.status_code == 200
    assert Lecture.objects.get().sections.count() == 8
    assert "새 절 8" in response.content.decode()


def test_import_upload_of_a_broken_file_shows_the_error_and_changes_nothing(client, editor):
    course = make_course()
    upload = SimpleUploadedFile("bad.md", "# 형식이 틀림".encode(), content_type="text/markdown")
    response = client.post(reverse("admin:course_lecture_import"), {"course": course.pk, "file": upload})
    assert response.status_code == 200 and "### N강&#x27; 형식이어야" in response.content.decode()
    assert not Lecture.objects.exists()


def test_diagram_upload_sanitises_svg_and_shows_a_thumbnail(client, editor):
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 50" '
        b'onload="alert(1)"><script>alert(2)</script><a xlink:href="javascript:alert(3)"><rect width="10" '
        b'height="10" onclick="alert(4)"/></a><foreignObject><div>x</div></foreignObject>'
        b'<image href="https://evil.example/x.png"/><style>@import url(https://evil.example/a.css); '
        b".a{fill:url(https://evil.example/b)}</style><text>hello</text></svg>"
    )
    data = {"slug": "new", "title": "새 그림", "alt_text": "설명", "caption": "", "credit": "", "source_url": ""}
    data["upload"] = SimpleUploadedFile("x.svg", svg, content_type="image/svg+xml")
    response = client.post(reverse("admin:course_diagram_add"), data)
    assert response.status_code == 302
    diagram = Diagram.objects.get(slug="new")
    stored = bytes(diagram.image).decode()
    for bad in ("onload", "<script", "javascript:", "onclick", "foreignObject", "evil.example", "@import"):
        assert bad not in stored
    assert "hello" in stored and (diagram.width, diagram.height) == (100, 50)
    html = client.get(reverse("admin:course_diagram_change", args=[diagram.pk])).content.decode()
    assert diagram.image_url.replace("?", "?") in html


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"GIF89a....", "SVG, PNG, JPEG, WebP"),
        (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"/>', "DOCTYPE"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><g></svg>', "SVG 파일을 읽을 수 없습니다"),
        (TOO_DEEP, "SVG 파일의 요소가 너무 깊이 겹쳐 있습니다"),
        (TOO_MANY, "SVG 파일의 요소가 너무 많습니다"),
    ],
    ids=["gif", "doctype", "malformed", "50,000 nested groups", "20,001 elements"],
)
def test_bad_diagram_files_get_a_clear_message(client, editor, payload, message):
    data = {"slug": "bad", "title": "그림", "alt_text": "설명", "caption": "", "credit": "", "source_url": ""}
    data["upload"] = SimpleUploadedFile("x.bin", payload)
    response = client.post(reverse("admin:course_diagram_add"), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Diagram.objects.filter(slug="bad").exists()


def test_diagram_alt_text_is_required(client, editor):
    data = {"slug": "noalt", "title": "그림", "alt_text": "", "caption": "", "credit": "", "source_url": ""}
    response = client.post(reverse("admin:course_diagram_add"), data)
    assert response.status_code == 200 and not Diagram.objects.exists()


def test_a_learner_cannot_reach_the_admin(client):
    client.force_login(User.objects.create_user("learner", password="pw"))
    section = make_section()
    response = client.get(reverse("admin:course_section_change", args=[section.pk]))
    assert response.status_code == 302
    assert Section.objects.get().body == "본문"


def test_a_diagram_still_shown_in_a_section_cannot_be_deleted(client, editor):
    from course.tests.builders import make_diagram

    diagram = make_diagram(slug="used")
    make_section(body="[[diagram:used]]", title="그림 있는 절")
    url = reverse("admin:course_diagram_delete", args=[diagram.pk])
    html = client.get(url).content.decode()
    assert "그림 있는 절" in html and "참조를 먼저 지우세요" in html
    client.post(url, {"post": "yes"})
    assert Diagram.objects.filter(pk=diagram.pk).exists()


def test_an_unused_pattern_can_be_deleted(client, editor):
    from course.models import Pattern
    from course.tests.builders import make_pattern

    pattern = make_pattern()
    response = client.post(reverse("admin:course_pattern_delete", args=[pattern.pk]), {"post": "yes"})
    assert response.status_code == 302 and not Pattern.objects.exists()


def test_preview_and_import_need_change_permission_on_content(client):
    client.force_login(User.objects.create_user("bare-staff", password="pw", is_staff=True))
    preview = client.post(reverse("admin:course-markdown-preview"), {"text": "본문"})
    assert preview.status_code == 403
    upload = client.get(reverse("admin:course_lecture_import"))
    assert upload.status_code in (302, 403) and "강의 가져오기" not in upload.content.decode()


def test_the_preview_answers_crafted_input_at_once_and_refuses_what_is_too_long(client, editor):
    import time

    url = reverse("admin:course-markdown-preview")
    started = time.perf_counter()
    response = client.post(url, {"text": "[[pattern:a" * 3000})  # 33 KB: 28 s before
    assert response.status_code == 200 and time.perf_counter() - started < 3.0
    too_long = client.post(url, {"text": "가" * 50_001})
    assert too_long.status_code == 413 and "50000자까지만" in too_long.json()["problems"][0]
