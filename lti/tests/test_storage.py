"""LTI postMessage storage, for a browser that keeps no cookie of ours inside the LMS's iframe: the
login keeps its state with the platform, the launch reads it back and posts it from our own page,
and the learner continues in a new window with a single-use ticket. Every shortcut an attacker
could take (a post from another site, a state the browser never stored, a launch or ticket used
twice, a forged or stale ticket) is refused with the page and signs nobody in."""

import json
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from lti_tool.models import LtiUser

from classes.models import Membership
from lti.models import UsedNonce
from lti.tests.platform import STORAGE_FRAME
from lti.tests.test_launch import recorded, refused, target

pytestmark = pytest.mark.django_db
HERE = "http://testserver"


def stored(response):
    """What the page hands to lti-storage.js."""
    found = re.search(r'<script id="lti-storage" type="application/json">(.*?)</script>', response.content.decode())
    return json.loads(found.group(1))


def storage_login(client, platform, section):
    """The login initiation, in a frame where the test cookie never comes back."""
    checking = client.get("/lti/login/", platform.login_params(target(section), storage=True))
    client.cookies.clear()
    page = client.get(checking["Location"])
    assert page.status_code == 200
    return stored(page)


def first_post(client, platform, section, put, **claims):
    """The platform's form post of the id_token, without a cookie: our page to read the storage."""
    token = platform.id_token(platform.claims(put["nonce"], target(section), **claims))
    client.cookies.clear()
    page = client.post("/lti/launch/", {"id_token": token, "state": put["state"], "lti_storage_target": STORAGE_FRAME})
    assert page.status_code == 200, page.status_code
    return stored(page)


def read_back(client, get, origin=HERE, **changes):
    """What lti-storage.js posts once it has read the platform's storage."""
    fields = {**get["form"], "stored_state": get["state"], "stored_nonce": get["nonce"], **changes}
    client.cookies.clear()
    return client.post("/lti/launch/", fields, headers={"Origin": origin} if origin else {})


def ticket(page):
    return re.search(r'name="ticket" value="([^"]+)"', page.content.decode()).group(1)


def test_the_login_keeps_its_state_with_the_platform_and_the_launch_reads_it_back(platform, section):
    client = Client()
    put = storage_login(client, platform, section)
    assert put["frame"] == STORAGE_FRAME and put["origin"] == platform.url
    assert put["next"].startswith(f"{platform.url}/auth?") and f"state={put['state']}" in put["next"]
    get = first_post(client, platform, section, put)
    assert (get["state"], get["nonce"], get["origin"]) == (put["state"], put["nonce"], platform.url)
    assert recorded() == (0, 0, 0, 1)  # nothing yet: only the platform's deployment
    page = read_back(client, get)
    assert page.status_code == 200 and "새 창에서 계속" in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"  # a ticket: for this browser alone
    assert 'target="_blank"' in page.content.decode()
    ancestors = page["Content-Security-Policy"].split("frame-ancestors ", 1)[1].split(";")[0].split()
    assert platform.url in ancestors and "X-Frame-Options" not in page
    user = LtiUser.objects.get(sub="student-1").auth_user
    assert Membership.objects.get(user=user).role == "learner"
    window = Client()  # the new window: first-party, its cookies kept
    arrived = window.post("/lti/continue/", {"ticket": ticket(page)}, headers={"Origin": HERE})
    assert arrived.status_code == 302 and arrived["Location"] == section.get_absolute_url()
    assert "로그아웃" in window.get(section.get_absolute_url()).content.decode()


def test_a_browser_whose_platform_offers_no_storage_still_gets_a_new_window(platform, section):
    client = Client()
    checking = client.get("/lti/login/", platform.login_params(target(section)))  # no lti_storage_target
    client.cookies.clear()
    assert "새 창에서 강의 열기" in client.get(checking["Location"]).content.decode()


@pytest.mark.parametrize("attack", ["posted from another site", "no origin", "another state", "another nonce"])
def test_a_read_back_the_browser_did_not_make_is_refused_and_records_nothing(platform, section, attack):
    client = Client()
    get = first_post(client, platform, section, storage_login(client, platform, section))
    before = recorded()
    if attack == "posted from another site":
        response = read_back(client, get, origin="https://attacker.example")
    elif attack == "no origin":
        response = read_back(client, get, origin=None)
    elif attack == "another state":
        response = read_back(client, get, stored_state="state-of-another-browser")
    else:
        response = read_back(client, get, stored_nonce="")
    refused(response)
    assert recorded() == before and "ticket" not in response.content.decode()


