"""A learner signs up, keeps progress across sessions, and the account pages are accessible."""

from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from playwright.sync_api import expect

from e2e.conftest import axe_violations
from e2e.test_quiz import answer_all

pytestmark = pytest.mark.e2e
PASSWORD = "a-long-passphrase-1"


def sign_up(page, username):
    page.goto(reverse("signup"))
    page.get_by_label("사용자 이름").fill(username)
    page.get_by_label("이메일").fill(f"{username}@example.org")
    page.get_by_label("비밀번호", exact=True).fill(PASSWORD)
    page.get_by_label("비밀번호 확인").fill(PASSWORD)
    page.get_by_role("button", name="가입하기").click()
    page.wait_for_url("**/me/")


def log_in(page, username):
    page.goto(reverse("login"))
    page.get_by_label("사용자 이름").fill(username)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url("**/me/")


def test_progress_follows_the_learner_across_logins(page, quizzes):
    sign_up(page, "learner1")
    quiz = quizzes.get(section__slug="쿠버네티스")
    page.goto(quiz.section.get_absolute_url())
    page.evaluate("window.__marker = 'same page'")
    toc_item = page.locator("#lesson-toc li.is-current")
    assert "is-completed" not in (toc_item.get_attribute("class") or "")
    page.get_by_role("button", name="완료로 표시").click()
    page.locator("#completion.is-completed").wait_for()
    page.locator("#lesson-toc li.is-current.is-completed").wait_for()
    expect(page.locator("#lesson-toc .progress__text")).to_contain_text("1/8절 완료 (12%)")
    assert page.evaluate("window.__marker") == "same page"

    other = quizzes.get(section__slug="클라우드-네이티브")
    page.goto(other.section.get_absolute_url())
    answer_all(page, other, first_correct=True)
    page.locator(".quiz-score__result.is-pass").wait_for()
    # passing the check completes the section; the TOC and the toggle refresh themselves
    page.locator("#lesson-toc li.is-current.is-completed").wait_for()
    page.locator("#completion.is-completed").wait_for()

    with page.expect_navigation():
        page.get_by_role("button", name="로그아웃").click()
    assert urlparse(page.url).path == "/"  # LOGOUT_REDIRECT_URL: the home page
    assert page.locator(".resume").count() == 0
    log_in(page, "learner1")
    assert "2/8절 완료 (25%)" in page.locator(".progress__text").first.inner_text()
    page.goto("/")
    resume = page.locator(".resume a")
    assert "클라우드 네이티브" in resume.inner_text()
    resume.click()
    assert page.get_by_role("heading", level=1).inner_text() == "클라우드 네이티브"
    assert page.locator("#completion.is-completed").count() == 1


def test_a_visitors_progress_is_kept_when_they_sign_up(page, quizzes):
    section = quizzes.get(section__slug="마치며").section
    page.goto(section.get_absolute_url())
    page.get_by_role("button", name="완료로 표시").click()
    page.locator("#completion.is-completed").wait_for()
    sign_up(page, "latecomer")
    assert "1/8절 완료 (12%)" in page.locator(".progress__text").first.inner_text()
    assert User.objects.get(username="latecomer").sectionprogress_set.count() == 1


def test_account_pages_and_dashboard_have_no_axe_violations(browser, live_server, quizzes):
    User.objects.create_user("staff", password=PASSWORD, is_staff=True)
    problems = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(base_url=live_server.url, color_scheme=scheme)
        page = context.new_page()
        for name in ("login", "signup", "password_reset", "password_reset_done", "password_reset_complete"):
            page.goto(reverse(name))
            problems[f"{scheme} {name}"] = axe_violations(page)
        page.goto(reverse("password_reset_confirm", args=["MQ", "bad-token"]))
        problems[f"{scheme} reset link invalid"] = axe_violations(page)
        # A tokenless POST is refused once the browser holds a session (see config/csrf.py).
        context.add_cookies([{"name": "sessionid", "value": "stale", "url": live_server.url}])
        with page.expect_navigation():
            page.evaluate(
                "() => { const f = document.createElement('form'); f.method = 'post'; f.action = '/accounts/login/';"
                " document.body.append(f); f.submit(); }"
            )
        assert "보안 토큰" in page.locator("main").inner_text()
        problems[f"{scheme} csrf failure"] = axe_violations(page)
        page.goto(reverse("login"))
        page.get_by_role("button", name="로그인").click()  # empty form: errors shown
        problems[f"{scheme} login errors"] = axe_violations(page)
        for _ in range(5):
            page.get_by_label("사용자 이름").fill(f"ghost-{scheme}")
            page.get_by_label("비밀번호").fill("wrong-guess")
            page.get_by_role("button", name="로그인").click()
        expect(page.get_by_role("alert")).to_contain_text("15분 동안 잠겼습니다")
        problems[f"{scheme} login locked"] = axe_violations(page)
        page.goto(reverse("email_confirm", args=["not-a-token"]))
        problems[f"{scheme} confirmation link invalid"] = axe_violations(page)
        log_in(page, "staff")
        quiz = quizzes.get(section__slug="쿠버네티스")
        page.goto(quiz.section.get_absolute_url())
        was_completed = page.locator("#completion.is-completed").count()
        page.locator("#completion button").click()
        page.locator("#completion" + (":not(.is-completed)" if was_completed else ".is-completed")).wait_for()
        problems[f"{scheme} lesson after toggling"] = axe_violations(page)
        for name in (
            "learners:dashboard",
            "email_address",
            "password_change",
            "password_change_done",
            "delete-account",
            "learners:analytics",
        ):
            page.goto(reverse(name))
            problems[f"{scheme} {name}"] = axe_violations(page)
        context.close()
    assert {k: v for k, v in problems.items() if v} == {}
