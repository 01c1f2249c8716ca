"""Classes: creating one, joining by link, the code, roles, leaving, and that a class's staff see
nothing of another class (each IDOR below is tried)."""

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from classes.models import Class, Membership, Role
from classes.services import class_create
from quizzes.models import Attempt
from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def instructor():
    user = User.objects.create_user("prof", first_name="김", last_name="교수")
    user.user_permissions.add(Permission.objects.get(codename="add_class"))
    return user


@pytest.fixture
def klass(shipped_course, instructor):
    return class_create(course=shipped_course, name="월요일 반", instructor=instructor)


def test_an_instructor_creates_a_class_and_gets_a_join_link_with_a_code(shipped_course, instructor):
    client = client_for(instructor)
    page = client.get(reverse("classes:list")).content.decode()
    assert "새 반 만들기" in page
    response = client.post(
        reverse("classes:list"),
        {
            "course": shipped_course.pk,
            "name": "화요일 반",
            "grade_policy": "best",
            "late_policy": "accept",
            "time_zone": "Asia/Seoul",
        },
    )
    klass = Class.objects.get(name="화요일 반")
    assert response["Location"] == klass.get_absolute_url()
    assert klass.memberships.get().role == Role.INSTRUCTOR and len(klass.code) == 8
    detail = client.get(klass.get_absolute_url()).content.decode()
    assert f"/join/{klass.code}/" in detail and klass.code in detail


def test_a_bad_time_zone_is_refused_with_a_message(shipped_course, instructor):
    response = client_for(instructor).post(
        reverse("classes:list"),
        {
            "course": shipped_course.pk,
            "name": "반",
            "grade_policy": "best",
            "late_policy": "accept",
            "time_zone": "Mars/Olympus",
        },
    )
    assert "알 수 없는 시간대입니다: Mars/Olympus" in response.content.decode() and not Class.objects.exists()


def test_without_the_right_no_one_creates_a_class(shipped_course):
    client = client_for(User.objects.create_user("learner"))
    assert "새 반 만들기" not in client.get(reverse("classes:list")).content.decode()
    response = client.post(
        reverse("classes:list"),
        {
            "course": shipped_course.pk,
            "name": "몰래",
            "grade_policy": "best",
            "late_policy": "accept",
            "time_zone": "Asia/Seoul",
        },
    )
    assert response.status_code == 403 and not Class.objects.exists()


def test_a_learner_joins_after_confirming_and_a_double_click_joins_once(klass):
    alice = User.objects.create_user("alice")
    client = client_for(alice)
    page = client.get(klass.get_join_url()).content.decode()
    assert "이 반에 참여하기" in page and not Membership.objects.filter(user=alice).exists()  # GET never joins
    client.post(klass.get_join_url())
    client.post(klass.get_join_url())
    assert Membership.objects.get(user=alice).role == Role.LEARNER
    assert "이미 이 반의 구성원입니다" in client.get(klass.get_join_url()).content.decode()


def test_a_visitor_is_asked_to_log_in_or_sign_up_and_comes_back_to_the_link(klass):
    client = Client()
    page = client.get(klass.get_join_url()).content.decode()
    assert f"/accounts/login/?next=%2Fjoin%2F{klass.code}%2F" in page and "가입" in page
    client.post(klass.get_join_url())
    assert Membership.objects.count() == 1  # only the instructor: a visitor cannot join


def test_a_changed_code_stops_the_old_link_and_a_closed_class_refuses_joining(klass, instructor):
    old = klass.get_join_url()
    staff = client_for(instructor)
    staff.post(reverse("classes:code", args=[klass.pk]), {"action": "change"})
    klass.refresh_from_db()
    assert klass.get_join_url() != old
    bob = client_for(User.objects.create_user("bob"))
    assert bob.get(old).status_code == 404 and bob.post(old).status_code == 404
    staff.post(reverse("classes:code", args=[klass.pk]), {"action": "close"})
    response = bob.post(klass.get_join_url(), follow=True)
    assert "이 반은 지금 참여를 받지 않습니다" in response.content.decode()
    assert not Membership.objects.filter(user__username="bob").exists()