def test_a_launch_read_back_twice_is_refused(platform, section):
    client = Client()
    get = first_post(client, platform, section, storage_login(client, platform, section))
    assert read_back(client, get).status_code == 200
    before = recorded()
    page = refused(read_back(client, get))
    assert "이미 한 번 쓴 실행 요청" in page and recorded() == before


def test_a_ticket_works_once_from_our_own_page_and_for_two_minutes(platform, section, settings):
    client = Client()
    page = read_back(client, first_post(client, platform, section, storage_login(client, platform, section)))
    good = ticket(page)
    elsewhere = Client()
    refused(elsewhere.post("/lti/continue/", {"ticket": good}, headers={"Origin": "https://attacker.example"}))
    refused(elsewhere.post("/lti/continue/", {"ticket": good[:-2] + "xx"}, headers={"Origin": HERE}))
    assert "로그아웃" not in elsewhere.get(section.get_absolute_url()).content.decode()
    assert Client().post("/lti/continue/", {"ticket": good}, headers={"Origin": HERE}).status_code == 302
    again = refused(Client().post("/lti/continue/", {"ticket": good}, headers={"Origin": HERE}))
    assert "이미 한 번 쓴 요청" in again


def test_a_ticket_of_an_account_deactivated_since_signs_nobody_in(platform, section):
    client = Client()
    page = read_back(client, first_post(client, platform, section, storage_login(client, platform, section)))
    User.objects.filter(pk=LtiUser.objects.get(sub="student-1").auth_user_id).update(is_active=False)
    window = Client()
    refused(window.post("/lti/continue/", {"ticket": ticket(page)}, headers={"Origin": HERE}))
    assert "로그아웃" not in window.get(section.get_absolute_url()).content.decode()


def test_a_stale_ticket_is_refused(platform, section, monkeypatch):
    client = Client()
    page = read_back(client, first_post(client, platform, section, storage_login(client, platform, section)))
    monkeypatch.setattr("lti.storage.TICKET_AGE", -1)  # as if its two minutes had passed
    page = refused(Client().post("/lti/continue/", {"ticket": ticket(page)}, headers={"Origin": HERE}))
    assert "시간이 지났습니다" in page


def test_a_launch_with_its_cookie_never_takes_the_storage_path(platform, section):
    client = Client()
    checking = client.get("/lti/login/", platform.login_params(target(section), storage=True))
    request = client.get(checking["Location"])  # the cookie came back: the usual redirect
    assert request.status_code == 302 and request["Location"].startswith(f"{platform.url}/auth?")


def test_an_id_token_from_one_login_with_another_login_s_state_spends_nothing(platform, section):
    first, second = Client(), Client()
    put_a = storage_login(first, platform, section)
    put_b = storage_login(second, platform, section)
    token_a = platform.id_token(platform.claims(put_a["nonce"], target(section)))
    mixed = {
        "id_token": token_a,
        "state": put_b["state"],
        "stored_state": put_b["state"],
        "stored_nonce": put_b["nonce"],
    }
    before = recorded()
    refused(second.post("/lti/launch/", mixed, headers={"Origin": HERE}))
    assert recorded() == before and not UsedNonce.objects.exists()
    own = {"id_token": token_a, "state": put_a["state"], "stored_state": put_a["state"], "stored_nonce": put_a["nonce"]}
    assert first.post("/lti/launch/", own, headers={"Origin": HERE}).status_code == 200  # A's launch still good


def test_the_school_s_own_host_may_frame_the_pages_before_the_launch(platform, section, settings):
    settings.LTI_FRAME_ORIGINS = ["https://school.instructure.com"]  # Canvas frames from there

    def ancestors(page):
        return page["Content-Security-Policy"].split("frame-ancestors ", 1)[1].split(";")[0].split()

    client = Client()
    checking = client.get("/lti/login/", platform.login_params(target(section), storage=True))
    client.cookies.clear()
    login_page = client.get(checking["Location"])
    put = stored(login_page)
    token = platform.id_token(platform.claims(put["nonce"], target(section)))
    read_back_page = client.post("/lti/launch/", {"id_token": token, "state": put["state"]})
    for page in (login_page, read_back_page):
        assert "https://school.instructure.com" in ancestors(page) and platform.url in ancestors(page)
        assert "https://attacker.example" not in ancestors(page)
