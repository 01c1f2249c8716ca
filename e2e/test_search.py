"""Search from the header as a learner would: live results, the keyboard, and without JavaScript."""

from urllib.parse import unquote

import pytest
from playwright.sync_api import expect

from e2e.conftest import axe_violations

pytestmark = pytest.mark.e2e


def test_typing_in_the_header_shows_live_results_and_the_keyboard_reaches_them(page, course):
    page.goto("/")
    box = page.locator("#site-search-q")
    box.press_sequentially("서킷브레이커", delay=30)
    first = page.locator("#site-search-results a").first
    expect(first).to_contain_text("서킷 브레이커")
    expect(page.locator("#site-search-results [role=status]")).to_contain_text("검색 결과")
    box.press("ArrowDown")
    expect(first).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/patterns/circuit-breaker/")


def test_a_result_lands_on_the_sub_heading(page, course):
    page.goto("/")
    page.locator("#site-search-q").press_sequentially("AWS Lambda", delay=20)
    page.locator("#site-search-results a").first.click()
    page.wait_for_url("**/#*")
    assert unquote(page.url).endswith("/쿠버네티스/#서버리스")
    expect(page.locator("h2#서버리스")).to_be_in_viewport()


def test_escape_closes_the_live_results(page, course):
    page.goto("/")
    box = page.locator("#site-search-q")
    box.press_sequentially("파드", delay=30)
    expect(page.locator("#site-search-results a").first).to_be_visible()
    box.press("Escape")
    expect(page.locator("#site-search-results")).to_be_empty()


def test_without_javascript_the_form_opens_the_results_page(browser, live_server, course):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    page.locator("#site-search-q").fill("파드")
    page.locator("#site-search-q").press("Enter")
    page.wait_for_url("**/search/?q=*")
    expect(page.locator("#search-results [role=status]")).to_contain_text("‘파드’ 검색 결과")
    expect(page.locator("#search-results mark").first).to_have_text("파드")
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_search_page_and_open_results_have_no_axe_violations(browser, live_server, course, scheme):
    context = browser.new_context(base_url=live_server.url, color_scheme=scheme)
    page = context.new_page()
    page.goto("/search/?q=파드")
    problems = {"page": axe_violations(page)}
    page.locator("#site-search-q").press_sequentially("사가", delay=30)
    expect(page.locator("#site-search-results a").first).to_be_visible()
    problems["live results"] = axe_violations(page)
    context.close()
    assert {k: v for k, v in problems.items() if v} == {}
