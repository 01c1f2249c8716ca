"""Staff statistics on screen (issue 22), at 375 and 1280 px, in light and dark.

The site's learning analytics and a quiz's statistics in the admin keep every column header on
one line (정답률 never a syllable a line), scroll a wide table inside its box rather than the
page, show a score of 0.5 in a bar of its own, warn that a small sample's alpha and
discrimination mean little, and have no axe-core violations. Screenshots go to test-artifacts/.
"""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import ARTIFACTS, axe_violations
from e2e.test_authoring import admin_log_in, make_editor
from e2e.test_authoring_pages import DJANGO_ADMIN_KNOWN
from quizzes.models import Attempt, QuestionVersion

pytestmark = pytest.mark.e2e
WIDTHS = (375, 1280)

# Each header's text, and how many lines it takes on screen (the distinct tops of its line boxes).
HEADER_LINES = """selector => [...document.querySelectorAll(selector)].map(th => {
  const range = document.createRange();
  range.selectNodeContents(th);
  const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
  return [th.textContent.trim(), tops.size];
})"""

# Words (runs of letters and digits) of the table cells that are split across lines: Korean must
# wrap between words. A break at punctuation, as in 소비자(consumer), is the browser's to make.
SPLIT_WORDS = """selector => {
  const split = [];
  for (const cell of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/[\\p{L}\\p{N}]+/gu)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) split.push(word[0]);
      }
    }
  }
  return split.slice(0, 5);
}"""


def finished_attempt(quiz, learner, credits):
    """A learner's first finished attempt with these credits for the quiz's first questions."""
    attempt = Attempt.objects.create(quiz=quiz, number=1, pass_mark=50, session_key=learner, finished_at=timezone.now())
    for question, credit in zip(quiz.questions.order_by("order"), credits, strict=False):  # the first ones
        attempt.answers.create(
            question=question, credit=credit, is_correct=credit == 1, text="", version=QuestionVersion.of(question)
        )


@pytest.fixture
def quiz(quizzes):
    quiz = quizzes.get(section__slug="클라우드-네이티브")
    for learner, credits in {"a": (0.5,), "b": (1, 0), "c": (1, 0.5)}.items():  # scores 0.5, 1 and 1.5
        finished_attempt(quiz, learner, credits)
    return quiz


def check_on_screen(page, name, axe_context=None):
    """Headers on one line, no page-wide horizontal scroll, no axe violations: the problems found."""
    problems = {}
    wrapped = [(text, lines) for text, lines in page.evaluate(HEADER_LINES, ".stats-table thead th") if lines != 1]
    if wrapped:
        problems[f"{name}: headers on more than one line"] = wrapped
    if split := page.evaluate(SPLIT_WORDS, ".stats-table td"):
        problems[f"{name}: words split across lines"] = split
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        problems[f"{name}: the page scrolls sideways by {overflow} px"] = True
    if violations := axe_violations(page, axe_context):
        problems[f"{name}: axe"] = violations
    return problems


def test_staff_statistics_keep_headers_on_one_line_and_show_half_points(browser, live_server, quiz):
    make_editor()  # the editors' group holds the statistics permission
    problems = {}
    for scheme in ("light", "dark"):
        for width in WIDTHS:
            context = browser.new_context(
                base_url=live_server.url, color_scheme=scheme, viewport={"width": width, "height": 800}
            )
            page = context.new_page()
            admin_log_in(page, "editor")

            page.goto(reverse("learners:analytics"))
            header = page.locator(".stats-table thead th", has_text="정답률")
            header.scroll_into_view_if_needed()
            expect(header).to_be_in_viewport()
            page.screenshot(path=ARTIFACTS / f"staff-analytics-{width}-{scheme}.png")
            problems |= check_on_screen(page, f"analytics {width} {scheme}")

            page.goto(reverse("admin:quizzes_quiz_stats", args=[quiz.pk]))
            expect(page.locator(".messagelist .warning")).to_contain_text("첫 응시가 3건뿐입니다")
            half = page.locator(".score-chart rect").nth(1)  # the bar of the 0.5 bin
            half.scroll_into_view_if_needed()
            assert half.bounding_box()["height"] > 0
            distribution = page.get_by_role("table", name="점수 분포")
            assert distribution.get_by_role("columnheader").all_inner_texts()[:4] == ["점수", "0", "0.5", "1"]
            assert distribution.get_by_role("cell").all_inner_texts()[:3] == ["0", "1", "1"]
            page.screenshot(path=ARTIFACTS / f"staff-quiz-stats-{width}-{scheme}.png")
            problems |= check_on_screen(page, f"quiz statistics {width} {scheme}", DJANGO_ADMIN_KNOWN)
            context.close()
    assert problems == {}
