"""An editor changes a lesson in the admin, sees the live preview, and readers see the change."""

import pytest
from django.contrib.auth.models import Group, User

from course.apps import EDITORS_GROUP
from course.models import Section

pytestmark = pytest.mark.e2e


def test_editor_edits_a_section_with_a_live_preview_and_the_site_shows_it(page, course):
    editor = User.objects.create_user("editor", password="a-long-passphrase-1", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS_GROUP))
    section = Section.objects.get(slug="마치며")

    page.goto("/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "a-long-passphrase-1")
    page.click("input[type=submit]")
    page.goto(f"/admin/course/section/{section.pk}/change/")
    body = page.locator("#id_body")
    body.fill(body.input_value() + "\n\n## 편집자가 더한 소제목\n\n[[pattern:circuit-breaker]]와 [[diagram:없는-그림]]")
    preview = page.locator(".markdown-preview")
    preview.locator("h2", has_text="편집자가 더한 소제목").wait_for()
    assert "[[diagram:없는-그림]]" in preview.locator(".markdown-preview__problems").inner_text()

    page.click("input[name=_save]")  # refused: the diagram does not exist
    assert "찾을 수 없습니다" in page.locator(".errorlist").first.inner_text()
    body = page.locator("#id_body")
    body.fill(body.input_value().replace("와 [[diagram:없는-그림]]", "를 다시 보세요."))
    page.click("input[name=_save]")
    page.locator(".messagelist").wait_for()

    page.goto(section.get_absolute_url())
    assert page.get_by_role("heading", name="편집자가 더한 소제목").count() == 1
    assert page.locator(".prose a.xref", has_text="서킷 브레이커").count() == 1
