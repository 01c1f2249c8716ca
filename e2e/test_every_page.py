"""Every published page, crawled from the home page: zero axe-core violations in light and dark,
and zero errors from the Nu HTML Checker (vnu) on the HTML the server sent.

A learner who has answered a quiz crawls, so personal states (answered questions, scores,
the dashboard with history) are checked too; a visitor's crawl adds the shared pages as
served from the cache.
"""

import json
import os
import re
import subprocess
from collections import deque
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from e2e.conftest import axe_violations
from e2e.test_learner import PASSWORD, log_in
from e2e.test_quiz import answer_all

pytestmark = pytest.mark.e2e
VNU_JAR = Path(os.environ.get("VNU_JAR", Path(__file__).resolve().parent.parent / ".venv/vnu/vnu.jar"))
NOT_PAGES = ("/admin/", "/accounts/logout/", "/static/", "/media/", "/metrics", "/healthz", "/readyz")


def crawl(page, start):
    """Path → HTML as sent, for every same-site HTML page reachable by links from `start`."""
    host, found, queue, seen = None, {}, deque(start), set()
    while queue:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(path)
        host = host or urlsplit(page.url).netloc  # the live server's, once the first page is open
        if response.status >= 400 or not response.headers.get("content-type", "").startswith("text/html"):
            continue
        found[path] = response.text()
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            url = urlsplit(href)
            target = url.path + (f"?{url.query}" if url.query else "")
            # "?next=" links are the login page again, once for every page that links to it
            if url.netloc == host and not target.startswith(NOT_PAGES) and not re.search(r"format=csv|next=", target):
                queue.append(target)
    return found


@pytest.fixture
def learner_page(browser, live_server, quizzes):
    User.objects.create_user("crawler", email="c@example.org", password=PASSWORD)
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    log_in(page, "crawler")
    quiz = quizzes.get(section__slug="쿠버네티스")
    page.goto(quiz.section.get_absolute_url())
    answer_all(page, quiz, first_correct=False)
    yield page
    context.close()


def axe_in_both_schemes(page, paths, who):
    problems = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for path in paths:
            page.goto(path)
            if violations := axe_violations(page):
                problems[f"{who} {scheme} {path}"] = violations
    return problems


def learner_start_pages():
    """Where a crawl as a learner begins: pages no link from the home page reaches by itself."""
    return ["/", reverse("learners:dashboard"), reverse("email_address"), reverse("password_change"), "/search/?q=파드"]


def test_every_page_has_no_axe_violations_and_valid_html(browser, live_server, learner_page, tmp_path):
    start = learner_start_pages()
    crawled = {"learner": crawl(learner_page, start)}
    # the lecture, its 8 sections, the catalog and its families, every pattern, diagrams, quizzes
    assert len(crawled["learner"]) > 40, sorted(crawled["learner"])
    visitor = browser.new_context(base_url=live_server.url).new_page()
    crawled["visitor"] = crawl(visitor, ["/"])
    assert len(crawled["visitor"]) > 40, sorted(crawled["visitor"])

    print(f"crawled {len(crawled['learner'])} pages as a learner, {len(crawled['visitor'])} as a visitor")
    problems = axe_in_both_schemes(learner_page, crawled["learner"], "learner")
    problems |= axe_in_both_schemes(visitor, crawled["visitor"], "visitor")
    assert problems == {}

    files = {}
    for who, pages in crawled.items():
        for n, (path, html) in enumerate(pages.items()):
            file = tmp_path / f"{who}-{n}.html"
            file.write_text(html, encoding="utf-8")
            files[f"file:{file.resolve()}"] = f"{who} {path}"
    assert validation_errors(tmp_path, files) == {}


def validation_errors(directory, files):
    if not VNU_JAR.exists():
        message = f"Nu HTML Checker not found at {VNU_JAR}: `make setup` installs it with npm (Java needed)."
        if os.environ.get("REQUIRE_VNU"):
            pytest.fail(message)
        pytest.skip(message)
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--skip-non-html", str(directory)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors = {}
    for message in json.loads(result.stderr or '{"messages": []}')["messages"]:
        where = files.get(message.get("url"), message.get("url"))
        errors.setdefault(where, []).append(f"{message.get('lastLine')}: {message['message']}")
    return errors
