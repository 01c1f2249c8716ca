"""Reads the learner's pages assemble: what a view would otherwise put together itself."""

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Subquery, prefetch_related_objects

from course.models import Section
from learners.models import ReviewAnswer, ReviewCard, SectionProgress
from quizzes.models import Answer, Attempt, Question, Quiz
from quizzes.services import QuestionState

# What a page links to from a question: its quiz, the section it comes from, their lecture and course.
QUESTION_LINKS = (
    "quiz__lecture__course",
    "quiz__section__lecture__course",
    "section__lecture__course",
)


def lectures_completed(user_ids, lecture_ids):
    """(user id, lecture id) for each learner of ``user_ids`` who has completed every readable
    section of a lecture of ``lecture_ids``; two queries whatever their number."""
    readable = Section.objects.filter(Section.published_q(), lecture__in=lecture_ids)
    totals = dict(readable.values("lecture").annotate(n=Count("id")).values_list("lecture", "n"))
    done = (
        SectionProgress.objects.filter(user__in=user_ids, completed_at__isnull=False, section__in=readable)
        .values("user", "section__lecture")
        .annotate(n=Count("id"))
    )
    return {(row["user"], row["section__lecture"]) for row in done if row["n"] == totals.get(row["section__lecture"])}


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


def source_section(question):
    """The section a question comes from, for a link back to it: the one it names to reread, else
    its knowledge check's section; None when readers cannot open it now."""
    section = question.section or question.quiz.section
    return section if section is not None and section.is_readable() else None


def latest_answers(owner, questions=None):
    """{question id: the learner's latest answer to it}, of the questions they may open now: a quiz
    ``Answer`` or a ``ReviewAnswer``, whichever was given last, with its ``question`` and the
    question's links (``QUESTION_LINKS``). Two queries, however many answers; ``questions`` (ids)
    narrows them."""
    if not owner.is_known:
        return {}
    attempts, cards = Attempt.objects.owned_by(owner), ReviewCard.objects.owned_by(owner)
    newest_quiz = Answer.objects.filter(attempt__in=attempts, question=OuterRef("question"))
    newest_review = ReviewAnswer.objects.filter(card=OuterRef("card"))
    quiz = Answer.objects.filter(
        Quiz.published_q("question__quiz__"),
        attempt__in=attempts,
        pk=Subquery(newest_quiz.order_by("-answered_at", "-pk").values("pk")[:1]),
    ).select_related(*(f"question__{link}" for link in QUESTION_LINKS))
    review = ReviewAnswer.objects.filter(
        Quiz.published_q("card__question__quiz__"),
        card__in=cards,
        pk=Subquery(newest_review.order_by("-answered_at", "-pk").values("pk")[:1]),
    ).select_related(*(f"card__question__{link}" for link in QUESTION_LINKS))
    if questions is not None:
        quiz, review = quiz.filter(question__in=questions), review.filter(card__question__in=questions)
    latest = {}
    for answer in [*quiz, *review]:
        if isinstance(answer, ReviewAnswer):
            answer.question = answer.card.question
        kept = latest.get(answer.question.pk)
        if kept is None or answer.answered_at >= kept.answered_at:
            latest[answer.question.pk] = answer
    return latest


@dataclass
class Mistake:
    """A question of the learner's wrong-answer notebook, as they last answered it."""

    question: Question  # today's row: its quiz, section and lecture, for the links
    state: QuestionState  # the question as shown when they answered, with that answer and its key

    @property
    def answer(self):
        return self.state.answer

    @property
    def in_review(self):
        """Whether the answer was given in the review, not in a quiz."""
        return isinstance(self.answer, ReviewAnswer)

    @property
    def lecture(self):
        return self.question.quiz.lecture

    @property
    def section(self):
        return source_section(self.question)


def mistakes(owner):
    """The wrong-answer notebook: each question whose latest answer, in a quiz or in the review, was
    not wholly right (under 1 point), most recent first, drawn as the learner saw it and with the key
    they were graded against (``Answer.shown``). A question answered right since is not in it.
    A fixed number of queries, however many there are."""
    answers = sorted(
        (answer for answer in latest_answers(owner).values() if answer.credit < 1),
        key=lambda answer: answer.answered_at,
        reverse=True,
    )
    prefetch_related_objects([answer.question for answer in answers], "patterns")
    listed = []
    for number, answer in enumerate(answers, start=1):
        seen, choices, pairs = answer.question.as_shown(answer.shown)
        state = QuestionState(question=seen, number=number, choices=choices, pairs=pairs, answer=answer)
        listed.append(Mistake(question=answer.question, state=state))
    return listed
