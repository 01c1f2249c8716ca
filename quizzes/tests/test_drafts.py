"""Drafts of quizzes, and the knowledge check in a draft's preview: shown as learners meet it, never recorded."""

import re

import pytest
import reversion
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from reversion.models import Revision, Version

from core.models import AuditEntry
from course import drafts
from course.models import Course, Draft
from course.tests.builders import make_lecture, make_section
from course.tests.test_drafts import change_url, inline_rows
from learners.models import SectionProgress
from quizzes import services
from quizzes.models import Answer, Attempt, QuestionVersion, Quiz
from quizzes.tests.builders import add_question, make_check

pytestmark = pytest.mark.django_db

WORD = "초안퀴즈제목"


def quiz_form(quiz, **changes):
    rows = list(quiz.questions.all())
    data = {
        "lecture": quiz.lecture_id,
        "section": quiz.section_id or "",
        "kind": quiz.kind,
        "slug": quiz.slug,
        "title": quiz.title,
        "pass_mark": quiz.pass_mark,
        "shuffle": "on" if quiz.shuffle else "",
        "is_published": "on" if quiz.is_published else "",
        **inline_rows("questions", rows, ["order", "key", "kind", "prompt"]),
        **{f"questions-{n}-section": row.section_id or "" for n, row in enumerate(rows)},
    }
    data.update(changes)
    return data


def save_draft(client, quiz, **changes):
    return client.post(change_url(quiz), {**quiz_form(quiz, **changes), "_save_draft": "1"})


@pytest.fixture
def check(db):
    return make_check()


@pytest.fixture
def review(db):
    lecture = make_lecture(Course.objects.first(), number=2)
    quiz = Quiz.objects.create(lecture=lecture, kind=Quiz.Kind.REVIEW, slug="review", title="복습 퀴즈")
    add_question(quiz, "single", "q1", 1, [("맞는 답", True, ""), ("틀린 답", False, "")])
    return quiz


def learner_records():
    counts = [Attempt.objects.count(), Answer.objects.count(), SectionProgress.objects.count(), Session.objects.count()]
    return [*counts, QuestionVersion.objects.count()]  # a preview's answer makes no question version either


def test_a_quiz_draft_leaves_the_live_quiz_for_learners(client, editor, check):
    response = save_draft(client, check, title=WORD, pass_mark=40)
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.title == "확인 문제" and check.pass_mark == 70 and Draft.of(check).data["title"] == WORD
    page = Client().get(check.section.get_absolute_url()).content.decode()
    assert "확인 문제" in page and WORD not in page


def test_a_review_quiz_draft_leaves_its_page_and_is_previewed_on_it(client, editor, review):
    save_draft(client, review, title=WORD)
    assert WORD not in Client().get(review.get_absolute_url()).content.decode()
    preview = client.get(reverse("course:draft-preview", args=[Draft.of(review).pk])).content.decode()
    assert WORD in preview and "q1 문제?" in preview and "미리 보기에서는 답을 저장하지 않습니다" in preview


def test_the_preview_of_a_check_shows_the_draft_under_its_section_and_records_nothing(client, editor, check):
    save_draft(client, check, title=WORD)
    before = learner_records()
    url = reverse("course:draft-preview", args=[Draft.of(check).pk])
    response = client.get(url)
    html = response.content.decode()
    assert WORD in html and "kubelet" in html and check.section.title in html
    assert "미리 보기에서는 답을 저장하지 않습니다" in html and "미리 보기에서는 진도를 저장하지 않습니다" in html
    # Its questions post to the preview's grader alone: no answer endpoint, no visit beacon, no completion toggle.
    posts = re.findall(r'data-hx-post="([^"]+)"', html.split("site-footer")[0])
    assert posts and all(url.startswith("/quizzes/preview-check/") for url in posts)
    # Interacting: the page's own address takes no answer, and the link's reader has no session.
    assert client.post(url, {"choice": "x"}).status_code == 405
    link = reverse("course:signed-preview", args=[drafts.preview_token(Draft.of(check))])
    visitor = Client()
    assert WORD in visitor.get(link).content.decode()
    assert visitor.post(link, {"choice": "x"}).status_code == 405
    assert learner_records() == before and not visitor.cookies


