"""Learners' history survives content changes: attacks by an editor and by a changed bank file."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from core.files import ContentError
from learners.models import SectionProgress
from quizzes.loader import load_quiz_file
from quizzes.models import Answer, Attempt, Choice, Question, Quiz
from quizzes.tests.builders import add_question, make_check

pytestmark = pytest.mark.django_db
BANK = Path(settings.CONTENT_DIR) / "cloud-native-patterns" / "quizzes" / "lecture-01.toml"


def records():
    return Attempt.objects.count(), Answer.objects.count(), SectionProgress.objects.count()


def test_an_editor_cannot_delete_a_quiz_or_section_that_learners_records_point_to(learner_history, client, editor):
    quiz, _ = learner_history
    before = records()
    for url in (
        reverse("admin:quizzes_quiz_delete", args=[quiz.pk]),
        reverse("admin:quizzes_question_delete", args=[quiz.questions.get(key="single").pk]),
        reverse("admin:course_section_delete", args=[quiz.section.pk]),
        reverse("admin:course_lecture_delete", args=[quiz.lecture.pk]),
    ):
        page = client.get(url).content.decode()
        assert "학습 기록은 지우지 않으므로 지울 수 없습니다" in page and "alice" not in page, url
        client.post(url, {"post": "yes"})
    changelist = reverse("admin:quizzes_quiz_changelist")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [quiz.pk], "post": "yes"})
    assert records() == before and Quiz.objects.filter(pk=quiz.pk).exists()


def test_unpublishing_instead_keeps_the_history(learner_history, client, editor):
    quiz, alice = learner_history
    before = records()
    client.post(reverse("admin:quizzes_quiz_changelist"), {"action": "unpublish", "_selected_action": [quiz.pk]})
    assert records() == before and not Quiz.objects.get(pk=quiz.pk).is_published
    assert "1회차" in alice.get(reverse("learners:dashboard")).content.decode()


def test_a_finished_result_never_changes_when_the_quiz_is_edited(learner_history, client, editor):
    quiz, alice = learner_history
    attempt = Attempt.objects.get()
    shown = alice.get(attempt.get_absolute_url()).content.decode()
    assert "3 / 4점" in shown and "4점 중 3점 이상을 받아 통과했습니다" in shown
    for n in range(4):  # the editor adds questions and raises the pass mark afterwards
        add_question(quiz, "single", f"later-{n}", 10 + n, [("a", True, ""), ("b", False, "")])
    Quiz.objects.filter(pk=quiz.pk).update(pass_mark=90)
    again = alice.get(attempt.get_absolute_url()).content.decode()
    assert "3 / 4점" in again and "4점 중 3점 이상을 받아 통과했습니다" in again
    score = Attempt.objects.scored().get().score
    assert (score.correct, score.total, score.percent, score.passed) == (3, 4, 75, True)
    assert re.search(r"75%", alice.get(reverse("learners:dashboard")).content.decode())


def test_removing_an_answered_question_from_the_bank_file_changes_nothing(shipped_course, tmp_path):
    load_quiz_file(BANK, shipped_course)
    question = Question.objects.filter(kind="single").select_related("quiz").first()
    learner = Client()
    learner.post(
        reverse("quizzes:answer", args=[question.quiz.slug, question.pk]), {"choice": question.choices.first().token}
    )
    text = BANK.read_text(encoding="utf-8")
    start = text.index(f'key = "{question.key}"')
    start = text.rindex("[[quiz.question]]", 0, start)
    following = [i for i in (text.find("[[quiz.question]]", start + 1), text.find("[[quiz]]", start)) if i != -1]
    end = min(following, default=len(text))
    edited = tmp_path / "lecture-01.toml"
    edited.write_text(text[:start] + text[end:], encoding="utf-8")
    before = records(), Question.objects.count()
    with pytest.raises(ContentError) as error:
        load_quiz_file(edited, shipped_course)
    assert question.key in str(error.value) and "학습자의 답안이 있어 지울 수 없습니다" in str(error.value)
    assert (records(), Question.objects.count()) == before


def review_of(html, question):
    """The attempt page's block for one question, as text."""
    block = html.split(f'id="question-{question.pk}"', 1)[1].split('class="question__explanation"', 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block))


def picked(question):
    """The choices answers to ``question`` point to, retired ones included."""
    return Choice.all_objects.filter(answers__question=question)


def test_a_reimported_bank_with_other_choices_keeps_what_the_learner_chose(answered, tmp_path):
    """Audit 3, item 2: the bank loader rewrote choices in place and deleted the extra ones."""
    quiz, alice, attempt, before = answered
    single, multiple = quiz.questions.get(key="single"), quiz.questions.get(key="multiple")
    bank = tmp_path / "bank.toml"
    bank.write_text(
        f"""lecture = {quiz.lecture.number}
[[quiz]]
slug = "{quiz.slug}"
kind = "check"
section = "{quiz.section.slug}"
title = "확인 문제"
[[quiz.question]]
key = "single"
kind = "single"
prompt = "바뀐 문제?"
explanation = "바뀐 해설"
[[quiz.question.choice]]
text = "kube-proxy"
correct = true
[[quiz.question.choice]]
text = "etcd"
correct = false
[[quiz.question]]
key = "multiple"
kind = "multiple"
prompt = "고르세요"
explanation = "해설"
[[quiz.question.choice]]
text = "파드"
correct = true
[[quiz.question.choice]]
text = "노드"
correct = false
[[quiz.question]]
key = "tf"
kind = "true_false"
prompt = "참인가?"
explanation = "해설"
answer = false
[[quiz.question]]
key = "short"
kind = "short"
prompt = "줄여 쓰면?"
explanation = "해설"
accepted = ["k8s"]
""",
        encoding="utf-8",
    )
    load_quiz_file(bank, quiz.lecture.course, force=True)
    assert [c.text for c in single.choices.all()] == ["kube-proxy", "etcd"]  # learners now see the new choices
    assert [c.text for c in multiple.choices.all()] == ["파드", "노드"]
    kept = picked(single).get()
    assert kept.text == "kubelet" and kept.retired  # the choice alice picked: kept as it was
    assert set(picked(multiple).values_list("text", flat=True)) == {"파드", "서비스"}
    after = alice.get(attempt.get_absolute_url()).content.decode()
    for question in (single, multiple):
        assert review_of(after, question) == review_of(before, question)
    assert "kubelet" in review_of(after, single) and "kube-proxy" not in after


