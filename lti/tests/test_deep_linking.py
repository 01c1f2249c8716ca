"""Deep Linking 2.0: an instructor in the LMS's content picker chooses lectures and quizzes here;
the tool posts back signed content items that the platform verifies, a quiz with its line item."""

import re

import pytest
from django.test import Client
from lti_tool.models import Key

from lti.tests.test_launch import launch, refused
from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


@pytest.fixture
def check(section):
    return make_check(section)


def picking(platform, section, multiple=True):
    client = Client()
    response, _ = launch(client, platform, section, roles=("Instructor",), **platform.deep_linking(multiple))
    assert response.status_code == 302 and response["Location"] == "/lti/pick/"
    platform.tool_keys = [key.public_key for key in Key.objects.active()]
    return client


def test_an_instructor_picks_a_lecture_and_a_quiz_and_the_platform_gets_them_signed(platform, section, check):
    client = picking(platform, section)
    page = client.get("/lti/pick/").content.decode()
    assert "LMS에 넣을 강의와 퀴즈 고르기" in page and check.title in page
    partial = client.get("/lti/pick/?q=없는말", headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="choices"') and "맞는 퀴즈가 없습니다" in partial
    lecture = section.lecture
    response = client.post("/lti/pick/", {"item": [f"lecture-{lecture.pk}", f"quiz-{check.pk}"]})
    html = response.content.decode()
    assert f'action="{platform.url}/deep-link-return"' in html
    assert f"form-action 'self' {platform.url}" in response["Content-Security-Policy"]
    token = re.search(r'name="JWT" value="([^"]+)"', html).group(1)
    claims = platform.verified_deep_link(token)
    assert claims["iss"] == platform.client_id and claims[DL + "data"] == "opaque-platform-data"
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    assert claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == platform.deployment_id
    lecture_item, quiz_item = claims[DL + "content_items"]
    assert lecture_item["type"] == "ltiResourceLink" and lecture_item["url"].endswith(lecture.get_absolute_url())
    assert quiz_item["url"].endswith(section.get_absolute_url())  # a knowledge check opens with its lesson
    assert quiz_item["lineItem"] == {"scoreMaximum": 4, "label": check.title, "resourceId": f"quiz-{check.pk}"}
    assert client.post("/lti/pick/", {"item": [f"quiz-{check.pk}"]}).status_code == 403  # used once


def test_a_platform_taking_one_item_gets_a_clear_message_for_two(platform, section, check):
    client = picking(platform, section, multiple=False)
    response = client.post("/lti/pick/", {"item": [f"lecture-{section.lecture.pk}", f"quiz-{check.pk}"]})
    assert response.status_code == 400 and "하나만 고르세요" in response.content.decode()
    nothing = client.post("/lti/pick/", {})
    assert nothing.status_code == 400 and "하나 이상 고르세요" in nothing.content.decode()
    assert client.post("/lti/pick/", {"item": [f"quiz-{check.pk}"]}).status_code == 200  # the choice still open


def test_a_learner_cannot_open_the_content_picker(platform, section):
    response, _ = launch(Client(), platform, section, roles=("Learner",), **platform.deep_linking())
    assert "교수자만" in refused(response)
    assert Client().get("/lti/pick/").status_code == 302  # not signed in: to the login page


def test_a_search_keeps_what_was_ticked_outside_it(platform, section, check):
    client = picking(platform, section)
    ticked = f"lecture-{section.lecture.pk}"
    partial = client.get("/lti/pick/", {"q": "없는말", "item": [ticked]}, headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert f'value="{ticked}" id="pick-lecture-{section.lecture.pk}" checked' in html  # kept, still ticked
    assert f'value="quiz-{check.pk}"' not in html and "맞는 퀴즈가 없습니다" in html  # the rest filtered
