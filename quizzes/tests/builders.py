"""Build a knowledge check with one question of every kind."""

from course.tests.builders import make_lecture, make_section
from quizzes.models import Choice, Question, Quiz


def add_question(quiz, kind, key, order, choices=(), accepted="", explanation="해설 본문"):
    question = Question.objects.create(
        quiz=quiz,
        key=key,
        kind=kind,
        order=order,
        prompt=f"{key} 문제?",
        explanation=explanation,
        accepted_answers=accepted,
    )
    for index, (text, correct, feedback) in enumerate(choices, start=1):
        Choice.objects.create(question=question, order=index, text=text, is_correct=correct, feedback=feedback)
    return question


def make_check(section=None, *, pass_mark=70, shuffle=False, slug="check"):
    section = section or make_section(lecture=make_lecture(), title="쿠버네티스")
    quiz = Quiz.objects.create(
        lecture=section.lecture,
        section=section,
        kind=Quiz.Kind.CHECK,
        slug=slug,
        title="확인 문제",
        pass_mark=pass_mark,
        shuffle=shuffle,
    )
    add_question(quiz, "single", "single", 1, [("kubelet", True, "맞아요"), ("etcd", False, "etcd는 저장소입니다")])
    add_question(
        quiz,
        "multiple",
        "multiple",
        2,
        [("파드", True, ""), ("서비스", True, ""), ("VM 이미지", False, "쿠버네티스 객체가 아닙니다")],
    )
    add_question(quiz, "true_false", "tf", 3, [("참", False, "틀렸어요"), ("거짓", True, "")])
    add_question(quiz, "short", "short", 4, accepted="쿠버네티스\nKubernetes\nk8s")
    return quiz