def test_a_gift_file_with_the_same_question_name_and_other_choices_keeps_the_answer(answered):
    from quizzes.gift_bank import import_gift

    quiz, alice, attempt, before = answered
    single = quiz.questions.get(key="single")
    import_gift(
        "::single::바뀐 문제? {=kube-proxy ~etcd ~containerd}",
        course=quiz.lecture.course,
        lecture_number=quiz.lecture.number,
        quiz_slug=quiz.slug,
    )
    single.refresh_from_db()
    assert [c.text for c in single.choices.all()] == ["kube-proxy", "etcd", "containerd"]
    assert picked(single).get().text == "kubelet"
    assert review_of(alice.get(attempt.get_absolute_url()).content.decode(), single) == review_of(before, single)


def test_the_admin_cannot_delete_a_chosen_choice_and_an_edit_keeps_the_learners(answered, client, editor):
    from quizzes.tests.test_admin import question_form

    quiz, alice, attempt, before = answered
    single = quiz.questions.get(key="single")
    kubelet, etcd = single.choices.get(text="kubelet"), single.choices.get(text="etcd")
    url = reverse("admin:quizzes_question_change", args=[single.pk])
    rows = [
        {"id": kubelet.pk, "order": 1, "text": "kubelet", "is_correct": True, "feedback": "", "DELETE": "on"},
        {"id": etcd.pk, "order": 2, "text": "etcd", "is_correct": False, "feedback": ""},
        {"order": 3, "text": "kube-proxy", "is_correct": True, "feedback": ""},
    ]
    page = client.post(url, question_form(single, rows)).content.decode()
    assert "보호상태" in page and "학습자가 고른 기록" in page  # Django's refusal to delete a protected row
    assert single.choices.filter(text="kubelet").exists()

    rows = [
        {"id": kubelet.pk, "order": 1, "text": "kubelet (노드 에이전트)", "is_correct": True, "feedback": ""},
        {"id": etcd.pk, "order": 2, "text": "etcd", "is_correct": False, "feedback": ""},
    ]
    response = client.post(url, question_form(single, rows, prompt="고친 문제?"))
    assert response.status_code == 302
    assert [c.text for c in single.choices.all()] == ["kubelet (노드 에이전트)", "etcd"]
    assert picked(single).get().pk == kubelet.pk  # still the one she chose
    after = alice.get(attempt.get_absolute_url()).content.decode()
    assert review_of(after, single) == review_of(before, single) and "고친 문제" not in after


def test_no_path_deletes_a_choice_an_answer_points_to(answered):
    from django.db.models import ProtectedError

    quiz, *_ = answered
    chosen = quiz.questions.get(key="single").choices.get(text="kubelet")
    with pytest.raises(ProtectedError):
        chosen.delete()
    with pytest.raises(ProtectedError):
        type(chosen).objects.filter(pk=chosen.pk).delete()
    chosen.remove()  # what the loaders call: retires it instead
    assert type(chosen).all_objects.get(pk=chosen.pk).retired


def test_the_attempt_page_shows_every_kind_as_it_was_answered_after_every_edit(client, editor):
    """Ordering, matching and cloze too: the prompt, the items in the order shown, the key."""
    from quizzes.tests.builders import add_itemised

    quiz = make_check(slug="all-kinds")
    _ordering, _matching, cloze = add_itemised(quiz)
    learner = Client()
    for question in quiz.questions.all():
        post = question.example_post()
        learner.post(reverse("quizzes:answer", args=[quiz.slug, question.pk]), post)
    attempt = Attempt.objects.get()
    before = learner.get(attempt.get_absolute_url()).content.decode()
    for question in quiz.questions.all():
        question.prompt = "고친 문제 {1} {2}" if question == cloze else "고친 문제"
        question.explanation = "고친 해설"
        question.accepted_answers = "도커\n노드" if question == cloze else question.accepted_answers
        question.save()
        for choice in question.choices.all():
            choice.revise({"text": choice.text and choice.text + " (고침)", "match": choice.match and "고친 짝"})
    after = learner.get(attempt.get_absolute_url()).content.decode()
    for question in quiz.questions.all():
        assert review_of(after, question) == review_of(before, question), question.key
    assert "고친" not in after and "정답입니다" in after and after.count("정답입니다") == before.count("정답입니다")


def test_existing_answers_are_given_what_their_question_shows_when_migrated(answered):
    """The migration's backfill: answers from before it get the record the page then showed."""
    import importlib

    from django.apps import apps

    quiz, alice, attempt, before = answered
    Answer.objects.update(shown={})
    migration = importlib.import_module("quizzes.migrations.0007_answer_keeps_what_was_shown")
    migration.keep_what_was_shown(apps, None)
    assert all(answer.shown["prompt"] for answer in Answer.objects.all())
    after = alice.get(attempt.get_absolute_url()).content.decode()
    for question in quiz.questions.all():
        assert review_of(after, question) == review_of(before, question), question.key