def test_a_section_preview_shows_its_live_check_quiz_as_before_answering(client, editor, check):
    from course.tests.test_admin import section_form

    section = check.section
    client.post(change_url(section), {**section_form(section, body="섹션 초안 본문"), "_save_draft": "1"})
    before = learner_records()
    html = client.get(reverse("course:draft-preview", args=[Draft.of(section).pk])).content.decode()
    assert "섹션 초안 본문" in html and "확인 문제" in html and "kubelet" in html
    assert "정답입니다" not in html and "미리 보기에서는 답을 저장하지 않습니다" in html
    assert learner_records() == before


def test_an_editors_own_attempt_does_not_show_in_the_preview(client, editor, check):
    question = check.questions.get(key="single")
    token = question.choices.get(text="kubelet").token
    client.post(reverse("quizzes:answer", args=[check.slug, question.pk]), {"choice": token})
    assert Answer.objects.count() == 1
    save_draft(client, check, title=WORD)
    html = client.get(reverse("course:draft-preview", args=[Draft.of(check).pk])).content.decode()
    assert WORD in html and "정답입니다" not in html


def test_the_shared_questions_keep_the_live_quiz_after_a_preview(client, editor, check):
    save_draft(client, check, title=WORD, pass_mark=10)
    client.get(reverse("course:draft-preview", args=[Draft.of(check).pk]))  # builds the shared questions
    check.refresh_from_db()
    assert {question.quiz.title for question in services.quiz_questions(check)} == {"확인 문제"}
    assert "확인 문제" in Client().get(check.section.get_absolute_url()).content.decode()


def test_publishing_a_quiz_draft_in_one_revision(client, editor, check):
    added = not reversion.is_registered(Quiz)
    if added:
        reversion.register(Quiz)
    try:
        save_draft(client, check, title=WORD, pass_mark=50)
        visitor = Client()
        assert WORD not in visitor.get(check.section.get_absolute_url()).content.decode()
        client.post(reverse("admin:quizzes_quiz_draft_publish", args=[check.pk]))
        check.refresh_from_db()
        assert check.title == WORD and check.pass_mark == 50 and not Draft.objects.exists()
        assert Version.objects.get_for_object(check).get().revision == Revision.objects.get()
    finally:
        if added:
            reversion.unregister(Quiz)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.PUBLISHED, object_id=str(check.pk)).exists()
    assert WORD in visitor.get(check.section.get_absolute_url()).content.decode()


def test_a_quiz_draft_that_breaks_a_rule_is_refused_on_publish(client, editor, check):
    other = make_section(check.lecture, "다른 절", order=2)
    save_draft(client, check, section=other.pk)
    make_check(other, slug="other-check")  # meanwhile the other section got its own check
    response = client.post(reverse("admin:quizzes_quiz_draft_publish", args=[check.pk]), follow=True)
    assert "공개하지 못했습니다" in response.content.decode()
    check.refresh_from_db()
    assert check.section_id != other.pk and Draft.of(check) is not None


def test_a_quiz_draft_refuses_changed_questions(client, editor, check):
    response = save_draft(client, check, title=WORD, **{"questions-0-prompt": "인라인에서 고친 문제"})
    html = response.content.decode()
    assert response.status_code == 200 and "초안으로 저장할 수 없습니다" in html
    # Questions have no drafts of their own: the message says so and does not send the editor looking for one.
    assert "아래 목록(문제)에는 초안이 없습니다" in html
    assert "따로 초안으로 저장" not in html
    assert not Draft.objects.exists() and check.questions.get(key="single").prompt == "single 문제?"


def test_the_quiz_list_shows_drafts(client, editor, check, review):
    save_draft(client, review, title=WORD)
    html = client.get(reverse("admin:quizzes_quiz_changelist")).content.decode()
    assert html.count("초안 있음") == 1


def test_staff_without_the_quiz_permission_cannot_preview_or_publish(client, editor, check):
    from django.contrib.auth.models import Permission, User

    save_draft(client, check, title=WORD)
    helper = User.objects.create_user("helper", password="pw", is_staff=True)
    helper.user_permissions.add(Permission.objects.get(codename="change_section"))
    client.force_login(helper)
    assert client.get(reverse("course:draft-preview", args=[Draft.of(check).pk])).status_code == 403
    assert client.post(reverse("admin:quizzes_quiz_draft_publish", args=[check.pk])).status_code == 403