def test_a_learner_in_several_classes_leaves_one_and_keeps_their_records(klass, shipped_course, instructor):
    other = class_create(course=shipped_course, name="수요일 반", instructor=instructor)
    alice = User.objects.create_user("alice")
    for each in (klass, other):
        Membership.objects.create(klass=each, user=alice)
    quiz = make_check()
    Attempt.objects.create(quiz=quiz, user=alice, pass_mark=quiz.pass_mark)
    client = client_for(alice)
    response = client.post(reverse("classes:leave", args=[klass.pk]), follow=True)
    assert "반을 떠났습니다" in response.content.decode()
    assert list(Membership.objects.filter(user=alice).values_list("klass", flat=True)) == [other.pk]
    assert Attempt.objects.filter(user=alice).count() == 1


def test_the_instructor_adds_a_teaching_assistant_who_sees_the_gradebook_but_cannot_manage(klass, instructor):
    ta = User.objects.create_user("ta")
    client_for(instructor).post(reverse("classes:staff-add", args=[klass.pk]), {"username": "ta", "role": "assistant"})
    assert klass.role_of(ta) == Role.ASSISTANT
    client = client_for(ta)
    assert client.get(reverse("classes:gradebook", args=[klass.pk])).status_code == 200
    code = klass.code
    assert client.post(reverse("classes:code", args=[klass.pk]), {"action": "change"}).status_code == 404
    klass.refresh_from_db()
    assert klass.code == code


def test_adding_an_unknown_user_as_staff_says_so(klass, instructor):
    response = client_for(instructor).post(
        reverse("classes:staff-add", args=[klass.pk]), {"username": "nobody", "role": "assistant"}, follow=True
    )
    assert "그런 아이디의 사용자가 없습니다" in response.content.decode()


def test_the_instructor_of_class_a_sees_and_changes_nothing_of_class_b(klass, shipped_course):
    """IDOR: every URL of class B, tried by A's instructor, a global staff account and B's learner."""
    b_owner = User.objects.create_user("b-prof")
    b = class_create(course=shipped_course, name="B 반", instructor=b_owner)
    learner = User.objects.create_user("b-learner")
    membership = Membership.objects.create(klass=b, user=learner)
    a_owner = klass.memberships.get().user
    global_staff = User.objects.create_user("staff", is_staff=True)
    for intruder in (a_owner, global_staff):
        client = client_for(intruder)
        assert client.get(b.get_absolute_url()).status_code == 404
        assert client.get(reverse("classes:gradebook", args=[b.pk])).status_code == 404
        assert client.get(reverse("classes:gradebook", args=[b.pk]) + "?format=csv").status_code == 404
        assert client.post(reverse("classes:code", args=[b.pk]), {"action": "close"}).status_code == 404
        assert (
            client.post(
                reverse("classes:staff-add", args=[b.pk]), {"username": intruder.username, "role": "co_instructor"}
            ).status_code
            == 404
        )
        assert client.post(reverse("classes:member-remove", args=[b.pk, membership.pk])).status_code == 404
        # a membership of B named under class A's URL is not found either
        assert client.post(reverse("classes:member-remove", args=[klass.pk, membership.pk])).status_code in (404,)
    b.refresh_from_db()
    assert b.joining_open and Membership.objects.filter(pk=membership.pk).exists() and b.role_of(a_owner) is None
    # B's own learner sees the class page but not its gradebook or members
    client = client_for(learner)
    page = client.get(b.get_absolute_url()).content.decode()
    assert "이 반 떠나기" in page and "b-prof" not in page
    assert client.get(reverse("classes:gradebook", args=[b.pk])).status_code == 404


def test_the_instructor_removes_a_learner_and_cannot_be_removed(klass, instructor):
    alice = User.objects.create_user("alice")
    membership = Membership.objects.create(klass=klass, user=alice)
    client = client_for(instructor)
    client.post(reverse("classes:member-remove", args=[klass.pk, membership.pk]))
    assert not Membership.objects.filter(user=alice).exists()
    own = klass.memberships.get(user=instructor)
    response = client.post(reverse("classes:member-remove", args=[klass.pk, own.pk]), follow=True)
    assert (
        "담당 교수자는 반에서 뺄 수 없습니다" in response.content.decode()
        and klass.memberships.filter(user=instructor).exists()
    )
