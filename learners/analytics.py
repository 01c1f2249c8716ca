"""Aggregates: a learner's quiz history for the dashboard, and staff funnels and question statistics.

Staff figures are counts only; no learner is named. A learner is a user or a visitor's
learner token, so "learners who started" counts both.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q

from course.models import Lecture, Section
from learners.models import SectionProgress
from quizzes.models import Attempt, Question, Quiz
from quizzes.stats import question_stats


@dataclass
class QuizHistory:
    quiz: Quiz
    attempts: list = field(default_factory=list)

    @property
    def latest(self):
        return self.attempts[0]

    @property
    def best(self):
        return max(self.attempts, key=lambda a: (a.score.correct, -a.number))

    @property
    def passed(self):
        return any(a.is_finished and a.score.passed for a in self.attempts)


def group_attempts(attempts):
    """Scored attempts (newest first within a quiz) grouped per quiz."""
    groups = {}
    for attempt in attempts:
        groups.setdefault(attempt.quiz_id, QuizHistory(attempt.quiz)).attempts.append(attempt)
    return list(groups.values())


@dataclass
class Funnel:
    lecture: Lecture
    started: int
    sections: list
    has_review: bool
    review_passed: int


def _learners(prefix=""):
    """Count distinct learners: users, plus visitors' learner tokens where there is no user."""
    return Count(f"{prefix}user", distinct=True) + Count(
        f"{prefix}session_key", distinct=True, filter=Q(**{f"{prefix}user__isnull": True})
    )


def lecture_funnels():
    lectures = list(Lecture.objects.published().select_related("course"))
    started = dict(
        SectionProgress.objects.filter(section__lecture__in=lectures)
        .values("section__lecture")
        .annotate(n=_learners())
        .values_list("section__lecture", "n")
    )
    completed = dict(
        SectionProgress.objects.completed()
        .filter(section__lecture__in=lectures)
        .values("section")
        .annotate(n=Count("id"))
        .values_list("section", "n")
    )
    sections = {}
    for section in Section.objects.published().filter(lecture__in=lectures).order_by("lecture", "order"):
        sections.setdefault(section.lecture_id, []).append((section, completed.get(section.pk, 0)))
    reviews = {q.lecture_id: q for q in Quiz.objects.published().filter(lecture__in=lectures, kind=Quiz.Kind.REVIEW)}
    passers = {}
    for attempt in (
        Attempt.objects.filter(quiz__in=reviews.values(), finished_at__isnull=False).scored().select_related("quiz")
    ):
        if attempt.score.passed:
            passers.setdefault(attempt.quiz.lecture_id, set()).add((attempt.user_id, attempt.session_key))
    return [
        Funnel(
            lecture=lecture,
            started=started.get(lecture.pk, 0),
            sections=sections.get(lecture.pk, []),
            has_review=lecture.pk in reviews,
            review_passed=len(passers.get(lecture.pk, ())),
        )
        for lecture in lectures
    ]


@dataclass
class QuestionRow:
    lecture: str
    quiz: str
    stats: object


def question_rows():
    questions = (
        Question.objects.filter(quiz__in=Quiz.objects.published())
        .select_related("quiz__lecture")
        .order_by("quiz__lecture", "quiz__kind", "quiz__section__order", "order")
    )
    return [QuestionRow(s.question.quiz.lecture.heading, s.question.quiz.title, s) for s in question_stats(questions)]


def question_csv_rows(questions):
    for row in questions:
        yield [
            row.lecture,
            row.quiz,
            str(row.stats.question),
            row.stats.answers,
            row.stats.percent_right,
            row.stats.top_wrong,
            row.stats.top_wrong_count,
        ]


def funnel_csv_rows(lectures):
    for funnel in lectures:
        yield [funnel.lecture.heading, "started", funnel.started]
        for section, count in funnel.sections:
            yield [funnel.lecture.heading, f"completed: {section.title}", count]
        if funnel.has_review:
            yield [funnel.lecture.heading, "passed review quiz", funnel.review_passed]
