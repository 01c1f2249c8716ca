"""A class, as its instructor and two learners live it (issue 23), in Chromium: the instructor
creates a class, two learners join through its link (one as a visitor who logs in first), the
quiz was due yesterday, one answers under an extension and one late, and the gradebook and its
CSV and XLSX show both, the late one marked; every class page has no axe-core
violation at 375 and 1280 px, light and dark. Screenshots go to test-artifacts/."""

import csv
import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from classes.models import Class
from core import audit
from e2e.conftest import looked_at
from e2e.test_learner import PASSWORD
from e2e.test_quiz import answer_all

pytestmark = pytest.mark.e2e


def logged_in(browser, live_server, username, start="/accounts/login/"):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto(start)
    page.get_by_label("사용자 이름").fill(username)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state()
    return page


def test_an_instructor_runs_a_class_that_two_learners_join_and_the_gradebook_shows_both(browser, live_server, quizzes):
    prof = User.objects.create_user("prof", password=PASSWORD)
    prof.user_permissions.add(Permission.objects.get(codename="add_class"))
    for name in ("alice", "bora"):
        User.objects.create_user(name, password=PASSWORD)
    staff = logged_in(browser, live_server, "prof")
    staff.goto("/classes/")
    staff.get_by_label("반 이름").fill("클라우드 네이티브 월요일 반")
    staff.get_by_role("button", name="반 만들기").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("클라우드 네이티브 월요일 반")
    link = staff.locator("code.join-link").inner_text()
    klass = Class.objects.get()
    assert link.endswith(klass.get_join_url())

    # alice arrives as a visitor, logs in from the join page, comes back to it and joins
    context = browser.new_context(base_url=live_server.url)
    alice = context.new_page()
    alice.goto(link)
    alice.get_by_role("link", name="로그인").first.click()
    alice.get_by_label("사용자 이름").fill("alice")
    alice.get_by_label("비밀번호").fill(PASSWORD)
    alice.get_by_role("button", name="로그인").click()
    alice.get_by_role("button", name="이 반에 참여하기").click()
    expect(alice.get_by_role("button", name="이 반 떠나기")).to_be_visible()
    bora = logged_in(browser, live_server, "bora")
    bora.goto(link)
    bora.get_by_role("button", name="이 반에 참여하기").click()
    expect(bora.get_by_role("button", name="이 반 떠나기")).to_be_visible()

    # the quiz was due yesterday (Seoul time); alice gets until tomorrow, bora does not
    quiz = quizzes.get(section__slug="쿠버네티스")
    Class.objects.update(starts_at=timezone.now() - timedelta(days=7))
    seoul = timezone.localtime(timezone.now(), ZoneInfo("Asia/Seoul"))
    staff.reload()
    staff.get_by_label("무엇의 마감").select_option(label=str(quiz))
    staff.get_by_label("마감", exact=True).fill((seoul - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_role("button", name="마감 정하기").click()
    staff.get_by_label("학습자").select_option(label="alice")
    staff.locator("#id_extension-deadline").select_option(label=str(quiz))
    staff.get_by_label("새 마감").fill((seoul + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_label("사유 (교수자와 조교만 봄)").fill("병가")
    staff.get_by_role("button", name="연장하기").click()
    expect(staff.get_by_text("alice: ")).to_contain_text("까지 연장 (사유: 병가)")
    alice.reload()
    expect(alice.locator(".due")).to_contain_text("연장됨")
    expect(alice.locator(".due__label")).to_have_text(re.compile("마감 D-1|오늘 마감"))
    bora.reload()
    expect(bora.locator(".due__label")).to_have_text("마감 지남")
    alice.goto("/")  # and on home, and on the lesson, in the class's zone
    expect(alice.locator(".due-panel")).to_contain_text(quiz.title)
    expect(alice.locator(".due-panel")).to_contain_text("(Asia/Seoul)")
    looked_at(alice, "class-home-dues")
    alice.goto(quiz.section.get_absolute_url())
    expect(alice.locator(".due-panel")).to_contain_text("연장됨")
    looked_at(alice, "class-lesson-dues")
    for learner in (alice, bora):
        learner.goto(quiz.section.get_absolute_url())
        answer_all(learner, quiz, first_correct=learner is bora)

    staff.get_by_role("link", name="성적부").click()
    table = staff.locator("table.gradebook")
    expect(table.get_by_role("rowheader")).to_have_text(["alice", "bora"])
    headers = table.locator("thead th").all_inner_texts()
    column = headers.index(quiz.title)
    cells = table.locator("tbody tr").first.locator("th, td").all_inner_texts()
    total = quiz.questions.count()
    assert cells[column] == f"{round(100 * (total - 1) / total)}%"  # all right but the first; in time
    bora_cells = staff.locator("tbody tr").nth(1).locator("th, td").all_inner_texts()
    assert bora_cells[column] == "100% 늦음"  # accepted after the due date, and marked

    # search swaps the table in place; the address follows
    staff.evaluate("window.__marker = 'same page'")
    staff.get_by_label("이름 찾기").fill("bor")
    expect(table.get_by_role("rowheader")).to_have_text(["bora"])
    assert staff.evaluate("window.__marker") == "same page" and "q=bor" in staff.url

    download = staff.request.get(f"{live_server.url}/classes/{klass.pk}/gradebook/?format=csv")
    rows = list(csv.reader(io.StringIO(download.text().lstrip("\ufeff"))))
    assert [row[1] for row in rows[1:]] == ["alice", "bora"] and [row[-2] for row in rows[1:]] == ["0", "1"]
    staff.goto(f"/classes/{klass.pk}/gradebook/")
    with staff.expect_download() as downloaded:
        staff.get_by_role("link", name="XLSX로 내려받기").click()
    assert downloaded.value.suggested_filename == f"gradebook-{klass.pk}.xlsx"
    sheet = load_workbook(io.BytesIO(downloaded.value.path().read_bytes())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert [row[1] for row in rows[1:]] == ["alice", "bora"] and [row[-2] for row in rows[1:]] == [0, 1]

    for name, page in (("detail", staff), ("learner", alice), ("join", bora), ("list", alice)):
        if name in ("detail", "learner"):
            page.goto(klass.get_absolute_url())
        elif name == "join":
            page.goto(link)
        else:
            page.goto("/classes/")
        looked_at(page, f"class-{name}")
    staff.goto(f"/classes/{klass.pk}/gradebook/")
    looked_at(staff, "class-gradebook")
    audit.record(None, audit.Action.PUBLISHED, quiz, detail="2강 퀴즈를 공개함")  # the course's change log
    staff.goto(klass.get_absolute_url())
    staff.get_by_role("link", name="반 개요").click()
    expect(staff.locator("#changes-caption + thead + tbody")).to_contain_text("2강 퀴즈를 공개함")
    expect(staff.locator(".heat-map")).to_be_visible()
    attention = staff.locator("section").filter(has=staff.locator("#attention-heading"))
    expect(attention).to_contain_text("지금은 없습니다.")  # both answered today, neither failed two quizzes
    staff.get_by_label("퀴즈", exact=True).select_option(value=str(quiz.pk))
    expect(staff.locator("#analysis")).to_contain_text("첫 번째로 끝낸 응시 2건만")
    looked_at(staff, "class-overview")
    staff.goto(f"/classes/{klass.pk}/gradebook/")

    # the gradebook's row leads to the learner's page: the late attempt, its answers and versions
    staff.get_by_role("link", name="bora").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("bora")
    expect(staff.locator("h3", has_text="1회차")).to_contain_text("늦음")
    expect(staff.get_by_text("연장됨").or_(staff.get_by_text("마감 지남")).first).to_be_visible()
    assert staff.locator("tbody tr").count() == total and staff.get_by_text("1판").count() == total
    looked_at(staff, "class-learner-page")
