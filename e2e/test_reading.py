"""A reader goes from the home page through lecture 1 in a real browser."""

import pytest
from django.urls import reverse

from course.models import Diagram
from e2e.conftest import axe_violations

pytestmark = pytest.mark.e2e


def test_reader_reaches_a_lesson_follows_next_and_previous_and_sees_a_diagram(page, course):
    page.goto("/")
    page.get_by_role("link", name="클라우드 네이티브와 디자인 패턴 개요").click()
    page.get_by_role("link", name="첫 절부터 읽기").click()
    assert page.get_by_role("heading", level=1).inner_text() == "클라우드 네이티브"
    page.get_by_role("link", name="다음 마이크로서비스로 구성하는 설계").click()
    page.get_by_role("link", name="다음 컨테이너와 컨테이너 오케스트레이션").click()
    assert page.get_by_role("heading", level=1).inner_text() == "컨테이너와 컨테이너 오케스트레이션"
    figure = page.locator("figure.diagram img").first
    figure.scroll_into_view_if_needed()
    # lazy-loaded: wait until the browser has fetched and decoded it (fails after the timeout)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=figure.element_handle())
    assert figure.get_attribute("alt") == Diagram.objects.get(slug="containers-vs-vms").alt_text
    toc_current = page.locator(".lesson-toc [aria-current=page]")
    assert toc_current.inner_text() == "컨테이너와 컨테이너 오케스트레이션"
    page.get_by_role("link", name="이전 마이크로서비스로 구성하는 설계").click()
    assert page.get_by_role("heading", level=1).inner_text() == "마이크로서비스로 구성하는 설계"


def test_diagram_opens_larger(page, course):
    section = course.lectures.get().sections.get(slug="쿠버네티스")
    page.goto(section.get_absolute_url())
    page.locator("#diagram-kubernetes-cluster").get_by_role("link", name="크게 보기").click()
    assert page.get_by_role("heading", level=1).inner_text()
    large = page.locator(".diagram--large img").element_handle()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=large)


def test_pattern_filter_swaps_the_catalog_with_htmx_and_updates_the_address(page, course):
    page.goto(reverse("course:pattern-list"))
    page.evaluate("window.__marker = 'same page'")
    page.get_by_role("link", name="데이터 관리 패턴", exact=True).click()
    page.wait_for_url("**/patterns/?family=data-management")
    assert page.evaluate("window.__marker") == "same page"  # no full page load
    cards = page.locator(".pattern-grid .card__title").all_inner_texts()
    assert "캐싱" in cards and "서킷 브레이커" not in cards
    assert page.get_by_role("link", name="데이터 관리 패턴", exact=True).get_attribute("aria-current") == "true"


def test_pattern_filter_works_without_javascript(browser, live_server, course):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto(reverse("course:pattern-list"))
    page.get_by_role("link", name="API 관리 및 사용 패턴", exact=True).click()
    cards = page.locator(".pattern-grid .card__title").all_inner_texts()
    assert "API 게이트웨이" in cards and "캐싱" not in cards
    context.close()


def page_types(course):
    lecture = course.lectures.get()
    return {
        "home": "/",
        "course": course.get_absolute_url(),
        "lecture": lecture.get_absolute_url(),
        "section": lecture.sections.get(slug="쿠버네티스").get_absolute_url(),
        "patterns": reverse("course:pattern-list") + "?family=communication",
        "pattern": reverse("course:pattern-detail", args=["circuit-breaker"]),
        "diagram": reverse("course:diagram-detail", args=["kubernetes-cluster"]),
        "not-found": "/courses/없는-강좌/",
    }


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_type_has_no_axe_violations(browser, live_server, course, scheme):
    context = browser.new_context(base_url=live_server.url, color_scheme=scheme)
    page = context.new_page()
    problems = {}
    for name, url in page_types(course).items():
        page.goto(url)
        if violations := axe_violations(page):
            problems[name] = violations
    context.close()
    assert problems == {}


def test_mobile_layout_does_not_scroll_sideways(browser, live_server, course):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 800})
    page = context.new_page()
    for name, url in page_types(course).items():
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 375px"
    context.close()