def test_a_shipped_lesson_with_its_figures_and_check_previews_and_publishes(client, editor, shipped_course):
    import os

    from django.core.management import call_command

    from course.tests.test_admin import section_form

    call_command("load_quizzes", verbosity=0, stdout=open(os.devnull, "w"))
    section = shipped_course.lectures.get(number=1).sections.get(slug="쿠버네티스")
    body = f"{section.body}\n\n## {WORD}\n\n덧붙인 문단."
    client.post(change_url(section), {**section_form(section, body=body), "_save_draft": "1"})
    visitor = Client()
    assert WORD not in visitor.get(section.get_absolute_url()).content.decode()
    assert WORD not in visitor.get(reverse("course:search"), {"q": "덧붙인 문단"}).content.decode()
    before = learner_records()
    link = reverse("course:signed-preview", args=[drafts.preview_token(Draft.of(section))])
    html = visitor.get(link).content.decode()
    assert f"{WORD}</h2>" in html and "확인 문제" in html and "<figure" in html
    assert learner_records() == before
    client.post(reverse("admin:course_section_draft_publish", args=[section.pk]))
    assert WORD in visitor.get(reverse("course:search"), {"q": "덧붙인 문단"}).content.decode()


def preview_forms(html):
    """{question pk: the check token} of a preview's question forms."""
    found = re.findall(r'/quizzes/preview-check/(\d+)/".*?name="check" value="([^"]+)"', html, re.S)
    return {int(pk): token for pk, token in found}


def test_a_preview_s_questions_answer_back_and_record_nothing(client, editor, check):
    save_draft(client, check, title=WORD)
    link = reverse("course:signed-preview", args=[drafts.preview_token(Draft.of(check))])
    reviewer = Client()  # a reviewer with the link and no account
    forms = preview_forms(reviewer.get(link).content.decode())
    question = check.questions.get(kind="single")
    right, wrong = question.choices.get(is_correct=True), question.choices.filter(is_correct=False).first()
    before = learner_records()
    url = reverse("quizzes:preview-check", args=[question.pk])
    htmx = {"HX-Request": "true"}
    graded = reviewer.post(url, {"check": forms[question.pk], "choice": right.token}, headers=htmx)
    html = graded.content.decode()
    assert graded.status_code == 200 and "정답입니다" in html and html.lstrip().startswith('<div class="question')
    assert graded["Cache-Control"] == "private, no-store"
    wrong_page = reviewer.post(url, {"check": forms[question.pk], "choice": wrong.token}).content.decode()
    assert "오답입니다" in wrong_page and "미리 보기 채점" in wrong_page  # without JavaScript: a page of its own
    empty = reviewer.post(url, {"check": forms[question.pk]}, headers=htmx).content.decode()
    assert 'role="alert"' in empty and "답 확인" in empty  # the form again, with why
    assert learner_records() == before and not reviewer.cookies
    assert not Answer.objects.exists() and not Attempt.objects.exists()


def test_a_preview_check_without_a_live_draft_s_token_for_its_question_is_refused(client, editor, check, review):
    question = check.questions.first()
    url = reverse("quizzes:preview-check", args=[question.pk])
    assert Client().post(url, {"choice": "x"}).status_code == 404
    assert Client().post(url, {"check": "forged", "choice": "x"}).status_code == 404
    save_draft(client, check, title=WORD)
    draft = Draft.of(check)
    good = services.preview_check_token(draft, question.pk)
    assert Client().post(url, {"check": good}).status_code == 200
    other = services.preview_check_token(draft, question.pk + 999)
    assert Client().post(url, {"check": other}).status_code == 404  # another question's token
    gone = reverse("quizzes:preview-check", args=[question.pk + 999])
    assert Client().post(gone, {"check": other}).status_code == 404  # a question that does not exist
    elsewhere = review.questions.first()  # a question this draft's preview never showed
    token = services.preview_check_token(draft, elsewhere.pk)
    assert Client().post(reverse("quizzes:preview-check", args=[elsewhere.pk]), {"check": token}).status_code == 404
    drafts.draft_discard(draft=draft, user=editor)  # the draft is gone: its preview's forms grade no more
    assert Client().post(url, {"check": good}).status_code == 404
