"""Safe authoring, the whole story in a real browser (issue 20): an editor saves a section as a draft,
previews it, publishes it, compares and reverts revisions; then fixes a question's key after a
learner answered it, and regrades, while the learner watches each step from a second browser.

Every check reads what is on screen (visible text), not only the HTML sent.
"""

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from course.apps import EDITORS_GROUP
from course.models import Draft, Section
from e2e.test_learner import PASSWORD, log_in
from e2e.test_quiz import answer_all
from quizzes.models import Answer, Attempt, Regrade

pytestmark = pytest.mark.e2e

WORD = "무지개송어"  # in no shipped text: where it shows, the draft shows
ADDED = f"편집자가 {WORD} 이야기를 한 문장 더했습니다."
OLD_PROMPT = "퍼블릭 클라우드에서만 성립하는 개념이다"
NEW_PROMPT = "클라우드 네이티브는 퍼블릭·프라이빗·하이브리드 클라우드 어디서나 성립하는 개념이다."


def make_editor():
    editor = User.objects.create_user("editor", password=PASSWORD, is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return editor


def admin_log_in(page, username):
    page.goto("/admin/login/")
    page.get_by_label("사용자 이름").fill(username)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    expect(page.locator("#site-name")).to_be_visible()


def message(page, text):
    """The admin's message after a post/redirect/get, on screen."""
    return page.locator(".messagelist li", has_text=text)


@pytest.fixture
def learner(browser, live_server):
    """A second browser: a learner signed in to their own account."""
    User.objects.create_user("learner", email="learner@example.org", password=PASSWORD)
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    log_in(page, "learner")
    yield page
    context.close()


def test_a_draft_is_previewed_published_compared_and_reverted_and_a_fixed_key_is_regraded(
    page, learner, browser, live_server, quizzes
):
    make_editor()
    admin_log_in(page, "editor")
    section = Section.objects.get(slug="마치며")
    original = section.body
    lesson = section.get_absolute_url()

    # 1. The editor adds a sentence and saves it as a draft.
    page.goto(f"/admin/course/section/{section.pk}/change/")
    page.locator("#id_body").fill(f"{original}\n\n{ADDED}")
    page.get_by_role("button", name="초안으로 저장").click()
    expect(message(page, "초안으로 저장했습니다")).to_be_visible()
    notice = page.locator(".draft-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("초안을 편집하고 있습니다.")
    section.refresh_from_db()
    assert section.body == original and Draft.objects.count() == 1

    # 2. Learners still read the published text; the editor's preview and the signed link show the draft.
    learner.goto(lesson)
    expect(learner.locator(".prose")).to_be_visible()
    expect(learner.get_by_text(WORD)).to_have_count(0)
    with page.context.expect_page() as opened:
        notice.get_by_role("link", name="미리 보기", exact=True).click()
    preview = opened.value
    expect(preview.locator(".preview-banner")).to_be_visible()
    expect(preview.locator(".preview-banner")).to_contain_text("미리 보기 — 학습자에게는 아직 보이지 않습니다")
    expect(preview.locator(".prose").get_by_text(WORD)).to_be_visible()
    preview.close()

    link = notice.get_by_label("미리 보기 링크").input_value()
    assert link.startswith(live_server.url)
    stranger = browser.new_context()  # no account, no cookie: only the link
    shared = stranger.new_page()
    shared.goto(link)
    expect(shared.locator(".preview-banner")).to_be_visible()
    expect(shared.locator(".prose").get_by_text(WORD)).to_be_visible()
    check = quizzes.get(section=section, kind="check")  # the reviewer answers the lesson's check: graded, not kept
    answer_all(shared, check, first_correct=False)
    expect(shared.locator(".question.is-wrong")).to_have_count(1)
    assert not Answer.objects.filter(question__quiz=check).exists() and not stranger.cookies()
    stranger.close()

    # 3. Published: the learner sees the sentence.
    notice.get_by_role("button", name="공개", exact=True).click()
    expect(message(page, "초안을 공개했습니다")).to_be_visible()
    expect(page.locator(".draft-notice")).to_have_count(0)
    learner.reload()
    expect(learner.locator(".prose").get_by_text(WORD)).to_be_visible()

    # 4. The history: the publish's revision against the one before, loaded in place by htmx; then a revert.
    page.goto(f"/admin/course/section/{section.pk}/history/")
    rows = page.locator("#change-history tbody tr")
    expect(rows).to_have_count(2)  # the import, the publish
    expect(rows.first).to_contain_text("초안 공개")
    page.evaluate("window.__marker = 'same page'")
    page.get_by_role("link", name="리비전 2: 이전과 비교").click()
    diff = page.locator("#revision-diff")
    expect(diff.get_by_role("heading", name="리비전 2에서 바뀐 것 (이전 리비전과 비교)")).to_be_visible()
    added = diff.locator("tr.revision-diff__added", has_text=WORD)
    expect(added).to_be_visible()
    expect(added.get_by_role("rowheader")).to_have_text("더함")
    expect(added.locator("ins")).to_contain_text(ADDED)
    assert page.evaluate("window.__marker") == "same page"  # no page load: htmx swapped the diff in

    page.get_by_role("button", name="리비전 1(으)로 되돌리기").click()
    expect(message(page, "되돌렸습니다")).to_be_visible()
    expect(rows).to_have_count(3)
    learner.reload()
    expect(learner.locator(".prose")).to_be_visible()
    expect(learner.get_by_text(WORD)).to_have_count(0)
    section.refresh_from_db()
    assert section.body == original

    # 5. The learner answers a knowledge check, the true-or-false question wrongly (참).
    quiz = quizzes.get(section__slug="클라우드-네이티브")
    questions = list(quiz.questions.prefetch_related("choices"))
    tf = next(q for q in questions if q.kind == "true_false")
    learner.goto(quiz.section.get_absolute_url())
    for question in questions:
        block = learner.locator(f"#question-{question.pk}")
        if question == tf:
            block.get_by_label("참", exact=True).check()
        else:
            for choice in question.choices.all():
                if choice.is_correct:
                    block.locator(f'input[value="{choice.token}"]').check()
        block.get_by_role("button", name="답 확인").click()
        expect(learner.locator(f"#question-{question.pk}.question--answered")).to_be_visible()
    expect(learner.locator(".quiz-score__result")).to_be_visible()
    learner.get_by_role("link", name="결과 자세히 보기").click()
    summary = learner.locator(".result-summary")
    expect(summary).to_contain_text("2 / 3점")
    answered = learner.locator(f"#question-{tf.pk}")
    expect(answered.locator(".question__prompt")).to_contain_text(OLD_PROMPT)
    expect(answered.locator(".question__verdict")).to_contain_text("오답입니다")
    expect(answered.locator(".question__graded")).to_have_text("채점 기준: 이 문제의 판 1.")

    # The editor finds the statement and its key wanting: a new prompt, and 참 is right.
    page.goto(f"/admin/quizzes/question/{tf.pk}/change/")
    page.locator("#id_prompt").fill(NEW_PROMPT)
    for row in range(2):
        text = page.locator(f"#id_choices-{row}-text").input_value()
        page.locator(f"#id_choices-{row}-is_correct").set_checked(text == "참")
    page.locator("input[name=_save]").click()
    expect(message(page, "새 판(판 2)을 만들었습니다")).to_be_visible()

    # What the learner answered stays as it was graded: the old prompt, the old key, version 1.
    learner.reload()
    answered = learner.locator(f"#question-{tf.pk}")
    expect(answered.locator(".question__prompt")).to_contain_text(OLD_PROMPT)
    expect(answered.locator(".question__prompt")).not_to_contain_text(NEW_PROMPT)
    expect(answered.locator(".choice-review__item.is-right")).to_have_text("정답 거짓")
    expect(answered.locator(".choice-review__item.is-chosen")).to_contain_text("내 답")
    expect(answered.locator(".question__graded")).to_contain_text("판 1")
    expect(summary).to_contain_text("2 / 3점")

    # 6. The regrade: first what it would change, with nothing written; then done.
    page.goto(f"/admin/quizzes/question/{tf.pk}/change/")
    page.get_by_role("link", name="재채점 미리 보기").click()
    row = page.get_by_role("row").filter(has_text="learner")
    expect(row).to_be_visible()
    expect(row).to_contain_text("판 1")
    expect(row.get_by_role("cell").last).to_have_text("+1점")
    given = Answer.objects.get(question=tf)
    assert not Regrade.objects.exists()
    assert (given.credit, given.is_correct, given.version.number) == (0, False, 1)

    page.get_by_role("button", name="이대로 재채점").click()
    expect(page.get_by_role("heading", name="재채점했습니다.")).to_be_visible()
    given.refresh_from_db()
    assert (given.credit, given.version.number) == (1, 2) and Regrade.objects.count() == 1
    assert Attempt.objects.scored().get().score.points == "3"

    learner.reload()
    answered = learner.locator(f"#question-{tf.pk}")
    graded = answered.locator(".question__graded")
    expect(graded).to_contain_text("다시 채점: 판 1에서 0점 → 판 2에서 1점")
    expect(answered.locator(".question__verdict")).to_contain_text("정답입니다")
    expect(answered.locator(".question__prompt")).to_contain_text(OLD_PROMPT)  # still what the learner saw
    expect(summary).to_contain_text("(100%)")
    expect(summary).to_contain_text("3 / 3점")
