"""An LTI 1.3 launch in Chromium: the test platform's login initiation sends the browser to the
tool, the tool to the platform's auth endpoint, whose form posts the signed id_token back; the
learner lands on the lesson signed in, inside the platform's iframe, finishes its knowledge check
and the score arrives at the platform. The refusal page has no axe-core violation."""

import re
import time
from urllib.parse import urlencode

import pytest
from lti_tool.models import Key
from playwright.sync_api import expect

from e2e.conftest import ARTIFACTS, axe_violations, looked_at
from e2e.test_quiz import answer_all
from lti.models import ContextClass
from lti.tests.platform import ROLES, Platform

pytestmark = pytest.mark.e2e


@pytest.fixture
def platform(db):
    platform = Platform()
    platform.register()
    platform.roster = []
    yield platform
    platform.close()


def test_a_learner_launched_from_the_lms_reads_the_lesson_signed_in(browser, live_server, quizzes, platform):
    quiz = quizzes.get(section__slug="쿠버네티스")
    section = quiz.section
    target = live_server.url + section.get_absolute_url()
    platform.launching = {"target": target}
    page = browser.new_context(base_url=live_server.url).new_page()
    query = urlencode(platform.login_params(target))
    page.goto(f"/lti/login/?{query}")
    page.wait_for_url(f"**{section.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text(section.title)
    expect(page.get_by_role("button", name="로그아웃")).to_be_visible()
    assert platform.jwks_requests >= 1  # the signature was checked against the platform's JWKS
    page.goto("/lti/link/")  # the page that links this identity to an account the learner had
    expect(page.get_by_role("heading", level=1)).to_have_text("원래 계정에 연결하기")
    looked_at(page, "lti-link")


def test_the_refusal_page_is_clear_and_accessible(browser, live_server, platform):
    page = browser.new_context(base_url=live_server.url).new_page()
    page.goto("/lti/login/?iss=https://unknown-lms.example&login_hint=x&target_link_uri=/")
    expect(page.get_by_role("heading", level=1)).to_have_text("LMS에서 열지 못했습니다")
    looked_at(page, "lti-refused")


def test_the_lesson_opens_inside_the_platform_s_iframe(browser, live_server, quizzes, platform):
    tool = live_server.url.replace("localhost", "127.0.0.1")  # the platform's site: cookies go with the frame's posts
    section = quizzes.get(section__slug="쿠버네티스").section
    target = tool + section.get_absolute_url()
    query = urlencode(platform.login_params(target))
    platform.launching = {"target": target, "login_url": f"{tool}/lti/login/?{query}", "claims": platform.ags()}
    page = browser.new_context().new_page()
    page.goto(f"{platform.url}/course")
    frame = page.frame_locator("iframe[title='강의실']")
    expect(frame.get_by_role("heading", level=1)).to_have_text(section.title)  # framed: allowed for this platform
    expect(frame.get_by_role("button", name="로그아웃")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "lti-in-iframe.png", full_page=True)
    # the knowledge check finished inside the frame: its score arrives at the platform
    platform.tool_keys = [key.public_key for key in Key.objects.active()]
    quiz = quizzes.get(section=section, kind="check")
    answer_all(frame, quiz, first_correct=False)
    (score,) = platform.scores
    total = quiz.questions.count()
    assert (score["userId"], score["scoreMaximum"], score["scoreGiven"]) == ("student-1", total, total - 1)
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    # the same page for anyone without that launch stays unframeable
    other = browser.new_context()
    response = other.request.get(target)
    assert (
        response.headers["x-frame-options"] == "DENY"
        and "frame-ancestors 'none'" in response.headers["content-security-policy"]
    )
    other.close()


def test_a_browser_that_keeps_no_cookie_in_the_frame_launches_through_the_platform_s_storage(
    browser, live_server, quizzes, platform
):
    """The tool on localhost, the platform on 127.0.0.1: two sites, so inside the platform's page
    Chromium keeps no cookie of the tool's (SameSite=Lax over HTTP, as a third-party cookie block
    would). The state goes through the platform's storage frame; the learner continues in a new
    window, signed in there, and their knowledge check's score still reaches the platform."""
    assert "localhost" in live_server.url
    section = quizzes.get(section__slug="쿠버네티스").section
    target = live_server.url + section.get_absolute_url()
    query = urlencode(platform.login_params(target, storage=True))
    platform.launching = {
        "target": target,
        "login_url": f"{live_server.url}/lti/login/?{query}",
        "claims": platform.ags(),
    }
    page = browser.new_context().new_page()
    page.goto(f"{platform.url}/course")
    frame = page.frame_locator("iframe[title='강의실']")
    expect(frame.get_by_role("heading", level=1)).to_have_text("새 창에서 이어 가기")
    tool_frame = next(f for f in page.frames if f.url.startswith(live_server.url))
    looked_at(page, "lti-continue", frame=tool_frame)
    with page.context.expect_page() as opened:
        frame.get_by_role("button", name="새 창에서 계속").click()
    window = opened.value
    window.wait_for_url(f"**{section.get_absolute_url()}")
    expect(window.get_by_role("heading", level=1)).to_have_text(section.title)
    expect(window.get_by_role("button", name="로그아웃")).to_be_visible()
    platform.tool_keys = [key.public_key for key in Key.objects.active()]
    quiz = quizzes.get(section=section, kind="check")
    answer_all(window, quiz, first_correct=True)
    (score,) = platform.scores
    assert (score["userId"], score["scoreGiven"]) == ("student-1", quiz.questions.count())


def test_a_platform_whose_storage_does_not_answer_offers_the_new_window(browser, live_server, quizzes, platform):
    section = quizzes.get(section__slug="쿠버네티스").section
    target = live_server.url + section.get_absolute_url()
    query = urlencode(platform.login_params(target, storage=True))
    platform.launching = {"target": target, "login_url": f"{live_server.url}/lti/login/?{query}", "storage": False}
    page = browser.new_context().new_page()
    page.goto(f"{platform.url}/course")
    frame = page.frame_locator("iframe[title='강의실']")
    expect(frame.get_by_role("link", name="새 창에서 강의 열기")).to_be_visible()  # after the storage's 2 s
    looked_at(page, "lti-storage-failed", frame=next(f for f in page.frames if f.url.startswith(live_server.url)))


def test_an_instructor_picks_content_for_the_lms_by_keyboard(browser, live_server, quizzes, platform):
    quiz = quizzes.get(section__slug="쿠버네티스")
    claims = {**platform.deep_linking(), "roles": ("Instructor",), "sub": "prof-1"}
    platform.launching = {"target": f"{live_server.url}/lti/launch/", "claims": claims}
    page = browser.new_context(base_url=live_server.url).new_page()
    query = urlencode(platform.login_params(platform.launching["target"]))
    page.goto(f"/lti/login/?{query}")
    page.wait_for_url("**/lti/pick/")
    lecture = page.get_by_label(re.compile(re.escape(quiz.lecture.title)))
    lecture.check()  # ticked before a search that does not match it: it stays
    page.get_by_label("찾기", exact=True).fill("쿠버네티스")
    expect(page.locator("#choices")).not_to_contain_text("맞는 퀴즈가 없습니다")
    expect(lecture).to_be_checked()
    looked_at(page, "lti-pick")
    box = page.get_by_label(re.compile(re.escape(quiz.title)))
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    platform.tool_keys = [key.public_key for key in Key.objects.active()]
    page.get_by_role("button", name="LMS로 보내기").click()
    page.wait_for_url(f"{platform.url}/deep-link-return")
    (token,) = platform.deep_links
    items = platform.verified_deep_link(token)["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert [item.get("lineItem", {}).get("label") for item in items] == [None, quiz.title]
    assert items[1]["lineItem"]["scoreMaximum"] == quiz.questions.count()


def test_the_class_of_an_lms_course_shows_its_roster_to_its_staff(browser, live_server, quizzes, platform):
    section = quizzes.get(section__slug="쿠버네티스").section
    target = live_server.url + section.get_absolute_url()
    platform.roster = [
        {"user_id": "prof-1", "status": "Active", "roles": [ROLES + "Instructor"], "name": "교수 1"},
        {"user_id": "s1", "status": "Active", "roles": [ROLES + "Learner"], "name": "학생 1"},
    ]
    platform.tool_keys = [Key.objects.generate().public_key]
    claims = {**platform.nrps(), "roles": ("Instructor",), "sub": "prof-1"}
    platform.launching = {"target": target, "claims": claims}
    page = browser.new_context(base_url=live_server.url).new_page()
    query = urlencode(platform.login_params(target))
    page.goto(f"/lti/login/?{query}")
    page.wait_for_url(f"**{section.get_absolute_url()}")
    for _ in range(50):  # the launch reads the roster once its redirect is sent
        if ContextClass.objects.filter(roster_synced_at__isnull=False).exists():
            break
        time.sleep(0.1)
    page.goto("/classes/")
    page.get_by_role("link", name="클라우드 네이티브 2026 봄").first.click()
    page.get_by_role("button", name="LMS 명단 지금 가져오기").click()
    expect(page.locator("body")).to_contain_text("명단을 가져왔습니다: 0명 들어옴")  # s1 came with the launch
    looked_at(page, "lti-class-roster")


def test_dynamic_registration_from_one_pasted_url(browser, live_server, db):
    from django.contrib.auth.models import Permission, User

    from e2e.test_learner import PASSWORD, log_in

    lms = Platform(issuer=None, client_id="dynamic-client", deployment_id="dyn-1")
    admin = User.objects.create_user("registrar", password=PASSWORD)
    admin.user_permissions.add(Permission.objects.get(codename="add_ltiregistration"))
    page = browser.new_context(base_url=live_server.url).new_page()
    log_in(page, "registrar")
    page.goto("/lti/registration/")
    link = page.locator("code.join-link").inner_text()
    assert axe_violations(page) == []
    page.screenshot(path=ARTIFACTS / "lti-registration-link.png", full_page=True)
    config = f"{lms.url}/.well-known/openid-configuration"
    page.goto(f"{link}?openid_configuration={config}&registration_token=reg-token-1")
    expect(page.get_by_role("heading", level=1)).to_have_text("LMS를 등록했습니다")
    assert axe_violations(page) == []
    assert lms.registrations and lms.registrations[0]["client_name"]
    lms.close()
