"""The LMS roster into the class (NRPS): on a launch at most daily, and when its staff ask;
paged, with roles, never matching accounts by e-mail; a learner the LMS drops leaves the class."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from lti_tool.models import Key, LtiUser

from classes.models import Membership
from lti.models import ContextClass
from lti.tests.platform import ROLES
from lti.tests.test_launch import launch

pytestmark = pytest.mark.django_db


def member(sub, role="Learner", **more):
    return {"user_id": sub, "status": "Active", "roles": [ROLES + role], "name": f"이름 {sub}", **more}


def roster_of(klass):
    return {LtiUser.objects.get(auth_user=m.user).sub: m.role for m in Membership.objects.filter(klass=klass)}


def test_a_launch_brings_the_roster_once_a_day(platform, section, django_capture_on_commit_callbacks):
    platform.roster = [
        member("prof", "Instructor"),
        member("s1"),
        member("s2"),
        member("s3", email="owner@univ.example"),
    ]
    User.objects.create_user("owner", email="owner@univ.example")  # never matched by e-mail
    platform.tool_keys = [Key.objects.generate().public_key]  # the tool's key, known to the platform
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response, _ = launch(client, platform, section, sub="prof", roles=("Instructor",), **platform.nrps())
    assert response.status_code == 302
    cc = ContextClass.objects.get()
    assert cc.roster_synced_at is not None and cc.roster_error == ""  # paged: two members a page
    assert roster_of(cc.klass) == {"prof": "instructor", "s1": "learner", "s2": "learner", "s3": "learner"}
    assert User.objects.get(username="owner").class_memberships.count() == 0
    platform.roster = [member("prof", "Instructor"), member("s1"), member("s2", "Instructor#TeachingAssistant")]
    with django_capture_on_commit_callbacks(execute=True):
        launch(Client(), platform, section, sub="s1", **platform.nrps())
    assert "s3" in roster_of(cc.klass)  # synced less than a day ago: not again
    ContextClass.objects.update(roster_tried_at=timezone.now() - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        launch(Client(), platform, section, sub="s1", **platform.nrps())
    assert roster_of(cc.klass) == {"prof": "instructor", "s1": "learner", "s2": "assistant"}  # s3 left
    platform.roster.append(member("s4"))  # and the staff ask for it at once
    page = client.post(f"/lti/classes/{cc.klass.pk}/roster/", follow=True).content.decode()
    assert "명단을 가져왔습니다: 1명 들어옴, 0명 역할 바뀜, 0명 나감." in page and "LMS 강좌와 명단" in page


def test_a_platform_that_is_down_changes_nothing_and_the_staff_are_told(platform, section):
    platform.roster = [member("prof", "Instructor"), member("s1")]
    platform.tool_keys = [Key.objects.generate().public_key]
    client = Client()
    platform.down = 1  # down for the launch's own roster read, after its redirect: the launch goes on
    response, _ = launch(client, platform, section, sub="prof", roles=("Instructor",), **platform.nrps())
    cc = ContextClass.objects.get()
    assert response.status_code == 302 and "503" in cc.roster_error and cc.roster_synced_at is None
    platform.down = 1
    page = client.post(f"/lti/classes/{cc.klass.pk}/roster/", follow=True).content.decode()
    assert "LMS에서 명단을 가져오지 못했습니다" in page and roster_of(cc.klass) == {"prof": "instructor"}
    assert "LMS 명단 지금 가져오기" in page


def test_only_the_class_s_managing_staff_may_sync(platform, section):
    launch(Client(), platform, section, sub="prof", roles=("Instructor",), **platform.nrps())
    cc = ContextClass.objects.get()
    learner = Client()
    launch(learner, platform, section, sub="s9", **platform.nrps())
    assert learner.post(f"/lti/classes/{cc.klass.pk}/roster/").status_code == 404
    stranger = Client()
    stranger.force_login(User.objects.create_superuser("root", password="pw-root-1"))
    assert stranger.post(f"/lti/classes/{cc.klass.pk}/roster/").status_code == 404


def test_short_role_names_count_and_staff_the_lms_drops_lose_the_class(platform, section):
    platform.tool_keys = [Key.objects.generate().public_key]
    platform.roster = [member("prof", "Instructor"), member("ta", "Instructor#TeachingAssistant")]
    client = Client()
    launch(client, platform, section, sub="prof", roles=("Instructor",), **platform.nrps())
    cc = ContextClass.objects.get()
    client.post(f"/lti/classes/{cc.klass.pk}/roster/")
    assert roster_of(cc.klass) == {"prof": "instructor", "ta": "assistant"}
    platform.roster = [
        {"user_id": "prof", "status": "Active", "roles": ["Instructor"]},  # NRPS's short names
        {"user_id": "s5", "status": "Active", "roles": ["Learner"]},
        {
            "user_id": "odd",
            "status": "Active",
            "roles": ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"],
        },
    ]
    client.post(f"/lti/classes/{cc.klass.pk}/roster/")
    assert roster_of(cc.klass) == {
        "prof": "instructor",
        "s5": "learner",
    }  # the assistant is gone; an institution role is no course role
    site_staff = User.objects.create_user("site-ta")
    Membership.objects.create(klass=cc.klass, user=site_staff, role="assistant")
    platform.roster = [{"user_id": "prof", "status": "Active", "roles": ["Learner"]}]  # demoted in the LMS
    client.post(f"/lti/classes/{cc.klass.pk}/roster/")
    assert Membership.objects.get(klass=cc.klass, user=site_staff).role == "assistant"  # added here: stays
    assert Membership.objects.get(klass=cc.klass, user__lti_users__sub="prof").role == "learner"


def test_the_launch_s_roster_read_waits_until_its_redirect_is_sent():
    from lti.launch import Launch, Redirect

    done = []
    response = Redirect(Launch(launch=None, course=None, target="/courses/", quiz=None, after=lambda: done.append(1)))
    assert response.status_code == 302 and response["Location"] == "/courses/" and done == []
    response.close()  # what the WSGI server does once the browser has the response
    assert done == [1]
