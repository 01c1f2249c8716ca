"""A learner answers knowledge checks and the review quiz in a real browser, with and without JavaScript."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from e2e.conftest import axe_violations
from quizzes.models import Answer, Attempt, Quiz

pytestmark = pytest.mark.e2e


@pytest.fixture
def quizzes(course):
    import os

    with open(os.devnull, "w") as devnull:
        call_command("load_quizzes", stdout=devnull)
    return Quiz.objects.select_related("section__lecture__course")


def single_choice_questions(quiz):
    return [q for q in quiz.questions.prefetch_related("choices") if q.kind in ("single", "true_false")]


def choose(block, question, correct):
    choice = next(c for c in question.choices.all() if c.is_correct is correct)
    block.locator(f'input[value="{choice.token}"]').check()


def fill_items(block, question):
    """Answer an ordering, matching or cloze question rightly, through its selects and text boxes."""
    right = question.example_post()
    if question.kind == "ordering":
        selects = block.locator('select[name="choice"]')
        for position, token in enumerate(right["choice"]):
            if selects.first.is_visible():  # without JavaScript: a select per position
                selects.nth(position).select_option(token)
                continue
            while (at := selects.evaluate_all("all => all.map(s => s.value)").index(token)) > position:
                block.locator(".ordering__row").nth(at).locator(".ordering__up").click()
    elif question.kind == "matching":
        for term, pair in zip(right["choice"], right["part"], strict=True):
            block.locator(f'.items__row:has(input[value="{term}"]) select').select_option(pair)
    else:
        for blank, text in enumerate(right["part"]):
            block.locator('input[name="part"]').nth(blank).fill(text)


def answer_all(page, quiz, *, first_correct):
    """Answer each question in the page; the first right or wrong as asked, the rest right."""
    for number, question in enumerate(quiz.questions.prefetch_related("choices")):
        block = page.locator(f"#question-{question.pk}")
        if question.is_itemised:
            fill_items(block, question)
        elif not question.has_choices:
            wrong = "-1" if question.kind == "numeric" else "틀린 답"
            block.get_by_label("답").fill(question.example_answer() if number or first_correct else wrong)
        else:
            right = {c.token for c in question.choices.all() if c.is_correct}
            wrong = next(c.token for c in question.choices.all() if not c.is_correct)
            for token in right if (number or first_correct) else [wrong]:
                block.locator(f'input[value="{token}"]').check()
        block.get_by_role("button", name="답 확인").click()
        page.locator(f"#question-{question.pk}.question--answered").wait_for()


def test_answers_give_feedback_and_score_without_a_page_load(page, quizzes):
    quiz = quizzes.get(section__slug="클라우드-네이티브-애플리케이션-디자인-패턴")
    page.goto(quiz.section.get_absolute_url())
    page.evaluate("window.__marker = 'same page'")
    questions = single_choice_questions(quiz)
    right, wrong = questions[0], questions[1]

    block = page.locator(f"#question-{right.pk}")
    choose(block, right, True)
    block.get_by_role("button", name="답 확인").click()
    page.locator(f"#question-{right.pk}.is-correct").wait_for()
    assert "정답입니다" in page.locator(f"#question-{right.pk} .question__verdict").inner_text()
    assert "해설" in page.locator(f"#question-{right.pk}").inner_text()
    assert page.locator(f"#question-{right.pk} .question__verdict").evaluate("el => el === document.activeElement")
    assert page.locator(".quiz-score__value").inner_text().startswith("1 /")

    block = page.locator(f"#question-{wrong.pk}")
    choose(block, wrong, False)
    block.get_by_role("button", name="답 확인").click()
    page.locator(f"#question-{wrong.pk}.is-wrong").wait_for()
    assert "오답입니다" in page.locator(f"#question-{wrong.pk}").inner_text()
    assert page.locator(f"#question-{wrong.pk} .mark--right").count() == 1  # the right answer is shown
    assert page.locator(".quiz-score__value").inner_text().startswith("1 /")
    assert "2/" in page.locator(".quiz-score__line").inner_text()
    assert page.evaluate("window.__marker") == "same page"


def test_finishing_shows_the_summary_and_retry_starts_over(page, quizzes):
    quiz = quizzes.get(section__slug="컨테이너와-컨테이너-오케스트레이션")
    page.goto(quiz.section.get_absolute_url())
    answer_all(page, quiz, first_correct=False)
    result = page.locator(".quiz-score__result")
    result.wait_for()
    total = quiz.questions.count()
    percent = round(100 * (total - 1) / total)
    assert f"{percent}% — " in result.inner_text()
    page.get_by_role("link", name="결과 자세히 보기").click()
    assert "결과" in page.get_by_role("heading", level=1).inner_text()
    assert f"{total - 1} / {total}점" in page.locator(".result-summary").inner_text()
    page.get_by_role("button", name="다시 풀기").click()
    assert page.locator(".question__form").count() == total
    assert Attempt.objects.count() == 2


def test_the_same_flow_works_without_javascript(browser, live_server, quizzes):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    quiz = quizzes.get(section__slug="클라우드-네이티브")
    page.goto(quiz.section.get_absolute_url())
    question = single_choice_questions(quiz)[0]
    block = page.locator(f"#question-{question.pk}")
    block.get_by_role("button", name="답 확인").click()  # nothing chosen
    assert "답을 골라 주세요" in page.locator(f"#question-{question.pk}").inner_text()
    choose(page.locator(f"#question-{question.pk}"), question, False)
    page.locator(f"#question-{question.pk}").get_by_role("button", name="답 확인").click()
    assert "#question-" in page.url
    assert "오답입니다" in page.locator(f"#question-{question.pk}").inner_text()
    assert page.locator(".quiz-score__value").inner_text().startswith("0 /")
    context.close()


def test_slow_network_shows_a_busy_button_that_cannot_submit_twice(page, quizzes):
    quiz = quizzes.get(section__slug="쿠버네티스")
    question = single_choice_questions(quiz)[0]

    held = []  # the answer request waits here until the test lets it go: a slow network
    page.route("**/answer/", lambda route: held.append(route))
    page.goto(quiz.section.get_absolute_url())
    block = page.locator(f"#question-{question.pk}")
    choose(block, question, True)
    button = block.locator("button")
    button.click()
    expect(button).to_be_disabled()
    expect(button.locator(".when-busy")).to_be_visible()  # "채점 중…"
    expect(button.locator(".when-idle")).to_be_hidden()
    page.evaluate(f"document.querySelector('#question-{question.pk} form').requestSubmit()")
    page.wait_for_timeout(200)
    for route in held:
        route.continue_()
    page.locator(f"#question-{question.pk}.question--answered").wait_for()
    assert Answer.objects.count() == 1


def test_quiz_states_have_no_axe_violations(browser, live_server, quizzes):
    problems = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(base_url=live_server.url, color_scheme=scheme)
        page = context.new_page()
        quiz = quizzes.get(section__slug="쿠버네티스")
        page.goto(quiz.section.get_absolute_url())
        questions = list(quiz.questions.prefetch_related("choices"))
        # an error in place
        first = page.locator(f"#question-{questions[0].pk}")
        first.get_by_role("button", name="답 확인").click()
        page.locator(f"#question-{questions[0].pk} .question__error").wait_for()
        problems[f"{scheme}: error"] = axe_violations(page)
        answer_all(page, quiz, first_correct=False)
        page.locator(".quiz-score__result").wait_for()
        problems[f"{scheme}: finished"] = axe_violations(page)
        page.get_by_role("link", name="결과 자세히 보기").click()
        problems[f"{scheme}: result"] = axe_violations(page)
        page.goto(reverse("quizzes:quiz-detail", args=["1강-복습"]))
        problems[f"{scheme}: review"] = axe_violations(page)
        context.close()
    assert {k: v for k, v in problems.items() if v} == {}


def answer_into_a_failing_server(page, quizzes, button="답 확인"):
    """Answer a question while the server fails every answer: (the question, its block, the status line)."""
    quiz = quizzes.get(section__slug="쿠버네티스")
    question = single_choice_questions(quiz)[0]
    page.route("**/answer/", lambda route: route.fulfill(status=500, body="boom"))
    page.goto(quiz.section.get_absolute_url())
    block = page.locator(f"#question-{question.pk}")
    choose(block, question, True)
    block.get_by_role("button", name=button).click()
    status = page.locator("#request-status")
    status.wait_for()
    return question, block, status


def test_a_failed_request_says_so_and_keeps_the_answer(page, quizzes):
    question, block, status = answer_into_a_failing_server(page, quizzes)
    assert "요청을 처리하지 못했습니다 (500)" in status.inner_text()
    assert block.locator("input:checked").count() == 1  # the choice is still there to retry
    page.unroute("**/answer/")
    block.get_by_role("button", name="답 확인").click()
    page.locator(f"#question-{question.pk}.question--answered").wait_for()
    assert status.is_hidden()


@pytest.mark.parametrize("javascript", [True, False])
def test_ordering_matching_and_cloze_work_by_keyboard_with_and_without_javascript(
    browser, live_server, quizzes, javascript
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript)
    page = context.new_page()
    problems = {}
    check = axe_violations if javascript else lambda page: []  # axe runs as a script: it needs JavaScript
    quiz = quizzes.get(section__slug="클라우드-네이티브-아키텍처-개발-방법론")
    page.goto(quiz.section.get_absolute_url())
    problems["unanswered"] = check(page)
    ordering = quiz.questions.prefetch_related("choices").get(kind="ordering")
    block = page.locator(f"#question-{ordering.pk}")
    fill_items(block, ordering)
    total = ordering.choices.count()
    if javascript:
        # Each item's whole text is shown, with move buttons; the keyboard moves the second item up.
        rows = block.locator(".ordering__row")
        texts = [c.plain for c in ordering.choices.all()]
        assert [row.locator(".ordering__text").inner_text() for row in rows.all()] == texts
        assert block.locator("select").first.is_hidden()
        rows.nth(1).locator(".ordering__up").focus()
        page.keyboard.press("Enter")
        assert rows.nth(0).locator(".ordering__text").inner_text() == texts[1]
        # At the top the item cannot go further up: focus moves to its other button, and the move is announced.
        focused = page.evaluate("document.activeElement.className")
        assert "ordering__down" in focused and rows.nth(0).locator(".ordering__up").is_disabled()
        expect(block.locator("[data-ordering-status]")).to_have_text(f"1번째로 옮겼습니다 (전체 {total}개)")
        page.keyboard.press("Enter")  # and back down again, then up once more: focus stays on the moved item
        assert rows.nth(1).locator(".ordering__text").inner_text() == texts[1]
        expect(block.locator("[data-ordering-status]")).to_have_text(f"2번째로 옮겼습니다 (전체 {total}개)")
        rows.nth(1).locator(".ordering__up").press("Enter")
    else:
        first, second = block.locator("select").nth(0), block.locator("select").nth(1)
        swapped = [first.input_value(), second.input_value()]
        first.focus()  # the keyboard alone changes a select: no mouse, no dragging
        last = first.locator("option").last.get_attribute("value")
        page.keyboard.press("Home" if swapped[0] == last else "End")
        assert first.input_value() != swapped[0]
        first.select_option(swapped[1])
        second.select_option(swapped[0])
    block.get_by_role("button", name="답 확인").press("Enter")
    block = page.locator(f"#question-{ordering.pk}.question--answered")
    block.wait_for()
    # Two neighbours swapped leave all the others in order: one item out of order, not two.
    assert f"부분 정답입니다: {total}개 중 {total - 1}개를 맞혔습니다." in block.inner_text()
    assert block.locator(".item-review__item.is-wrong").count() == 1
    matching = quiz.questions.prefetch_related("choices").get(kind="matching")
    fill_items(page.locator(f"#question-{matching.pk}"), matching)
    page.locator(f"#question-{matching.pk}").get_by_role("button", name="답 확인").click()
    assert "정답입니다" in page.locator(f"#question-{matching.pk}.question--answered").inner_text()
    problems["answered"] = check(page)

    quiz = quizzes.get(section__slug="컨테이너와-컨테이너-오케스트레이션")
    page.goto(quiz.section.get_absolute_url())
    cloze = quiz.questions.get(kind="cloze")
    block = page.locator(f"#question-{cloze.pk}")
    block.get_by_label("빈칸 1").fill("Image")
    block.get_by_role("button", name="답 확인").click()
    expect(page.locator(f"#question-{cloze.pk} .question__error")).to_contain_text("빈칸을 모두 채워 주세요")
    assert page.locator(f"#question-{cloze.pk}").get_by_label("빈칸 1").input_value() == "Image"
    page.locator(f"#question-{cloze.pk}").get_by_label("빈칸 2").fill("레지스트리")
    page.locator(f"#question-{cloze.pk}").get_by_label("빈칸 3").fill("도커")
    page.locator(f"#question-{cloze.pk}").get_by_role("button", name="답 확인").click()
    answered = page.locator(f"#question-{cloze.pk}.question--answered")
    assert (
        "부분 정답입니다: 3개 중 2개를 맞혔습니다." in answered.inner_text() and "정답: 런타임" in answered.inner_text()
    )
    problems["cloze"] = check(page)
    context.close()
    assert {k: v for k, v in problems.items() if v} == {}
    assert Answer.objects.count() == 3


@pytest.mark.parametrize("width", [1280, 375])
def test_the_verdict_of_an_answer_is_on_screen_and_not_under_the_score_panel(browser, live_server, quizzes, width):
    """A reader scrolls a question to the top of the screen and answers it: the verdict that gets
    focus is inside the viewport, and what is drawn at its centre is the verdict itself, not the
    score panel that sticks to the top on wide screens."""
    quiz = quizzes.get(section__slug="마이크로서비스로-구성하는-설계")
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(quiz.section.get_absolute_url())
    questions = list(quiz.questions.prefetch_related("choices"))
    assert len(questions) >= 3
    for question in questions:
        block = page.locator(f"#question-{question.pk}")
        block.evaluate("el => window.scrollTo(0, window.scrollY + el.getBoundingClientRect().top)")
        if question.is_itemised:
            fill_items(block, question)
        elif not question.has_choices:
            block.get_by_label("답").fill(question.example_answer())
        else:
            for token in {c.token for c in question.choices.all() if c.is_correct}:
                block.locator(f'input[value="{token}"]').check()
        block.get_by_role("button", name="답 확인").click()
        verdict = page.locator(f"#question-{question.pk} .question__verdict")
        verdict.wait_for()
        page.wait_for_function("el => el === document.activeElement", arg=verdict.element_handle())
        page.wait_for_timeout(50)  # after htmx has settled and the page has scrolled
        seen = verdict.evaluate(
            """el => { const r = el.getBoundingClientRect();
                 const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                 return {top: r.top, bottom: r.bottom, height: innerHeight, covered: !(hit && el.contains(hit)),
                         hit: hit && hit.className}; }"""
        )
        assert 0 <= seen["top"] and seen["bottom"] <= seen["height"], (question.slug, seen)
        assert not seen["covered"], (question.slug, seen)
    context.close()
