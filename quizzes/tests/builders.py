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


STAGES = ["모놀리식", "SOA", "ESB", "MSA"]
PAIRS = [("SOA", "서비스를 모듈처럼 조합"), ("ESB", "중앙 통합 계층"), ("MSA", "서비스마다 독립 배포")]


def add_matching(quiz, order=6, pairs=PAIRS, distractor="모든 기능을 한 배포 단위로"):
    question = add_question(quiz, "matching", "matching", order)
    for index, (term, match) in enumerate([*pairs, ("", distractor)], start=1):
        Choice.objects.create(question=question, order=index, text=term, match=match)
    return question


def add_itemised(quiz):
    """An ordering, a matching (with a distractor) and a two-blank cloze question, after make_check's four."""
    ordering = add_question(quiz, "ordering", "ordering", 5, [(text, False, "") for text in STAGES])
    matching = add_matching(quiz)
    cloze = add_question(quiz, "cloze", "cloze", 7, accepted="쿠버네티스 | Kubernetes | k8s\n파드 | pod")
    cloze.prompt = "컨테이너 오케스트레이션의 표준은 {1}이고, 배포 단위는 {2}이다."
    cloze.save()
    return ordering, matching, cloze
