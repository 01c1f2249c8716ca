"""Per-question statistics for staff: answers recorded, percentage right, most chosen wrong answer.

A fixed number of aggregate queries per quiz, whatever the number of answers.
"""

from dataclasses import dataclass

from django.db.models import Count, Q

from quizzes.models import Answer, Choice, Question


@dataclass
class QuestionStats:
    question: Question
    answers: int
    right: int
    top_wrong: str = ""
    top_wrong_count: int = 0

    @property
    def percent_right(self):
        return round(100 * self.right / self.answers) if self.answers else None


def question_stats(questions):
    questions = list(questions)
    ids = [q.pk for q in questions]
    totals = {
        row["question"]: row
        for row in Answer.objects.filter(question__in=ids)
        .values("question")
        .annotate(total=Count("id"), right=Count("id", filter=Q(is_correct=True)))
    }
    wrong = {}
    for choice in (
        Choice.objects.filter(question__in=ids, is_correct=False)
        .annotate(times=Count("answers"))
        .filter(times__gt=0)
        .order_by("question", "-times", "order")
    ):
        wrong.setdefault(choice.question_id, (choice.text, choice.times))
    for row in (
        Answer.objects.filter(question__in=ids, question__kind=Question.Kind.SHORT, is_correct=False)
        .values("question", "text")
        .annotate(times=Count("id"))
        .order_by("question", "-times", "text")
    ):
        wrong.setdefault(row["question"], (row["text"], row["times"]))
    result = []
    for question in questions:
        row = totals.get(question.pk, {"total": 0, "right": 0})
        text, times = wrong.get(question.pk, ("", 0))
        result.append(QuestionStats(question, row["total"], row["right"], text, times))
    return result
