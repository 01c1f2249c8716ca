"""The gradebook: each learner × quiz cell graded by the class's policy, completion, last activity,
sorting, searching, paging, the htmx partial, the CSV download, and a fixed number of queries."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from classes import gradebook
from classes.models import Deadline, Extension, Membership
from classes.services import ClassError, class_create, class_join, class_leave, extension_grant
from course.tests.builders import make_lecture, make_section
from quizzes.models import Answer, Attempt
from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db
T0 = timezone.now() - timedelta(days=10)


def finish(quiz, user, number, points, when=None):
    """A finished attempt of ``quiz`` (4 questions) scoring ``points``, the credit spread on its questions."""
    when = when or T0 + timedelta(hours=number)
    attempt = Attempt.objects.create(
        quiz=quiz,
        user=user,
        number=number,
        pass_mark=quiz.pass_mark,
        question_count=4,
        started_at=when,
        finished_at=when,
    )
    for question, credit in zip(quiz.questions.all(), [min(1, max(0, points - i)) for i in range(4)], strict=True):
        Answer.objects.create(attempt=attempt, question=question, credit=credit, is_correct=credit == 1)
    return attempt


@pytest.fixture
def setup():
    prof = User.objects.create_user("prof")
    quiz = make_check()
    course = quiz.lecture.course
    second = make_check(make_section(lecture=quiz.lecture, title="둘째 절", order=2), slug="second")
    klass = class_create(course=course, name="반", instructor=prof)
    return klass, prof, quiz, second


@pytest.mark.parametrize("policy, percent", [("first", 25), ("best", 100), ("last", 50)])
def test_a_cell_is_graded_by_the_class_policy(setup, policy, percent):
    klass, prof, quiz, second = setup
    alice = User.objects.create_user("alice")
    class_join(klass=klass, user=alice)
    for number, points in enumerate([1, 4, 2], start=1):
        finish(quiz, alice, number, points)
    klass.grade_policy = policy
    klass.save()
    [row] = gradebook.rows(klass, gradebook.quizzes_of(klass))
    assert row.cells[0].score.percent == percent and row.cells[1] is None
    assert row.completion == 50 and row.attempts == 3
    client = Client()
    client.force_login(prof)
    page = client.get(reverse("classes:gradebook", args=[klass.pk])).content.decode()
    assert f"<td>{percent}%</td>" in page and "<td>50%</td>" in page


def test_the_page_sorts_searches_and_swaps_the_table_alone_for_htmx(setup):
    klass, prof, quiz, second = setup
    for name, points in [("dana", 4), ("bora", 1), ("chan", 2)]:
        user = User.objects.create_user(name)
        class_join(klass=klass, user=user)
        finish(quiz, user, 1, points)
    finish(second, User.objects.get(username="bora"), 1, 4)
    client = Client()
    client.force_login(prof)
    url = reverse("classes:gradebook", args=[klass.pk])

    def names(html):
        return [n for n in ("bora", "chan", "dana") if re.search(f'<th scope="row"><a [^>]*>{n}</a></th>', html)]

    html = client.get(url).content.decode()
    assert html.index(">bora<") < html.index(">chan<") < html.index(">dana<") and names(html) == [
        "bora",
        "chan",
        "dana",
    ]
    html = client.get(url, {"sort": "-completion"}).content.decode()
    assert html.index(">bora<") < html.index(">chan<")  # bora finished both quizzes
    html = client.get(url, {"q": "cha"}, headers={"HX-Request": "true"}).content.decode()
    assert names(html) == ["chan"] and "<html" not in html and html.lstrip().startswith('<div id="gradebook">')
    assert client.get(url, {"sort": "nonsense", "page": "x"}).status_code == 200  # bad input: the default view


def test_the_csv_opens_in_excel_with_korean_names_and_a_formula_name_neutralised(setup):
    klass, prof, quiz, second = setup
    evil = User.objects.create_user("evil", first_name='=HYPERLINK("http://x")')
    korean = User.objects.create_user("kim", first_name="김", last_name="하늘")
    for user in (evil, korean):
        class_join(klass=klass, user=user)
    finish(quiz, korean, 1, 3)
    client = Client()
    client.force_login(prof)
    response = client.get(reverse("classes:gradebook", args=[klass.pk]), {"format": "csv"})
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff") and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["이름", "아이디", "확인 문제", "확인 문제", "완료율(%)", "늦게 낸 퀴즈", "마지막 활동"]
    assert ['\'=HYPERLINK("http://x")', "evil", "", "", "0", "0", ""] in rows
    assert any(row[:4] == ["김 하늘", "kim", "75", ""] for row in rows)


def test_the_xlsx_keeps_a_formula_like_name_as_text_and_scores_as_numbers(setup):
    klass, prof, quiz, second = setup
    evil = User.objects.create_user("evil", first_name='=HYPERLINK("http://x")', last_name="\x07벨")
    korean = User.objects.create_user("kim", first_name="김", last_name="하늘")
    for user in (evil, korean):
        class_join(klass=klass, user=user)
    finish(quiz, korean, 1, 3)
    client = Client()
    client.force_login(prof)
    response = client.get(reverse("classes:gradebook", args=[klass.pk]), {"format": "xlsx"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == f'attachment; filename="gradebook-{klass.pk}.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["이름", "아이디", "확인 문제", "확인 문제", "완료율(%)", "늦게 낸 퀴즈", "마지막 활동"]
    evil_row = next(row for row in sheet.iter_rows() if row[1].value == "evil")
    # stored as the text it is, a string cell: no formula, no added quote, the bell character dropped
    assert evil_row[0].value == '=HYPERLINK("http://x") 벨' and evil_row[0].data_type == "s"
    assert any(row[:5] == ["김 하늘", "kim", 75, None, 50] for row in rows)  # numbers stay numbers


def test_the_gradebook_pages_at_100_learners_with_a_fixed_number_of_queries(setup):
    klass, prof, quiz, second = setup
    client = Client()
    client.force_login(prof)
    url = reverse("classes:gradebook", args=[klass.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    users = User.objects.bulk_create([User(username=f"l{n:03}") for n in range(5)])
    Membership.objects.bulk_create([Membership(klass=klass, user=user) for user in users])
    for user in users:
        finish(quiz, user, 1, 2)
    queries()  # the first request also reads what the process then keeps (content version, session)
    few = queries()
    users = User.objects.bulk_create([User(username=f"m{n:03}") for n in range(120)])
    Membership.objects.bulk_create([Membership(klass=klass, user=user) for user in users])
    for user in users[:20]:
        finish(second, user, 1, 3)
    assert queries() == few
    html = client.get(url).content.decode()
    assert html.count('<th scope="row">') == 100 and "1 / 2쪽" in html
    assert client.get(url, {"page": 2}).content.decode().count('<th scope="row">') == 25


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.sampled_from(["join", "leave", "answer", "extend"]), st.integers(0, 2), st.integers(0, 4)),
        max_size=14,
    )
)
def test_any_order_of_join_leave_answer_and_extend_keeps_the_gradebook_equal_to_a_recount(setup_once, steps):
    """Property: the gradebook (whole, and as its page shows it) equals a recomputation from the
    raw answers of the current members: the best attempt's score, whether it came after the
    learner's due date (their extension's if granted), completion. The fixture is shared by the
    examples: each starts by clearing the class, the extensions and the attempts."""
    klass, quiz, users = setup_once
    deadline = klass.deadlines.get()
    Membership.objects.filter(klass=klass, role="learner").delete()
    Attempt.objects.filter(quiz=quiz).delete()
    Extension.objects.all().delete()
    numbers = {}
    for action, who, points in steps:
        user = users[who]
        if action == "join":
            class_join(klass=klass, user=user)
        elif action == "leave":
            class_leave(klass=klass, user=user)
        elif action == "extend":
            try:  # 1.5 to 4.5 hours after T0, where the deadline is at 0.5 and attempts finish at 1, 2, 3…
                extension_grant(
                    deadline=deadline, user=user, due_at=T0 + timedelta(hours=points + 0.5), reason="r", by=None
                )
            except ClassError:
                pass  # not a learner of the class (now): refused, and nothing changes
        else:
            numbers[user.pk] = numbers.get(user.pk, 0) + 1
            finish(quiz, user, numbers[user.pk], points)
    members = set(Membership.objects.filter(klass=klass, role="learner").values_list("user", flat=True))
    expected = {}
    for user in users:
        if user.pk not in members:
            continue
        extension = Extension.objects.filter(deadline=deadline, user=user).first()
        due = extension.due_at if extension else deadline.due_at
        graded = [
            (round(100 * sum(a.credit for a in attempt.answers.all()) / 4), -attempt.number, attempt.finished_at)
            for attempt in Attempt.objects.filter(user=user, quiz=quiz)
        ]
        best = max(graded, default=None)
        expected[user.username] = (best[0], best[2] > due, 100) if best else (None, False, 0)

    def seen(rows):
        return {
            row.user.username: (row.cells[0].score.percent if row.cells[0] else None, row.late[0], row.completion)
            for row in rows
        }

    assert seen(gradebook.rows(klass, [quiz])) == expected
    assert seen(gradebook.page(klass)[1].object_list) == expected


@pytest.fixture
def setup_once(db):
    prof = User.objects.create_user("prof-p")
    quiz = make_check(make_section(lecture=make_lecture(), title="속성"), slug="property")
    klass = class_create(course=quiz.lecture.course, name="속성 반", instructor=prof, starts_at=T0 - timedelta(days=1))
    Deadline.objects.create(klass=klass, quiz=quiz, due_at=T0 + timedelta(minutes=30))
    return klass, quiz, [User.objects.create_user(f"p{n}") for n in range(3)]
