"""Learners' history survives content changes: attacks by an editor and by a changed bank file."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from course.files import ContentError
from learners.models import SectionProgress
from quizzes.loader import load_quiz_file
from quizzes.models import Answer, Attempt, Question, Quiz
from quizzes.tests.builders import add_question, make_check

pytestmark = pytest.mark.django_db
BANK = Path(settings.CONTENT_DIR) / "cloud-native-patterns" / "quizzes" / "lecture-01.toml"


def answer(client, quiz, key, **data):
    question = quiz.questions.get(key=key)
    return client.post(reverse("quizzes:answer", args=[quiz.slug, question.pk]), data)


def token(quiz, key, text):
    return quiz.questions.get(key=key).choices.get(text=text).token


@pytest.fixture
def learner_history():
    """A learner ("alice") who completed the section and finished the check: 3 of 4 right."""
    quiz = make_check()
    alice = Client()
    alice.force_login(User.objects.create_user("alice"))
    answer(alice, quiz, "single", choice=token(quiz, "single", "kubelet"))
    answer(alice, quiz, "multiple", choice=[token(quiz, "multiple", "파드"), token(quiz, "multiple", "서비스")])
    answer(alice, quiz, "tf", choice=token(quiz, "tf", "참"))  # wrong
    answer(alice, quiz, "short", text="k8s")
    alice.post(reverse("learners:section-complete", args=[quiz.section.pk]), {"completed": "1"})
    return quiz, alice


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
    assert "4문제 중 3문제 정답" in shown and "4문제 중 3문제 이상 맞혀 통과했습니다" in shown
    for n in range(4):  # the editor adds questions and raises the pass mark afterwards
        add_question(quiz, "single", f"later-{n}", 10 + n, [("a", True, ""), ("b", False, "")])
    Quiz.objects.filter(pk=quiz.pk).update(pass_mark=90)
    again = alice.get(attempt.get_absolute_url()).content.decode()
    assert "4문제 중 3문제 정답" in again and "4문제 중 3문제 이상 맞혀 통과했습니다" in again
    score = Attempt.objects.scored().get().score
    assert (score.correct, score.total, score.percent, score.passed) == (3, 4, 75, True)
    assert re.search(r"75\s*%|75점", alice.get(reverse("learners:dashboard")).content.decode())


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
