"""The class overview: completion per section as a heat map with its table, the learners who need
attention, the item analysis of the class's own learners, for the class's staff only."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from classes import overview
from classes.services import class_create, class_join, staff_add
from classes.tests.test_gradebook import finish, setup  # noqa: F401  (the fixture)
from learners.models import SectionProgress

pytestmark = pytest.mark.django_db


def url(klass, **query):
    return f"/classes/{klass.pk}/overview/" + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def taught(setup):  # noqa: F811
    klass, prof, quiz, second = setup
    now = timezone.now()
    alice, bora, chul = (User.objects.create_user(name) for name in ("alice", "bora", "chul"))
    for user in (alice, bora, chul):
        class_join(klass=klass, user=user)
    SectionProgress.objects.create(user=alice, section=quiz.section, completed_at=now, last_visited_at=now)
    SectionProgress.objects.create(user=bora, section=quiz.section, completed_at=now, last_visited_at=now)
    finish(quiz, alice, 1, 4, when=now)  # passes
    finish(quiz, bora, 1, 1, when=now)  # below the pass mark on both quizzes
    finish(second, bora, 1, 0, when=now)
    finish(quiz, chul, 1, 4, when=now - timedelta(days=20))  # quiet for 20 days
    client = Client()
    client.force_login(prof)
    return klass, quiz, second, (alice, bora, chul), client


def test_the_heat_map_and_its_table_give_each_section_s_share_of_the_class(taught):
    klass, quiz, second, (alice, bora, chul), client = taught
    lectures = overview.heat_map(klass, [alice.pk, bora.pk, chul.pk])
    cells = {cell.section.title: (cell.done, cell.percent, cell.shade) for _, found in lectures for cell in found}
    assert cells[quiz.section.title] == (2, 67, 3) and cells["둘째 절"] == (0, 0, 0)
    html = client.get(url(klass)).content.decode()
    assert '<svg class="heat-map"' in html and "2/3 (67%)" in html and "0/3 (0%)" in html


def test_learners_needing_attention_are_the_quiet_and_the_failing(taught):
    klass, quiz, second, (alice, bora, chul), client = taught
    html = client.get(url(klass)).content.decode()
    attention = html.split('id="attention-heading"', 1)[1].split("</section>", 1)[0]
    assert "chul" in attention and "뒤로 활동 없음" in attention
    assert "bora" in attention and "퀴즈 2개 통과 못 함" in attention
    assert "alice" not in attention


def test_the_item_analysis_counts_only_the_class_learners(taught):
    klass, quiz, second, learners, client = taught
    outsider = User.objects.create_user("outsider")
    finish(quiz, outsider, 1, 4)
    html = client.get(url(klass, quiz=quiz.pk)).content.decode()
    assert "첫 번째로 끝낸 응시 3건만" in html  # not 4: the outsider is in no class of this
    partial = client.get(url(klass, quiz=second.pk), headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="analysis"') and "첫 번째로 끝낸 응시 1건만" in partial
    assert "<html" not in partial


def test_only_the_class_staff_see_it(taught):
    klass, quiz, second, (alice, bora, chul), client = taught
    learner = Client()
    learner.force_login(alice)
    assert learner.get(url(klass)).status_code == 404
    other_prof = User.objects.create_user("other", is_staff=True, is_superuser=True)
    class_create(course=klass.course, name="B반", instructor=other_prof)
    stranger = Client()
    stranger.force_login(other_prof)
    assert stranger.get(url(klass)).status_code == 404  # global rights give no class
    assistant = User.objects.create_user("ta")
    staff_add(klass=klass, user=assistant, role="assistant")
    helper = Client()
    helper.force_login(assistant)
    assert helper.get(url(klass)).status_code == 200


def test_the_overview_asks_a_fixed_number_of_queries(taught):
    klass, quiz, second, learners, client = taught
    client.get(url(klass))
    with CaptureQueriesContext(connection) as few:
        client.get(url(klass))
    for n in range(20):
        user = User.objects.create_user(f"more{n}")
        class_join(klass=klass, user=user)
        finish(quiz, user, 1, n % 5)
        SectionProgress.objects.create(user=user, section=quiz.section, completed_at=timezone.now())
    with CaptureQueriesContext(connection) as many:
        client.get(url(klass))
    assert len(many) == len(few)


def test_the_class_staff_read_their_course_s_audit_log_and_no_other(taught):
    from core import audit
    from course.tests.builders import make_course, make_lecture, make_section

    klass, quiz, second, (alice, bora, chul), client = taught
    editor = User.objects.create_user("editor")
    audit.record(editor, audit.Action.PUBLISHED, quiz.section, detail="절을 공개함")
    audit.record(editor, audit.Action.REGRADED, quiz.questions.first(), detail="판 1 → 판 2")
    elsewhere = make_section(lecture=make_lecture(course=make_course(slug="other", title="다른 강좌")), slug="x")
    audit.record(editor, audit.Action.REVERTED, elsewhere, detail="다른 강좌의 되돌림")
    audit.record(editor, audit.Action.IMPORTED, None, detail="모든 강좌가 함께 쓰는 그림")
    page = client.get(url(klass)).content.decode()
    section = page.split('id="changes-heading"', 1)[1]
    assert "절을 공개함" in section and "판 1 → 판 2" in section and "editor" in section
    assert section.index("판 1 → 판 2") < section.index("절을 공개함")  # newest first
    assert "다른 강좌의 되돌림" not in page and "모든 강좌가 함께 쓰는 그림" not in page
    learner = Client()
    learner.force_login(alice)
    assert learner.get(url(klass)).status_code == 404
