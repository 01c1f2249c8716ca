"""Content revisions: every admin save is one, the history page compares them, and a revert is a new one."""

import pytest
import reversion
from django.contrib.auth.models import AnonymousUser, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from core.models import AuditEntry
from core.revisions import versions_of
from course import search
from course.models import Course, Diagram, Lecture, Pattern, PatternFamily, Section
from course.tests.builders import PNG_1X1, make_course, make_diagram, make_pattern, make_section
from course.tests.test_admin import section_form
from course.tests.test_import import SEED

pytestmark = pytest.mark.django_db


def save_in_admin(client, section, **changes):
    response = client.post(reverse("admin:course_section_change", args=[section.pk]), section_form(section, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    section.refresh_from_db()
    return section


def history_url(obj):
    return reverse(f"admin:course_{obj._meta.model_name}_history", args=[obj.pk])


def revert_url(obj, version):
    return reverse(f"admin:course_{obj._meta.model_name}_revert", args=[obj.pk, version.pk])


def test_content_models_are_registered_and_derived_fields_are_not_stored():
    for model in (Course, Lecture, Section, Diagram, PatternFamily, Pattern):
        assert reversion.is_registered(model)
    with reversion.create_revision():
        section = make_section(body="## 소제목\n\n본문")
    data = versions_of(section).get().serialized_data
    assert '"body": "## 소제목' in data and "body_html" not in data and "outline" not in data


def test_an_admin_save_is_one_revision_with_its_editor_and_what_changed(client, editor):
    section = save_in_admin(client, make_section(body="처음"), body="고친 본문")
    version = versions_of(section).get()
    assert version.revision.user == editor
    assert "본문 (마크다운)" in version.revision.get_comment()
    assert version.field_dict["body"] == "고친 본문"


def test_history_lists_revisions_and_compares_them_in_a_fragment_for_htmx(client, editor):
    section = save_in_admin(client, make_section(), body="첫 줄\n둘째 줄")
    save_in_admin(client, section, body="첫 줄\n바뀐 줄")
    save_in_admin(client, section, title="새 제목")
    first, second, third = versions_of(section)
    page = client.get(history_url(section)).content.decode()
    assert page.count("이전과 비교") == 3 and "editor" in page and "htmx" in page and "<html" in page
    assert "리비전 1(으)로 되돌리기" in page and 'method="post"' in page

    plain = client.get(history_url(section), {"version": second.pk}).content.decode()
    # A replaced line marks the words it changed, inside the whole line struck out or added.
    assert (
        "<html" in plain and "<del><mark>둘째</mark> 줄</del>" in plain and "<ins><mark>바뀐</mark> 줄</ins>" in plain
    )
    assert "<td>첫 줄</td>" in plain  # context, labelled 그대로

    fragment = client.get(history_url(section), {"version": third.pk}, headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert "<html" not in html and html.strip().startswith('<section id="revision-diff"')
    assert "둘째 줄" not in html and "<ins><mark>새 제목</mark></ins>" in html and "지움" in html and "더함" in html
    assert "HX-Request" in fragment["Vary"]

    against_now = client.get(history_url(section), {"version": first.pk, "against": "current"}).content.decode()
    assert "<del><mark>둘째</mark> 줄</del>" in against_now and "<ins><mark>새 제목</mark></ins>" in against_now


def test_a_changed_line_marks_only_the_words_that_changed(client, editor):
    body = "컨테이너는 가상 머신보다 가볍고 빠르게 시작합니다."
    section = save_in_admin(client, make_section(), body=f"머리 줄\n{body}\n꼬리 줄")
    save_in_admin(client, section, body=f"머리 줄\n{body.replace('빠르게', '몇 초 만에')}\n꼬리 줄")
    html = client.get(history_url(section), {"version": versions_of(section).last().pk}).content.decode()
    assert "<del>컨테이너는 가상 머신보다 가볍고 <mark>빠르게</mark> 시작합니다.</del>" in html
    assert "<ins>컨테이너는 가상 머신보다 가볍고 <mark>몇 초 만에</mark> 시작합니다.</ins>" in html
    assert "<td>머리 줄</td>" in html and "<mark>머리" not in html  # context lines are not marked


def test_revert_is_a_new_revision_by_its_editor_with_an_audit_entry(client, editor):
    section = save_in_admin(client, make_section(body="처음"), body="첫 저장")
    save_in_admin(client, section, body="둘째 저장")
    response = client.post(revert_url(section, versions_of(section).first()), follow=True)
    assert "되돌렸습니다" in response.content.decode()
    section.refresh_from_db()
    assert section.body == "첫 저장"
    latest = versions_of(section).last()
    assert versions_of(section).count() == 3 and latest.revision.user == editor
    assert latest.revision.get_comment().startswith("리비전 1(")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.REVERTED)
    assert entry.user == editor and entry.object_id == str(section.pk) and "리비전 1(" in entry.detail


def test_revert_renders_the_markdown_and_reindexes_search(client, editor):
    section = make_section(body="처음")
    save_in_admin(client, section, body="## 되살릴 소제목\n\n사라질뻔한문장")
    save_in_admin(client, section, body="## 새 소제목\n\n나중문장")
    first = versions_of(section).first()
    reader = Client()
    assert "나중문장" in reader.get(section.get_absolute_url()).content.decode()  # now cached
    client.post(revert_url(section, first))
    html = reader.get(section.get_absolute_url()).content.decode()
    assert "사라질뻔한문장" in html and "되살릴 소제목</h2>" in html and "나중문장" not in html
    assert search.find("사라질뻔한문장", AnonymousUser()) and not search.find("나중문장", AnonymousUser())


def test_revert_to_a_body_that_refers_to_a_deleted_diagram_is_refused_and_changes_nothing(client, editor):
    make_diagram(slug="old-figure")
    section = save_in_admin(client, make_section(body="처음"), body="[[diagram:old-figure]]")
    save_in_admin(client, section, body="그림 없는 본문")
    Diagram.objects.get(slug="old-figure").delete()
    count = Version.objects.count()
    response = client.post(revert_url(section, versions_of(section).first()), follow=True)
    html = response.content.decode()
    assert "되돌리지 않았습니다" in html and "[[diagram:old-figure]]" in html
    section.refresh_from_db()
    assert section.body == "그림 없는 본문" and Version.objects.count() == count
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REVERTED).exists()


def test_revert_of_a_pattern_whose_family_was_deleted_is_refused_naming_the_family(client, editor):
    old_family = PatternFamily.objects.create(slug="old", name="옛 분류", intent="옛날")
    with reversion.create_revision():
        pattern = make_pattern(family=old_family)
    with reversion.create_revision():
        old_family.save()  # the family has a revision too: its name outlives it
    pattern.family = PatternFamily.objects.create(slug="new", name="새 분류", intent="새것")
    pattern.save()
    old_family.delete()
    response = client.post(revert_url(pattern, versions_of(pattern).get()), follow=True)
    assert "패턴 분류 「옛 분류」이(가) 지워져서" in response.content.decode()
    pattern.refresh_from_db()
    assert pattern.family.slug == "new"


def test_revisions_keep_a_diagrams_fingerprint_not_its_file_and_a_revert_keeps_the_current_file(client, editor):
    with reversion.create_revision():
        diagram = make_diagram(caption="옛 캡션")
    old_hash = diagram.image_hash
    data = versions_of(diagram).get().serialized_data
    assert old_hash in data and '"image"' not in data and len(data) < 2000
    diagram.set_image(PNG_1X1 + b"\0", "other.png")
    diagram.caption = "새 캡션"
    diagram.save()
    response = client.post(revert_url(diagram, versions_of(diagram).get()), follow=True)
    assert "지금 그림 파일을 그대로 두었습니다" in response.content.decode()
    diagram.refresh_from_db()
    assert diagram.caption == "옛 캡션" and diagram.image_hash != old_hash and bytes(diagram.image) == PNG_1X1 + b"\0"


def test_staff_without_the_editors_permissions_gets_403_on_history_and_revert(client):
    with reversion.create_revision():
        section = make_section()
    version = versions_of(section).get()
    client.force_login(User.objects.create_user("staff", password="pw", is_staff=True))
    assert client.get(history_url(section)).status_code == 403
    assert client.post(revert_url(section, version)).status_code == 403
    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_section"))
    client.force_login(viewer)  # history, like drafts and previews, is for those who may change the content
    assert client.get(history_url(section)).status_code == 403
    assert client.post(revert_url(section, version)).status_code == 403


def test_revert_is_a_post_with_a_csrf_token(client, editor):
    with reversion.create_revision():
        section = make_section()
    url = revert_url(section, versions_of(section).get())
    assert client.get(url).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(url).status_code == 403
    assert versions_of(section).count() == 1


def test_an_import_is_one_revision_named_after_the_file_with_one_audit_entry(tmp_path, client, editor):
    make_course(slug="demo")
    path = tmp_path / "lecture-01.md"
    path.write_text(SEED, encoding="utf-8")
    call_command("import_lecture", str(path), course="demo", stdout=open("/dev/null", "w"))
    section = Section.objects.first()
    revision = versions_of(section).get().revision
    assert revision.comment == "가져오기: lecture-01.md" and revision.user is None
    assert revision.version_set.count() == 1 + 8 + 5  # the lecture, its sections, its diagrams
    entry = AuditEntry.objects.get(action=AuditEntry.Action.IMPORTED)
    assert entry.detail == "lecture-01.md" and entry.object_repr == str(Lecture.objects.get())
    call_command("import_lecture", str(path), course="demo", stdout=open("/dev/null", "w"))  # nothing changes
    assert AuditEntry.objects.count() == 1 and versions_of(section).count() == 1


def test_the_admins_lecture_import_is_a_revision_by_its_editor(client, editor):
    course = make_course()
    upload = SimpleUploadedFile("lecture-01.md", SEED.encode("utf-8"), content_type="text/markdown")
    client.post(reverse("admin:course_lecture_import"), {"course": course.pk, "file": upload})
    revision = versions_of(Lecture.objects.get()).get().revision
    assert revision.comment == "가져오기: lecture-01.md" and revision.user == editor
    assert AuditEntry.objects.get().user == editor


def test_content_without_revisions_gets_a_first_one_after_migrate():
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")  # a fresh database: nothing to do
    assert not Version.objects.exists()
    section = make_section()  # outside any revision, as before revisions existed
    with reversion.create_revision():
        pattern = make_pattern()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert versions_of(section).get().revision.comment == "처음 리비전"
    assert versions_of(section.lecture).count() == versions_of(section.lecture.course).count() == 1
    assert versions_of(pattern).count() == 1  # it had one already
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert versions_of(section).count() == 1


def test_load_course_and_load_quizzes_make_one_revision_each_named_after_the_file_and_none_when_unchanged():
    from quizzes.models import Question, Quiz

    call_command("load_course", verbosity=0, stdout=open("/dev/null", "w"))
    call_command("load_quizzes", verbosity=0, stdout=open("/dev/null", "w"))
    section, question = Section.objects.first(), Question.objects.first()
    course_revision = versions_of(section).get().revision
    assert course_revision.comment == "가져오기: cloud-native-patterns/course.toml" and course_revision.user is None
    assert versions_of(Pattern.objects.first()).get().revision == course_revision
    quiz_revision = versions_of(question).get().revision
    assert quiz_revision.comment == "가져오기: lecture-01.toml"
    assert versions_of(Quiz.objects.first()).get().revision == quiz_revision
    assert versions_of(question.choices.first()).exists() if question.choices.exists() else True
    imports = AuditEntry.objects.filter(action=AuditEntry.Action.IMPORTED)
    assert sorted(imports.values_list("detail", flat=True)) == ["cloud-native-patterns/course.toml", "lecture-01.toml"]

    call_command("load_course", verbosity=0, stdout=open("/dev/null", "w"))  # nothing changed: no new revision
    call_command("load_quizzes", verbosity=0, stdout=open("/dev/null", "w"))
    assert versions_of(section).count() == versions_of(question).count() == 1 and imports.count() == 2
