"""Linking an LMS identity to the account its holder already had here: proved by that account's
password, once, only before the LMS-made account has learning records of its own."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from lti_tool.models import LtiUser

from classes.models import Membership
from learners.models import SectionProgress
from lti.tests.test_launch import launch

pytestmark = pytest.mark.django_db
PASSWORD = "an-old-password-1"


@pytest.fixture
def old_account():
    return User.objects.create_user("minji", password=PASSWORD, email="minji@example.org")


def test_the_lms_identity_moves_onto_the_old_account_and_later_launches_sign_it_in(platform, section, old_account):
    client = Client()
    response, _ = launch(client, platform, section)
    page = client.get(response["Location"]).content.decode()
    assert "원래 계정이 있었다면 /lti/link/" in page  # told on the first launch
    made = LtiUser.objects.get(sub="student-1").auth_user
    response = client.post("/lti/link/", {"username": "minji", "password": PASSWORD}, follow=True)
    assert "LMS 신원을 이 계정에 연결했습니다" in response.content.decode()
    assert LtiUser.objects.get(sub="student-1").auth_user == old_account
    assert not User.objects.filter(pk=made.pk).exists()  # the made account is gone
    assert Membership.objects.get(user=old_account).role == "learner"  # its class place moved
    again = Client()
    launch(again, platform, section)
    assert again.get("/me/").context["user"] == old_account
    assert again.get("/lti/link/").status_code == 404  # once: the old account is no LMS-made one


def test_a_wrong_password_or_existing_records_change_nothing(platform, section, old_account):
    client = Client()
    launch(client, platform, section)
    made = LtiUser.objects.get(sub="student-1").auth_user
    response = client.post("/lti/link/", {"username": "minji", "password": "wrong"})
    assert response.status_code == 200 and LtiUser.objects.get(sub="student-1").auth_user == made
    SectionProgress.objects.create(user=made, section=section)
    response = client.post("/lti/link/", {"username": "minji", "password": PASSWORD}, follow=True)
    assert "이미 학습 기록이 생겨 연결할 수 없습니다" in response.content.decode()
    assert LtiUser.objects.get(sub="student-1").auth_user == made and User.objects.filter(pk=made.pk).exists()


def test_an_account_made_here_has_no_linking_page(old_account):
    client = Client()
    client.force_login(old_account)
    assert client.get("/lti/link/").status_code == 404
