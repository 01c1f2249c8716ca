"""The site in English: every page's interface chrome free of Korean, zero axe-core violations,
valid HTML with content marked lang="ko"; the footer's language switch; scripts' messages.

Content (lessons, questions, patterns, diagrams) stays Korean inside elements with lang="ko";
what is checked is the interface around it.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from e2e.conftest import axe_violations
from e2e.test_every_page import crawl, learner_start_pages, validation_errors
from e2e.test_learner import PASSWORD, log_in
from e2e.test_quiz import answer_all, answer_into_a_failing_server

pytestmark = pytest.mark.e2e

# Korean interface text left in the chrome: header, navigation, footer, buttons, labels, legends,
# messages, alerts, the title and interface attributes, leaving out content (inside lang="ko").
KOREAN_IN_CHROME = r"""query => {
  const hangul = /[가-힣]/;
  const found = [];
  const outsideContent = el => !el.closest('[lang="ko"]');
  for (const el of document.querySelectorAll(
      "header, nav, footer, button, label, legend, .messages, [role=alert], [role=status]")) {
    if (!outsideContent(el)) continue;
    const copy = el.cloneNode(true);
    copy.querySelectorAll('[lang="ko"]').forEach(content => content.remove());
    const text = copy.textContent.split(query).join("").replace(/\s+/g, " ").trim();
    if (hangul.test(text)) found.push(`${el.tagName.toLowerCase()}: ${text.slice(0, 100)}`);
  }
  for (const el of document.querySelectorAll("[aria-label], [placeholder], [title], input[type=submit][value]")) {
    if (!outsideContent(el)) continue;
    for (const name of ["aria-label", "placeholder", "title", "value"]) {
      const value = el.getAttribute(name) || "";
      if (name === "value" && el.type !== "submit") continue;
      if (hangul.test(value)) found.push(`${el.tagName.toLowerCase()}[${name}]: ${value}`);
    }
  }
  // The title names the page's content (a section, a pattern) as the page prints it, in lang="ko".
  let title = document.title.split(query).join("");
  for (const content of document.querySelectorAll('body [lang="ko"]')) {
    const text = content.textContent.trim();
    if (text) title = title.split(text).join("");
  }
  if (hangul.test(title)) found.push(`title: ${document.title}`);
  if (document.documentElement.lang !== "en") found.push(`html lang: ${document.documentElement.lang}`);
  return found;
}"""


def korean_in_chrome(page):
    query = parse_qs(urlsplit(page.url).query).get("q", ["\0"])[0]  # what the reader typed is theirs
    return page.evaluate(KOREAN_IN_CHROME, query)


@pytest.fixture
def english_learner(browser, live_server, quizzes):
    """A learner who has answered a knowledge check (wrong first), reading in an English browser."""
    User.objects.create_user("reader", email="r@example.org", password=PASSWORD)
    korean = browser.new_context(base_url=live_server.url, locale="ko-KR")
    page = korean.new_page()
    log_in(page, "reader")
    quiz = quizzes.get(section__slug="쿠버네티스")
    page.goto(quiz.section.get_absolute_url())
    answer_all(page, quiz, first_correct=False)
    english = browser.new_context(base_url=live_server.url, locale="en-US", storage_state=korean.storage_state())
    korean.close()
    yield english.new_page()
    english.close()


def test_every_page_in_english_has_no_korean_in_its_chrome_no_axe_violation_and_valid_html(
    browser, live_server, english_learner, tmp_path
):
    start = learner_start_pages()
    visitor = browser.new_context(base_url=live_server.url, locale="en-US").new_page()
    crawled = {"learner": crawl(english_learner, start), "visitor": crawl(visitor, ["/"])}
    assert len(crawled["learner"]) > 40 and len(crawled["visitor"]) > 40, {k: len(v) for k, v in crawled.items()}
    print(f"crawled {len(crawled['learner'])} pages as a learner, {len(crawled['visitor'])} as a visitor, in English")

    problems = {}
    for who, page in (("learner", english_learner), ("visitor", visitor)):
        for path in crawled[who]:
            page.goto(path)
            if found := korean_in_chrome(page):
                problems[f"{who} {path} chrome"] = found
            if violations := axe_violations(page):
                problems[f"{who} {path} axe"] = violations
    assert problems == {}

    files = {}
    for who, pages in crawled.items():
        for n, (path, html) in enumerate(pages.items()):
            assert '<html lang="en">' in html, f"{who} {path}"
            file = tmp_path / f"{who}-{n}.html"
            file.write_text(html, encoding="utf-8")
            files[f"file:{file.resolve()}"] = f"{who} {path}"
    assert validation_errors(tmp_path, files) == {}


def test_the_footer_switch_turns_the_site_english_and_the_choice_stays(page, quizzes):
    """The browser asks for Korean (the page fixture's ko-KR); the reader picks English in the footer."""
    pattern_list = reverse("course:pattern-list")
    page.goto(pattern_list)
    page.get_by_role("navigation", name="패턴 분류로 거르기").get_by_role("link").nth(1).click()  # htmx, pushed URL
    page.wait_for_url(re.compile(r"/patterns/\?family="))
    filtered = page.url
    assert page.locator("html").get_attribute("lang") == "ko"

    page.locator("footer").get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.url == filtered  # back where the reader was, not at the page first loaded
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Pattern catalog", level=1).is_visible()
    assert {c["name"]: c["value"] for c in page.context.cookies()}.get("django_language") == "en"

    page.get_by_role("navigation", name="Site").get_by_role("link", name="Courses").click()
    page.wait_for_url("**/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Courses", level=1).is_visible()
    assert korean_in_chrome(page) == []

    page.locator("footer").get_by_role("button", name="한국어").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.get_by_role("heading", name="강좌", level=1).is_visible()


def test_scripts_speak_english_too(browser, live_server, quizzes):
    page = browser.new_context(base_url=live_server.url, locale="en-US").new_page()
    question, block, status = answer_into_a_failing_server(page, quizzes, button="Check answer")
    assert "The request failed (500). Please try again in a moment." in status.inner_text()
    page.unroute("**/answer/")
    block.get_by_role("button", name="Check answer").click()
    page.locator(f"#question-{question.pk}.question--answered").wait_for()
    assert "Correct!" in block.inner_text()
    page.context.close()
