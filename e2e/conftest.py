"""End-to-end tests in Debian's Chromium, driven by Playwright against pytest-django's live server."""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
# the tests themselves (not the server) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (see .ci/run).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # The interface follows Accept-Language and Chromium's own is en-US: a context is Korean,
        # the language the tests read, unless it asks for another locale (e2e/test_english.py).
        new_context = browser.new_context
        browser.new_context = lambda **options: new_context(**{"locale": "ko-KR", **options})
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    outside = []
    # The site must work offline: fail on any request that leaves the live server.
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((live_server.url, "data:")) else None)
    yield page
    context.close()
    assert not outside, f"requests to other hosts: {outside}"


@pytest.fixture
def course(transactional_db):
    from django.core.management import call_command

    from course.models import Course

    with open(os.devnull, "w") as devnull:
        call_command("load_course", stdout=devnull)
    return Course.objects.get(slug="cloud-native-patterns")


@pytest.fixture
def quizzes(course):
    """The shipped course with its question bank loaded."""
    from django.core.management import call_command

    from quizzes.models import Quiz

    with open(os.devnull, "w") as devnull:
        call_command("load_quizzes", stdout=devnull)
    return Quiz.objects.select_related("section__lecture__course")


def axe_violations(page, context=None):
    """axe-core's violations on the page, or within ``context`` ({"include": [...], "exclude": [...]})."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context)
    return [f"{v['id']}: {v['help']} → {[n['target'] for n in v['nodes']][:3]}" for v in results.response["violations"]]


def looked_at(page, name, frame=None):
    """No axe-core violation at 375 and 1280 px, light and dark (in ``frame``, a page's iframe, if
    given); a screenshot of each in ARTIFACTS."""
    for width in (375, 1280):
        for scheme in ("light", "dark"):
            page.set_viewport_size({"width": width, "height": 900})
            page.emulate_media(color_scheme=scheme)
            assert axe_violations(frame or page) == [], (name, width, scheme)
            page.screenshot(path=ARTIFACTS / f"{name}-{width}-{scheme}.png", full_page=True)
