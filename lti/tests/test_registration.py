"""LTI Dynamic Registration: an LMS administrator pastes one URL made here; the platform and the
tool register each other; the link is signed, an hour long and good once."""

from datetime import timedelta
from unittest import mock
from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone
from lti_tool.models import LtiDeployment, LtiRegistration

from lti.tests.platform import Platform
from lti.tests.test_launch import refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def lms():
    platform = Platform(issuer=None, client_id="dynamic-client", deployment_id="dyn-1")
    yield platform
    platform.close()


def new_link():
    admin, _created = User.objects.get_or_create(username="registrar")
    admin.user_permissions.add(Permission.objects.get(codename="add_ltiregistration"))
    client = Client()
    client.force_login(admin)
    page = client.get("/lti/registration/").content.decode()
    return urlsplit(page.split('<code class="join-link">', 1)[1].split("</code>", 1)[0]).path


def opened(path, lms, token="reg-token-1"):
    query = urlencode(
        {"openid_configuration": f"{lms.url}/.well-known/openid-configuration", "registration_token": token}
    )
    return Client().get(f"{path}?{query}")


def test_the_lms_registers_the_tool_from_one_pasted_url(lms):
    response = opened(new_link(), lms)
    assert response.status_code == 200 and "LMS를 등록했습니다" in response.content.decode()
    assert f"frame-ancestors {lms.url}" in response["Content-Security-Policy"]  # shown in the LMS's dialog
    registration = LtiRegistration.objects.get()
    assert (registration.issuer, registration.client_id, registration.keyset_url) == (
        lms.url,
        "dynamic-client",
        f"{lms.url}/jwks.json",
    )
    assert LtiDeployment.objects.get(registration=registration).deployment_id == "dyn-1"
    (sent,) = lms.registrations
    assert (
        sent["initiate_login_uri"] == "http://testserver/lti/login/"
        and sent["jwks_uri"] == "http://testserver/lti/jwks/"
    )
    assert sent["redirect_uris"] == ["http://testserver/lti/launch/"]
    assert (
        sent["https://purl.imsglobal.org/spec/lti-tool-configuration"]["messages"][0]["type"] == "LtiDeepLinkingRequest"
    )


def test_a_link_is_used_once_expires_and_cannot_be_forged(lms):
    path = new_link()
    opened(path, lms)
    assert "이미 쓰였습니다" in refused(opened(path, lms))
    assert LtiRegistration.objects.count() == 1
    later = new_link()
    with mock.patch("django.core.signing.time.time", return_value=(timezone.now() + timedelta(hours=2)).timestamp()):
        assert "유효 시간" in refused(opened(later, lms))
    assert "올바른 등록 링크가 아닙니다" in refused(opened("/lti/register/made-up:token/", lms))
    assert LtiRegistration.objects.count() == 1


def test_a_platform_speaking_for_another_host_or_refusing_the_token_is_not_registered(lms):
    lms.issuer = "https://another-lms.example"
    assert "issuer" in refused(opened(new_link(), lms))
    lms.issuer = lms.url
    assert "등록을 받지 않았습니다" in refused(opened(new_link(), lms, token="wrong"))
    assert not LtiRegistration.objects.exists()


def test_only_those_allowed_to_register_platforms_get_a_link():
    client = Client()
    client.force_login(User.objects.create_user("someone"))
    assert client.get("/lti/registration/").status_code == 302  # to the login page, as for a visitor
