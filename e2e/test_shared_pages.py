"""Pages served to everyone from the shared cache, read by a visitor with and without JavaScript."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from learners.models import SectionProgress

pytestmark = pytest.mark.e2e


def cookie_names(context):
    return {cookie["name"] for cookie in context.cookies()}


def test_without_javascript_a_visitor_completes_a_lesson_and_answers_from_a_cached_page(browser, live_server, quizzes):
    context = browser.new_context(base_url=live_server.url, locale="ko-KR", java_script_enabled=False)
    page = context.new_page()
    quiz = quizzes.get(section__slug="쿠버네티스")
    url = quiz.section.get_absolute_url()
    page.goto(url)
    page.goto(url)  # the second read comes from the shared cache
    assert cookie_names(context) == set() and not SectionProgress.objects.exists()

    page.get_by_role("button", name="완료로 표시").click()  # a plain form: POST, then redirect back
    expect(page.locator("#completion")).to_contain_text("이 절을 완료했습니다")
    expect(page.locator("#lesson-toc li.is-current")).to_contain_text("(완료)")
    assert {"sessionid", "csrftoken"} <= cookie_names(context)

    question_id = page.locator(".question:has(input[name=choice])").first.get_attribute("id")
    question = page.locator(f"#{question_id}")
    question.locator("input[name=choice]").first.check()
    question.get_by_role("button", name="답 확인").click()  # this form now carries the token
    expect(page.locator(f"#{question_id} .question__verdict")).to_be_visible()

    page.goto(reverse("course:home"))
    expect(page.get_by_text("이어서 학습하기")).to_be_visible()
    context.close()


def test_with_javascript_the_beacon_records_the_visit_and_later_posts_carry_the_token(page, quizzes):
    quiz = quizzes.get(section__slug="쿠버네티스")
    with page.expect_response(lambda r: "/visit/" in r.url and r.status == 204):
        page.goto(quiz.section.get_absolute_url())
    assert SectionProgress.objects.get().completed_at is None
    assert {"sessionid", "csrftoken"} <= cookie_names(page.context)

    page.get_by_role("button", name="완료로 표시").click()  # htmx, X-CSRFToken from the cookie
    page.locator("#completion.is-completed").wait_for()
    assert SectionProgress.objects.get().completed_at is not None
    page.goto(reverse("course:home"))
    expect(page.get_by_text("이어서 학습하기")).to_be_visible()
