"""Spaced review as a new learner meets it: a wrong quiz answer comes back in /review/ and, answered
right, is scheduled days later."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from e2e.conftest import axe_violations

pytestmark = pytest.mark.e2e


def choose(block, question, right):
    token = next(c.token for c in question.choices.all() if c.is_correct == right)
    block.locator(f'input[value="{token}"]').check()
    block.get_by_role("button", name="답 확인").click()
    expect(block).to_have_class(re.compile("question--answered"))  # recorded before the test moves on


def test_a_wrong_answer_returns_in_review_and_a_right_one_is_scheduled_days_later(page, quizzes):
    quiz = quizzes.get(section__slug="쿠버네티스")
    question = next(q for q in quiz.questions.prefetch_related("choices") if q.kind == "single")
    page.goto(quiz.section.get_absolute_url())
    choose(page.locator(f"#question-{question.pk}"), question, right=False)
    expect(page.locator(f"#question-{question.pk}.is-wrong")).to_be_visible()

    page.goto("/")
    review_link = page.get_by_role("link", name=re.compile(r"^복습 1 ?장 남음$"))
    expect(review_link).to_be_visible()
    review_link.click()
    expect(page.get_by_role("heading", name="오늘 복습할 카드 1장")).to_be_visible()
    page.evaluate("window.__marker = 'same page'")
    block = page.locator(f"#question-{question.pk}")
    choose(block, question, right=True)
    expect(block.locator(".question__verdict")).to_contain_text("정답입니다")
    expect(block.locator(".question__next")).to_have_text("다음 복습: 1일 뒤")
    expect(block.get_by_role("link", name="다시 읽기")).to_be_visible()
    assert page.evaluate("window.__marker") == "same page"  # answered in place

    page.reload()
    expect(page.get_by_role("heading", name="오늘 복습할 카드 0장")).to_be_visible()
    expect(page.locator(".empty")).to_contain_text("다음 카드는")


def test_without_javascript_the_review_still_works(browser, live_server, quizzes):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    quiz = quizzes.get(section__slug="쿠버네티스")
    question = next(q for q in quiz.questions.prefetch_related("choices") if q.kind == "single")
    page.goto(quiz.section.get_absolute_url())
    choose(page.locator(f"#question-{question.pk}"), question, right=False)
    page.goto(reverse("learners:review"))
    choose(page.locator(f"#question-{question.pk}"), question, right=True)
    expect(page.get_by_role("heading", name="방금 답한 카드")).to_be_visible()
    expect(page.locator(".question__next")).to_have_text("다음 복습: 1일 뒤")
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_review_page_has_no_axe_violations(browser, live_server, quizzes, scheme):
    context = browser.new_context(base_url=live_server.url, color_scheme=scheme)
    page = context.new_page()
    page.goto(reverse("learners:review"))
    problems = {"empty": axe_violations(page)}
    quiz = quizzes.get(section__slug="쿠버네티스")
    question = next(q for q in quiz.questions.prefetch_related("choices") if q.kind == "single")
    page.goto(quiz.section.get_absolute_url())
    choose(page.locator(f"#question-{question.pk}"), question, right=False)
    page.goto(reverse("learners:review"))
    problems["due"] = axe_violations(page)
    choose(page.locator(f"#question-{question.pk}"), question, right=True)
    expect(page.locator(".question__next")).to_be_visible()
    problems["answered"] = axe_violations(page)
    context.close()
    assert {k: v for k, v in problems.items() if v} == {}
