"""LTI 1.3 launches from a test platform on the wire (its JWKS over real HTTP): a learner and the
course's staff arrive signed in, in the class their LMS course became; every forged, stale,
replayed or misdirected launch is refused with a clear page and nothing recorded."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from lti_tool.models import LtiDeployment, LtiUser

from classes.models import Class, Membership
from lti.models import UsedNonce
from lti.tests.platform import LTI, authorisation_request, rsa_key

pytestmark = pytest.mark.django_db


def target(section):
    return f"http://testserver{section.get_absolute_url()}"


def start(client, platform, section, **login):
    """The platform's login initiation; the tool checks its cookie comes back, then sends the
    browser to the platform."""
    checking = client.get("/lti/login/", platform.login_params(target(section), **login))
    assert checking.status_code == 302 and "cookie_check=1" in checking["Location"]
    request = authorisation_request(client.get(checking["Location"]))
    assert request["redirect_uri"] == "http://testserver/lti/launch/" and request["client_id"] == platform.client_id
    return request


def launch(client, platform, section, token=None, state=None, **claims):
    request = start(client, platform, section)
    token = token or platform.id_token(platform.claims(request["nonce"], target(section), **claims))
    return client.post("/lti/launch/", {"id_token": token, "state": state or request["state"]}), token


def recorded():
    return (User.objects.count(), LtiUser.objects.count(), Membership.objects.count(), LtiDeployment.objects.count())


def test_a_learner_arrives_signed_in_in_the_class_their_lms_course_became(platform, section):
    client = Client()
    response, _ = launch(client, platform, section)
    assert response.status_code == 302 and response["Location"] == section.get_absolute_url()
    user = LtiUser.objects.get(sub="student-1").auth_user
    assert user.username.startswith("lti-") and user.first_name == "민지" and not user.has_usable_password()
    page = client.get(section.get_absolute_url()).content.decode()
    assert "로그아웃" in page  # signed in
    klass = Class.objects.get()
    assert klass.name == "클라우드 네이티브 2026 봄" and klass.course == section.lecture.course
    assert Membership.objects.get(klass=klass, user=user).role == "learner"
    again, _ = launch(Client(), platform, section)  # the next launch: the same account, the same class
    assert again.status_code == 302 and User.objects.count() == 1 and Class.objects.count() == 1


def test_an_account_is_never_matched_by_e_mail(platform, section):
    owner = User.objects.create_user("owner", email="student-1@univ.example.ac.kr", password="pw-of-the-owner")
    launch(Client(), platform, section)
    arrived = LtiUser.objects.get(sub="student-1").auth_user
    assert arrived != owner and Membership.objects.filter(user=owner).count() == 0


def test_instructors_and_assistants_become_the_class_staff(platform, section):
    for sub, roles in (
        ("prof", ("Instructor",)),
        ("prof-2", ("Instructor",)),
        ("ta", ("Instructor#TeachingAssistant",)),
    ):
        response, _ = launch(Client(), platform, section, sub=sub, roles=roles)
        assert response.status_code == 302
    found = {LtiUser.objects.get(auth_user=m.user).sub: m.role for m in Membership.objects.select_related("user")}
    assert found == {"prof": "instructor", "prof-2": "co_instructor", "ta": "assistant"}
    staff = Client()
    staff.force_login(LtiUser.objects.get(sub="prof").auth_user)
    assert staff.get(f"/classes/{Class.objects.get().pk}/gradebook/").status_code == 200


def refused(response):
    assert response.status_code == 400, response.status_code
    page = response.content.decode()
    assert "LMS에서 열지 못했습니다" in page
    return page


@pytest.mark.parametrize(
    "attack",
    [
        "another key",
        "unknown key id",
        "expired",
        "wrong audience",
        "missing claim",
        "unknown message type",
        "deep linking, not yet taken",
    ],
)
def test_a_forged_or_malformed_launch_is_refused_and_nothing_is_recorded(platform, section, attack):
    client = Client()
    request = start(client, platform, section)
    claims = platform.claims(request["nonce"], target(section))
    key = kid = None
    if attack == "another key":
        key = rsa_key()
    elif attack == "unknown key id":
        kid = "no-such-key"
    elif attack == "expired":
        claims["exp"] = claims["iat"] - 60
    elif attack == "wrong audience":
        claims["aud"] = "another-tool"
    elif attack == "missing claim":
        del claims[LTI + "resource_link"]
    elif attack == "unknown message type":
        claims[LTI + "message_type"] = "LtiStartProctoring"
    else:
        claims[LTI + "message_type"] = "LtiDeepLinkingRequest"
        claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
            "deep_link_return_url": f"{platform.url}/deep-link",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe"],
        }
    before = recorded()
    response = client.post(
        "/lti/launch/", {"id_token": platform.id_token(claims, key=key, kid=kid), "state": request["state"]}
    )
    refused(response)
    assert recorded() == before and not UsedNonce.objects.exists()
    assert "로그아웃" not in client.get(section.get_absolute_url()).content.decode()


def test_a_replayed_id_token_is_refused_even_with_a_fresh_state(platform, section):
    client = Client()
    response, token = launch(client, platform, section)
    assert response.status_code == 302
    before = recorded()
    # the same id_token posted again in the same browser, after a new login initiation
    fresh = start(client, platform, section)
    page = refused(client.post("/lti/launch/", {"id_token": token, "state": fresh["state"]}))
    assert "이미 한 번 쓴 실행 요청" in page
    assert recorded() == before
    # and in another browser that never logged in: no state of its own
    refused(Client().post("/lti/launch/", {"id_token": token, "state": fresh["state"]}))


def test_a_state_that_is_not_this_browser_s_is_refused(platform, section):
    client = Client()
    request = start(client, platform, section)
    token = platform.id_token(platform.claims(request["nonce"], target(section)))
    before = recorded()
    refused(client.post("/lti/launch/", {"id_token": token, "state": "state-from-elsewhere"}))
    assert recorded() == before


def test_an_unregistered_or_inactive_deployment_is_refused(platform, section):
    before = recorded()
    response, _ = launch(Client(), platform, section, **{LTI + "deployment_id": "dep-unknown"})
    refused(response)
    assert recorded() == before  # django-lti would have created the deployment
    LtiDeployment.objects.update(is_active=False)
    response, _ = launch(Client(), platform, section)
    refused(response)
    assert recorded() == before


def test_a_link_to_anything_but_this_site_s_course_pages_is_refused(platform, section):
    before = recorded()
    for elsewhere in ("https://evil.example/phish", "http://testserver/admin/", "http://testserver/no/such/page/"):
        response, _ = launch(Client(), platform, section, **{LTI + "target_link_uri": elsewhere})
        assert "강좌, 강의, 절이나 퀴즈를 가리키지 않습니다" in refused(response)
    assert recorded() == before


def test_a_login_from_an_unknown_platform_is_refused(platform, section):
    params = platform.login_params(target(section)) | {"iss": "https://unknown-lms.example"}
    refused(Client().get("/lti/login/", params, follow=True))


def test_a_browser_that_blocks_our_cookies_in_the_frame_is_offered_a_new_window(platform, section):
    client = Client()
    checking = client.get("/lti/login/", platform.login_params(target(section)))
    client.cookies.clear()  # the browser dropped the test cookie: third-party cookies blocked
    page = client.get(checking["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "새 창에서 강의 열기" in html and 'target="_blank"' in html
    assert "cookie_check" not in html.split('class="button" href="', 1)[1].split('"', 1)[0]
    ancestors = page["Content-Security-Policy"].split("frame-ancestors ", 1)[1].split()
    assert "X-Frame-Options" not in page and sorted(ancestors) == sorted(["https://lms.example.ac.kr", platform.url])


def test_the_tool_publishes_its_keys_and_a_rotation_keeps_the_old_one_for_launches_in_flight(platform, section):
    from django.core.management import call_command
    from lti_tool.models import Key

    start(Client(), platform, section)  # the first login makes the tool's first key
    first = Client().get("/lti/jwks/").json()["keys"]
    assert len(first) == 1 and first[0]["kty"] == "RSA" and "d" not in first[0]  # public only
    call_command("rotate_keys", stdout=open("/dev/null", "w"))
    keys = Client().get("/lti/jwks/").json()["keys"]
    assert len(keys) == 2 and first[0]["kid"] in {key["kid"] for key in keys}
    assert Key.objects.active().count() == 2


def test_after_a_launch_only_the_platform_may_frame_the_session_s_pages(platform, section):
    client = Client()
    response, _ = launch(
        client, platform, section, **{LTI + "launch_presentation": {"return_url": "https://school.lms.example/return"}}
    )
    page = client.get(section.get_absolute_url())
    policy = page["Content-Security-Policy"]
    assert "X-Frame-Options" not in page and "frame-ancestors 'none'" not in policy
    ancestors = policy.split("frame-ancestors ", 1)[1].split(";")[0].split()
    assert sorted(ancestors) == sorted(["https://lms.example.ac.kr", platform.url, "https://school.lms.example"])
    for other in (Client(), logged_in_elsewhere()):  # anyone else: framed by nobody
        other_page = other.get(section.get_absolute_url())
        assert (
            other_page["X-Frame-Options"] == "DENY"
            and "frame-ancestors 'none'" in other_page["Content-Security-Policy"]
        )


def logged_in_elsewhere():
    client = Client()
    client.force_login(User.objects.create_user("plain-account"))
    return client


def test_over_https_the_launch_cookies_are_samesite_none_and_secure_and_no_one_else_s(platform, section, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    client = Client()
    checking = client.get("/lti/login/", platform.login_params(target(section)), secure=True)
    assert checking.cookies["lti-cookies"]["samesite"] == "None" and checking.cookies["lti-cookies"]["secure"]
    request = authorisation_request(client.get(checking["Location"], secure=True))
    token = platform.id_token(platform.claims(request["nonce"], target(section)))
    response = client.post("/lti/launch/", {"id_token": token, "state": request["state"]}, secure=True)
    cookie = response.cookies["sessionid"]
    assert cookie["samesite"] == "None" and cookie["secure"]
    User.objects.create_user("plain-account", password="a-long-password-1")
    response = Client().post(
        "/accounts/login/", {"username": "plain-account", "password": "a-long-password-1"}, secure=True
    )
    assert response.status_code == 302
    assert response.cookies["sessionid"]["samesite"] == "Lax"  # a first-party session keeps Lax


def test_a_launch_without_a_course_context_or_with_a_malformed_token_is_refused(platform, section):
    before = recorded()
    response, _ = launch(Client(), platform, section, **{LTI + "context": None})
    assert "강좌(context)" in refused(response)
    client = Client()
    request = start(client, platform, section)
    header = "eyJhbGciOiJSUzI1NiIsImtpZCI6InBsYXRmb3JtLWtleS0xIn0"
    body = "WzEsMiwzXQ"  # a JSON array, not an object
    refused(client.post("/lti/launch/", {"id_token": f"{header}.{body}.c2ln", "state": request["state"]}))
    assert recorded() == before


def test_a_page_with_a_policy_of_its_own_gets_the_platform_s_frame_ancestors(platform, section, rf):
    from django.http import HttpResponse

    from lti.middleware import allow_framing

    response = HttpResponse(headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})
    allow_framing(rf.get("/"), response, ["https://lms.example.ac.kr"])
    assert response["Content-Security-Policy"].endswith("; frame-ancestors https://lms.example.ac.kr")
