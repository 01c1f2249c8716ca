"""Learners' progress as course pages see it: TOC marks and per-lecture progress bars."""

from django.db.models import Count

from core.cache import cached_fragment
from course.models import Section
from course.panels import LectureProgress
from learners.models import SectionProgress
from quizzes.models import Attempt, Quiz


def passed_quiz_ids(owner, quizzes):
    """Ids of the quizzes among ``quizzes`` that the owner has passed in any finished attempt (one query)."""
    attempts = Attempt.objects.owned_by(owner).filter(quiz__in=quizzes, finished_at__isnull=False).scored()
    return {attempt.quiz_id for attempt in attempts if attempt.score.passed}


def _totals(lectures):
    """Published sections per lecture, and each lecture's review quiz: shared by every learner."""
    totals = dict(
        Section.objects.published()
        .filter(lecture__in=lectures)
        .values("lecture")
        .annotate(n=Count("id"))
        .values_list("lecture", "n")
    )
    reviews = dict(
        Quiz.objects.published().filter(lecture__in=lectures, kind=Quiz.Kind.REVIEW).values_list("lecture_id", "pk")
    )
    return totals, reviews


class Progress:
    def section_marks(self, request, sections):
        owner = request.learner
        if not owner.is_known or not sections:
            return {}
        rows = SectionProgress.objects.owned_by(owner).filter(section__in=[s.pk for s in sections])
        return {
            section_id: "completed" if completed_at else "visited"
            for section_id, completed_at in rows.values_list("section_id", "completed_at")
        }

    def lecture_progress(self, request, lectures):
        """Completed published sections per lecture, and whether the review quiz is passed."""
        if not lectures:
            return {}
        owner = request.learner
        done = {}
        if owner.is_known:
            done = dict(
                SectionProgress.objects.owned_by(owner)
                .completed()
                .filter(Section.published_q("section__"), section__lecture__in=lectures)
                .values("section__lecture")
                .annotate(n=Count("id"))
                .values_list("section__lecture", "n")
            )
        totals, reviews = cached_fragment(
            "lecture-totals", *sorted(lecture.pk for lecture in lectures), build=lambda: _totals(lectures)
        )
        passed = passed_quiz_ids(owner, reviews.values())
        return {
            lecture.pk: LectureProgress(
                lecture_id=lecture.pk,
                completed=done.get(lecture.pk, 0),
                total=totals.get(lecture.pk, 0),
                has_review=lecture.pk in reviews,
                review_passed=reviews.get(lecture.pk) in passed,
            )
            for lecture in lectures
        }
