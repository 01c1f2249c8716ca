"""Grading of every kind, short-answer normalisation and pass-mark arithmetic."""

import pytest

from quizzes.models import Question, normalise_answer
from quizzes.services import Score
from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db


def choices(question, *texts):
    return [c for c in question.choices.all() if c.text in texts]


def test_single_choice_is_right_only_with_the_right_choice():
    q = make_check().questions.get(key="single")
    assert q.grade(choices=choices(q, "kubelet"))
    assert not q.grade(choices=choices(q, "etcd"))


def test_multiple_choice_is_all_or_nothing():
    q = make_check().questions.get(key="multiple")
    assert q.grade(choices=choices(q, "파드", "서비스"))
    assert not q.grade(choices=choices(q, "파드"))
    assert not q.grade(choices=choices(q, "파드", "서비스", "VM 이미지"))


def test_true_false():
    q = make_check().questions.get(key="tf")
    assert q.grade(choices=choices(q, "거짓")) and not q.grade(choices=choices(q, "참"))


@pytest.mark.parametrize(
    "given", ["쿠버네티스", "Kubernetes", " kubernetes ", "ＫＵＢＥＲＮＥＴＥＳ", "k8s.", "쿠버 네티스", "K8S!"]
)
def test_short_answers_are_compared_after_normalising(given):
    assert make_check().questions.get(key="short").grade(text=given)


@pytest.mark.parametrize("given", ["", "   ", "도커", "kube", "!!!"])
def test_wrong_or_empty_short_answers_are_wrong(given):
    assert not make_check().questions.get(key="short").grade(text=given)


def test_normalise_answer_folds_width_case_space_and_punctuation():
    assert normalise_answer(" Ｋube-ctl. ") == normalise_answer("kubectl")


@pytest.mark.parametrize(
    "correct, total, mark, percent, passed",
    [(7, 10, 70, 70, True), (2, 3, 70, 67, False), (3, 3, 100, 100, True), (0, 4, 0, 0, True), (0, 0, 70, 0, False),
     (2, 3, 50, 67, True), (1, 2, 50, 50, True), (1, 3, 50, 33, False), (9, 14, 70, 64, False), (10, 14, 70, 71, True)],
)  # fmt: skip
def test_pass_mark_arithmetic(correct, total, mark, percent, passed):
    score = Score(correct=correct, answered=total, total=total, pass_mark=mark)
    assert (score.percent, score.passed) == (percent, passed)
    assert score.passed == (total > 0 and correct >= score.needed)  # the count shown is the rule applied


@pytest.mark.parametrize(
    "mark, total, needed", [(50, 3, 2), (50, 2, 1), (70, 14, 10), (70, 3, 3), (100, 4, 4), (0, 5, 0)]
)
def test_the_pass_mark_reads_as_a_number_of_questions(mark, total, needed):
    assert Score(correct=0, answered=0, total=total, pass_mark=mark).needed == needed


@pytest.mark.parametrize(
    "kind, flags, accepted, ok",
    [
        ("single", [True, False], "", True),
        ("single", [True, True], "", False),
        ("single", [False, False], "", False),
        ("true_false", [True, True], "", False),
        ("multiple", [True, True, False], "", True),
        ("multiple", [False, False], "", False),
        ("short", [], "답", True),
        ("short", [], "", False),
        ("short", [True], "답", False),
        ("single", [True], "", False),
    ],
)
def test_choice_rules_for_each_kind(kind, flags, accepted, ok):
    question = Question(kind=kind, accepted_answers=accepted)
    assert (question.choice_problems([(flag, "x") for flag in flags]) == []) is ok
