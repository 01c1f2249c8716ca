"""Reads the learner's pages assemble: what a view would otherwise put together itself."""

from quizzes.models import Answer, Attempt


def attempts_of(owner):
    """The learner's attempts, scored, by lecture and quiz, latest first."""
    if not owner.is_known:
        return []
    return list(
        Attempt.objects.owned_by(owner)
        .select_related("quiz__lecture__course", "quiz__section__lecture__course")
        .scored()
        .order_by("quiz__lecture", "quiz", "-started_at")
    )


def recent_wrong_answers(owner, limit=10):
    """The learner's latest wrong answer to each of the ``limit`` questions most recently answered wrong."""
    if not owner.is_known:
        return []
    answers = (
        Answer.objects.filter(attempt__in=Attempt.objects.owned_by(owner), is_correct=False)
        .select_related(
            "question__quiz__lecture__course",
            "question__quiz__section__lecture__course",
            "question__section__lecture__course",
        )
        .order_by("-answered_at")[: limit * 3]
    )
    latest = {}
    for answer in answers:
        latest.setdefault(answer.question_id, answer)
    return list(latest.values())[:limit]
