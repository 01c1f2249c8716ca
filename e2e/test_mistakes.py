"""The wrong-answer notebook as a learner meets it: a wrong answer shows there beside the right one,
"다시 풀기" puts the question in the review, and the review card says where it comes from."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import ARTIFACTS, axe_violations

pytestmark = pytest.mark.e2e
SIZES = {1280: 800, 375: 812}


def answer_wrong(page, question):
    block = page.locator(f"#question-{question.pk}")
    if question.has_blanks:
        for box in block.locator("input.cloze-input").all():
            box.fill("도커")
    else:
        wrong = next(c for c in question.choices.all() if not c.is_correct)
        block.locator(f'input[value="{wrong.token}"]').check()
    block.get_by_role("button", name="답 확인").click()
    expect(block).to_have_class(re.compile("question--answered"))  # recorded before the test moves on


def screenshots(page, name):
    """The page at a desktop's and a phone's width, light and dark, for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.screenshot(path=ARTIFACTS / f"{name}-{width}-{scheme}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.emulate_media(color_scheme="light")


def test_a_wrong_answer_is_in_the_notebook_and_다시_풀기_brings_it_to_the_review(page, quizzes):
    from learners.models import ReviewCard

    quiz = quizzes.get(section__slug="컨테이너와-컨테이너-오케스트레이션")
    questions = list(quiz.questions.prefetch_related("choices"))
    single = next(q for q in questions if q.kind == "single")
    cloze = next(q for q in questions if q.kind == "cloze")
    page.goto(reverse("learners:mistakes"))  # before any answer: no session, the empty notebook
    expect(page.locator(".empty")).to_contain_text("아직 틀린 문제가 없습니다")
    assert axe_violations(page) == []
    screenshots(page, "mistakes-empty")
    page.goto(quiz.section.get_absolute_url())
    answer_wrong(page, single)
    answer_wrong(page, cloze)

    page.get_by_role("navigation", name="사이트").get_by_role("link", name="오답 노트").click()
    expect(page.get_by_role("heading", level=1, name="오답 노트")).to_be_visible()
    expect(page.locator(".mistakes__count")).to_have_text("틀린 문제 2개")
    entry = page.locator(f"#mistake-{single.pk}")
    chosen, right = entry.locator(".choice-review__item.is-chosen"), entry.locator(".choice-review__item.is-right")
    chosen.scroll_into_view_if_needed()
    for item, mark in ((chosen, "내 답"), (right, "정답")):  # my answer beside the right one, on screen
        expect(item).to_be_in_viewport()
        expect(item.locator(".mark")).to_have_text(mark)
    expect(chosen).to_contain_text(next(c.plain for c in single.choices.all() if not c.is_correct))
    expect(right).to_contain_text(next(c.plain for c in single.choices.all() if c.is_correct))
    expect(entry.locator(".mistake__source a")).to_have_text(single.section.title)
    prompt = page.locator(f"#mistake-{cloze.pk} .cloze-prompt")
    expect(prompt).not_to_contain_text("{1}")
    expect(prompt.locator(".cloze-filled.is-wrong").first).to_contain_text("도커")

    problems = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        if violations := axe_violations(page):
            problems[scheme] = violations
    page.emulate_media(color_scheme="light")
    assert problems == {}

    # The filter swaps the list in place and puts the lecture in the address.
    page.evaluate("window.__marker = 'same page'")
    select = page.get_by_label("강의", exact=True)
    select.focus()
    select.select_option(str(quiz.lecture_id))
    expect(page).to_have_url(re.compile(rf"\?lecture={quiz.lecture_id}$"))
    expect(page.locator(".mistakes__count")).to_contain_text(": 틀린 문제 2개")
    expect(page.locator(".mistake")).to_have_count(2)
    expect(select).to_be_focused()  # the swap takes no focus away from the filter
    assert page.evaluate("window.__marker") == "same page"
    screenshots(page, "mistakes")

    # The card was scheduled later meanwhile: only "다시 풀기" brings it back today.
    ReviewCard.objects.filter(question=single).update(due=timezone.now() + timedelta(days=3))
    entry.get_by_role("button", name="다시 풀기").click()
    queued = entry.locator(".mistake__queued")
    expect(queued).to_contain_text("복습 목록에 넣었습니다")
    expect(queued).to_be_focused()
    assert axe_violations(page) == []
    screenshots(page, "mistakes-queued")
    queued.get_by_role("link", name="복습하러 가기").click()

    expect(page).to_have_url(re.compile(re.escape(reverse("learners:review")) + "$"))
    card = page.locator(f"li.review-card:has(#question-{single.pk})")
    expect(card).to_be_visible()
    expect(card.locator(".review-card__place")).to_have_text(re.compile(r"^\d+ / 2"))
    expect(card.locator(".review-card__source a")).to_contain_text(single.section.title)
    last = card.locator(".review-card__last")
    expect(last).to_contain_text("틀림")
    given = last.locator(".review-card__given")
    expect(given).to_be_hidden()  # the answer on request only, so that it gives nothing away
    last.locator("summary").click()
    expect(given).to_contain_text(next(c.plain for c in single.choices.all() if not c.is_correct)[:20])
    expect(page.locator(".lead")).not_to_contain_text("FSRS")
    assert axe_violations(page) == []
    screenshots(page, "review")
