"""Question versions pinned to answers, and the regrade that previews before it writes (Moodle 4's model)."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from core.models import AuditEntry
from learners.models import ReviewAnswer, SectionProgress
from quizzes import regrade
from quizzes.models import Answer, Attempt, Question, QuestionVersion, Regrade
from quizzes.tests.builders import add_itemised, make_check
from quizzes.tests.conftest import answer, token
from quizzes.tests.test_admin import existing, question_form
from quizzes.tests.test_history import review_of

pytestmark = pytest.mark.django_db


def fix_the_true_false_key(client, quiz):
    """The editor finds the key of "tf" backwards: 참 is right. alice answered 참."""
    tf = quiz.questions.get(key="tf")
    rows = [{**row, "is_correct": row["text"] == "참"} for row in existing(tf)]
    response = client.post(reverse("admin:quizzes_question_change", args=[tf.pk]), question_form(tf, rows), follow=True)
    assert response.status_code == 200
    return tf, response.content.decode()


def test_each_answer_keeps_the_version_it_was_graded_against(answered, client, editor):
    quiz, alice, attempt, before = answered
    single = quiz.questions.get(key="single")
    first = Answer.objects.get(question=single)
    assert first.version.number == 1 and first.version.content["prompt"] == single.prompt_html

    page = client.post(
        reverse("admin:quizzes_question_change", args=[single.pk]),
        question_form(single, existing(single), prompt="고친 문제: 노드 에이전트는?"),
        follow=True,
    ).content.decode()
    assert "새 판(판 2)을 만들었습니다" in page
    assert [v.number for v in single.versions.all()] == [1, 2]
    first.refresh_from_db()
    assert first.version.number == 1  # the edit did not move it

    bob = Client()
    bob.force_login(User.objects.create_user("bob"))
    answer(bob, quiz, "single", choice=token(quiz, "single", "kubelet"))
    assert Answer.objects.get(question=single, attempt__user__username="bob").version.number == 2

    after = alice.get(attempt.get_absolute_url()).content.decode()
    assert review_of(after, single) == review_of(before, single)
    assert "채점 기준: 이 문제의 판 1" in after and "고친 문제" not in after


def test_an_unchanged_question_keeps_one_version_and_an_unanswered_one_gets_none_from_the_admin(client, editor):
    quiz = make_check()
    single = quiz.questions.get(key="single")
    client.post(reverse("admin:quizzes_question_change", args=[single.pk]), question_form(single, existing(single)))
    assert not QuestionVersion.objects.exists()  # no answers yet: nothing to pin
    for name in ("ann", "ben"):
        learner = Client()
        learner.force_login(User.objects.create_user(name))
        answer(learner, quiz, "single", choice=token(quiz, "single", "etcd"))
    assert QuestionVersion.objects.count() == 1
    assert set(Answer.objects.values_list("version__number", flat=True)) == {1}


def test_a_regrade_shows_whose_scores_change_before_writing_anything(answered, client, editor):
    quiz, alice, attempt, _before = answered
    tf, _page = fix_the_true_false_key(client, quiz)
    url = reverse("admin:quizzes_question_regrade", args=[tf.pk])
    page = client.get(url).content.decode()
    assert "alice" in page and "+1점" in page and "이대로 재채점" in page
    assert not Regrade.objects.exists()
    given = Answer.objects.get(question=tf)
    assert (given.credit, given.is_correct, given.version.number) == (0, False, 1)
    assert Attempt.objects.scored().get().score.points == "3"


def test_applying_a_regrade_keeps_both_grades_and_what_the_learner_saw(answered, client, editor):
    quiz, alice, attempt, before = answered
    tf, _page = fix_the_true_false_key(client, quiz)
    url = reverse("admin:quizzes_question_regrade", args=[tf.pk])
    digest = regrade.plan(tf).digest
    page = client.post(url, {"digest": digest}).content.decode()
    assert "재채점했습니다" in page

    given = Answer.objects.get(question=tf)
    assert (given.credit, given.is_correct, given.version.number) == (1, True, 2)
    kept = Regrade.objects.get()
    assert (kept.old_credit, kept.new_credit, kept.from_version.number, kept.to_version.number) == (0, 1, 1, 2)
    assert kept.regraded_by == editor
    assert Attempt.objects.scored().get().score.points == "4"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.REGRADED)
    assert entry.user_name == "editor" and entry.object_id == str(tf.pk) and "점수가 바뀐 답 1개" in entry.detail

    after = alice.get(attempt.get_absolute_url()).content.decode()
    assert "판 1에서 0점 → 판 2에서 1점" in after
    shown_then = review_of(before, tf)
    seen, key = review_of(after, tf).split("다시 채점한 기준: 판 2의 정답")
    then = shown_then.split("채점 기준: 이 문제의 판 1.")[-1].split("<div")[0].strip()
    assert "참" in shown_then and seen.strip().endswith(then)
    # Below what alice saw then (거짓 the key), the key she is graded with now: 참, and nothing chosen in it.
    assert "정답 거짓" in seen and "정답 참" not in seen
    assert "정답 참" in key and "정답 거짓" not in key and "내 답" not in key
    # Nothing left to regrade, and a second POST of the old preview writes nothing more.
    client.post(url, {"digest": digest})
    assert Regrade.objects.count() == 1


def test_a_regrade_to_a_pass_completes_the_section(client, editor, django_capture_on_commit_callbacks):
    quiz = make_check(pass_mark=100)
    alice = Client()
    alice.force_login(User.objects.create_user("alice"))
    answer(alice, quiz, "single", choice=token(quiz, "single", "kubelet"))
    answer(alice, quiz, "multiple", choice=[token(quiz, "multiple", "파드"), token(quiz, "multiple", "서비스")])
    answer(alice, quiz, "tf", choice=token(quiz, "tf", "참"))
    answer(alice, quiz, "short", text="k8s")
    assert not SectionProgress.objects.filter(completed_at__isnull=False).exists()
    tf, _page = fix_the_true_false_key(client, quiz)
    with django_capture_on_commit_callbacks(execute=True):
        regrade.apply(tf, user=editor, digest=regrade.plan(tf).digest)
    assert SectionProgress.objects.filter(completed_at__isnull=False, section=quiz.section).exists()


def test_a_stale_preview_is_refused_and_changes_nothing(answered, client, editor):
    quiz, *_ = answered
    tf, _page = fix_the_true_false_key(client, quiz)
    page = client.post(reverse("admin:quizzes_question_regrade", args=[tf.pk]), {"digest": "old"}).content.decode()
    assert "미리 본 뒤에 답이 바뀌었습니다" in page and "이대로 재채점" in page
    assert not Regrade.objects.exists() and Answer.objects.get(question=tf).credit == 0


def test_every_kind_is_read_again_against_its_new_version():
    """Choices retired and replaced are followed to their successors; typed and itemised answers re-read."""
    quiz = make_check(slug="all-kinds")
    add_itemised(quiz)
    learner = Client()
    for question in quiz.questions.all():
        learner.post(reverse("quizzes:answer", args=[quiz.slug, question.pk]), question.example_post())
    assert Answer.objects.filter(credit=1).count() == 7
    for question in quiz.questions.all():
        question.explanation = "고친 해설"
        question.save()
        for choice in question.choices.all():
            choice.revise({"text": choice.text and choice.text + " (고침)", "feedback": "고친 피드백"})
    for question in quiz.questions.all():
        plan = regrade.plan(Question.objects.get(pk=question.pk))
        assert [(c.old, c.new, c.problem) for c in plan.changes] == [(1, 1, "")], question.key
        assert not plan.changed


def test_an_answer_that_cannot_be_read_against_the_new_version_is_listed_and_left_alone(answered):
    quiz, *_ = answered
    short = quiz.questions.get(key="short")
    short.kind = "numeric"
    short.accepted_answers = "8"
    short.save()
    plan = regrade.plan(short)
    assert [c.new for c in plan.changes] == [None] and "종류가 바뀌어" in plan.changes[0].problem
    regrade.apply(short, user=None, digest=plan.digest)
    assert Answer.objects.get(question=short).version.number == 1 and not Regrade.objects.exists()


def test_only_editors_of_questions_may_regrade(answered, client):
    quiz, *_ = answered
    tf = quiz.questions.get(key="tf")
    url = reverse("admin:quizzes_question_regrade", args=[tf.pk])
    staff = User.objects.create_user("staff", is_staff=True)
    client.force_login(staff)
    assert client.get(url).status_code == 403
    assert client.post(url, {"digest": regrade.plan(tf).digest}).status_code == 403
    client.force_login(User.objects.create_user("learner"))
    assert client.get(url).status_code == 302  # to the admin login
    assert not Regrade.objects.exists()


def test_review_answers_are_pinned_too(answered):
    quiz, alice, *_ = answered
    card = alice.get(reverse("learners:review")).context["cards"][0].state
    question = card.question
    alice.post(card.action, {**question.example_post(), "version": card.version, "number": 1})
    assert ReviewAnswer.objects.get().version.question_id == question.pk


def test_existing_answers_are_pinned_to_versions_when_migrated(answered):
    """The migration: one version per distinct content the answers were shown, by first answer."""
    quiz, alice, attempt, before = answered
    single = quiz.questions.get(key="single")
    bob = Client()
    bob.force_login(User.objects.create_user("bob"))
    single.prompt = "고친 문제"
    single.save()
    answer(bob, quiz, "single", choice=token(quiz, "single", "kubelet"))
    Answer.objects.update(version=None)
    QuestionVersion.objects.all().delete()
    importlib.import_module("learners.migrations.0011_pin_answers_to_versions").pin(apps, None)
    versions = {a.attempt.user.username: a.version for a in Answer.objects.filter(question=single)}
    assert (versions["alice"].number, versions["bob"].number) == (1, 2)
    assert versions["bob"].content["prompt"] == single.prompt_html
    assert not Answer.objects.filter(version=None).exists()
    # The current content matches the last pinned version: no version is made for nothing.
    assert QuestionVersion.of(Question.objects.get(pk=single.pk)) == versions["bob"]


def test_the_item_analysis_counts_choices_of_the_current_version_and_says_so(answered, client, editor):
    from quizzes.stats import analyse

    quiz, *_ = answered
    tf, _page = fix_the_true_false_key(client, quiz)  # alice's answer (참) was graded by version 1
    item = next(item for item in analyse(quiz).items if item.question.pk == tf.pk)
    assert (item.version, item.older) == (2, 1)
    assert [(text, times) for text, times, _right in item.frequencies] == [("참", 0), ("거짓", 0)]
    page = client.get(reverse("admin:quizzes_quiz_stats", args=[quiz.pk])).content.decode()
    assert "현재 판으로 채점된 답만 셉니다" in page and "이전 판으로 채점된 답 1개" in page
