"""Screenshot every page type at desktop and 375 px, light and dark, from a running server.

make run &            # or any server
.venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 test-artifacts/screens
"""

import sys
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import sync_playwright

PAGES = {
    "home": "/",
    "course": "/courses/cloud-native-patterns/",
    "lecture": "/courses/cloud-native-patterns/" + quote("1강") + "/",
    "section": "/courses/cloud-native-patterns/" + quote("1강") + "/" + quote("쿠버네티스") + "/",
    "section-patterns": "/courses/cloud-native-patterns/"
    + quote("1강")
    + "/"
    + quote("클라우드-네이티브-애플리케이션-디자인-패턴")
    + "/",
    "patterns": "/patterns/?family=connectivity-composition",
    "pattern": "/patterns/circuit-breaker/",
    "diagram": "/diagrams/cloud-native-reference-model/",
    "review-quiz": "/quizzes/" + quote("1강-복습") + "/",
    "dashboard": "/me/",
    "login": "/accounts/login/",
    "signup": "/accounts/signup/",
    "not-found": "/courses/nope/",
    "search": "/search/?q=" + quote("파드"),
}
SIZES = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 812}}


def main(base, out, only=None):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for size, viewport in SIZES.items():
            for scheme in ("light", "dark"):
                context = browser.new_context(
                    viewport=viewport, color_scheme=scheme, device_scale_factor=1, locale="ko-KR"
                )
                page = context.new_page()
                for name, path in PAGES.items():
                    if only and name not in only:
                        continue
                    page.goto(base + path)
                    page.screenshot(path=out / f"{name}-{size}-{scheme}.png", full_page=True)
                if not only or "live-search" in only:
                    page.goto(base + "/")
                    page.locator("#site-search-q").press_sequentially("서킷브레이커", delay=20)
                    page.locator("#site-search-results a").first.wait_for()
                    page.screenshot(path=out / f"live-search-{size}-{scheme}.png")
                if not only or "result" in only:
                    # Answer one review question (right or wrong) and submit, to show the result page.
                    page.goto(base + PAGES["review-quiz"])
                    page.locator(".question input[name=choice]").first.check()
                    page.locator(".question button").first.click()
                    page.locator(".question--answered").first.wait_for()
                    page.get_by_role("button", name="지금 제출하고 결과 보기").click()
                    page.screenshot(path=out / f"result-{size}-{scheme}.png", full_page=True)
                context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:] or None)
