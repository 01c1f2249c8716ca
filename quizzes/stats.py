"""Statistics for staff: per question (answers, percentage right, most chosen wrong answer) and
the per-quiz item analysis (facility, discrimination, frequencies, distribution, Cronbach's alpha).

A fixed number of aggregate queries per quiz, whatever the number of answers.
"""

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.utils.translation import gettext as _

from core.exports import csv_response
from quizzes.models import Answer, Attempt, Choice, Question, QuestionVersion


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
    wrong = {
        pk: min(given, key=lambda row: -row[1])[:2]  # the most given; the first in order on a tie
        for pk, rows in frequencies(questions, Attempt.objects.all(), wrong_only=True, typed_limit=1).items()
        if (given := [row for row in rows if row[1]])
    }
    result = []
    for question in questions:
        row = totals.get(question.pk, {"total": 0, "right": 0})
        text, times = wrong.get(question.pk, ("", 0))
        result.append(QuestionStats(question, row["total"], row["right"], text, times))
    return result


# Item analysis ---------------------------------------------------------------
#
# Moodle's quiz statistics are the anchor. Only each learner's first attempt counts, and only
# once it is finished (attempt number 1, finished). An item scores its answer's credit: 1 when
# right, 0 when wrong or unanswered, a share for a partly right ordering, matching or cloze
# answer. An attempt's score is the sum of its items' scores.


@dataclass
class ItemStats:
    question: Question
    right: float  # the sum of the item's scores over first finished attempts
    facility: float | None  # mean item score, 0..1
    variance: float | None  # of the item score
    discrimination: float | None  # correlation of the item with the rest of the attempt
    frequencies: list  # (choice or given text, times chosen, is_correct); per item (label, times right, None)
    version: int | None = None  # the question's current version: the only one the frequencies count
    older: int = 0  # answers among the attempts graded against an older version (scores count them as graded)

    @property
    def flags(self):
        flags = []
        if self.facility is not None and self.facility > 0.9:
            flags.append(_("너무 쉬움"))
        if self.facility is not None and self.facility < 0.2:
            flags.append(_("너무 어려움"))
        if self.discrimination is not None and self.discrimination < 0:
            flags.append(_("변별도 음수"))
        return flags


@dataclass
class QuizAnalysis:
    attempts: int
    questions: int
    scores: list  # each attempt's score, in ascending order
    items: list
    reliable_attempts = 30  # fewer first attempts than this, and alpha and discrimination mean little yet
    bin = 0.5  # points per bar of the score distribution: half points show partial credit

    @property
    def is_small_sample(self):
        """Too few attempts for alpha and discrimination to mean anything (0.99 from 3 attempts)."""
        return self.attempts < self.reliable_attempts

    @cached_property
    def distribution(self):
        """Attempts per half point, 0, 0.5, … questions: a score counts in the bin at or below it
        (0.5 in its own bin, 0.75 in the 0.5 bin)."""
        bars = [0] * (int(self.questions / self.bin) + 1)
        for score in self.scores:
            bars[min(int(score / self.bin + 1e-9), len(bars) - 1)] += 1
        return bars

    @cached_property
    def mean(self):
        return sum(self.scores) / self.attempts if self.attempts else None

    @cached_property
    def median(self):
        if not self.attempts:
            return None
        middle = len(self.scores) // 2
        return self.scores[middle] if len(self.scores) % 2 else (self.scores[middle - 1] + self.scores[middle]) / 2

    @cached_property
    def variance(self):
        if not self.attempts:
            return None
        mean = self.mean
        return sum((score - mean) ** 2 for score in self.scores) / self.attempts

    @property
    def alpha(self):
        """Cronbach's alpha: k/(k-1) · (1 − Σ item variances / score variance)."""
        k, variance = self.questions, self.variance
        if k < 2 or not variance:
            return None
        items = sum(item.variance for item in self.items if item.variance is not None)
        return k / (k - 1) * (1 - items / variance)

    def bars(self):
        """(score, attempts) for each bin, the score being the bin's lower edge."""
        return [(n * self.bin, attempts) for n, attempts in enumerate(self.distribution)]

    def chart(self, height=120, bar=18, gap=6):
        """Geometry of the score distribution chart (an SVG the template draws): one bar per bin,
        the axis labelled at whole points."""
        top = max(self.distribution, default=0) or 1
        bars = []
        for n, (score, attempts) in enumerate(self.bars()):
            tall = round(height * attempts / top)
            x = gap + n * (bar + gap)
            bars.append(
                {
                    "score": score,
                    "n": attempts,
                    "whole": score == int(score),
                    "x": x,
                    "y": 20 + height - tall,
                    "height": tall,
                    "middle": x + bar // 2,
                }
            )
        return {
            "width": gap + len(bars) * (bar + gap),
            "height": height + 44,
            "bar": bar,
            "base": height + 38,
            "bars": bars,
        }


def first_finished_attempts(quiz, users=None):
    attempts = Attempt.objects.filter(quiz=quiz, number=1, finished_at__isnull=False)
    return attempts if users is None else attempts.filter(user__in=users)


# Per question, over first attempts: Σx, Σx² and Σx·T, with x the item's score and T the
# attempt's. One query; written in SQL because it joins the answers to their attempts' scores.
ITEM_SUMS = """
    SELECT a.question_id, SUM(a.credit), SUM(a.credit * a.credit), SUM(a.credit * t.score)
    FROM {answer} a
    JOIN (SELECT attempt_id, SUM(credit) AS score FROM {answer} WHERE credit > 0 {attempts} GROUP BY attempt_id) t
      ON t.attempt_id = a.attempt_id
    WHERE a.credit > 0
    GROUP BY a.question_id
"""


def analyse(quiz, users=None):
    """The quiz's item analysis in seven queries, whatever the number of attempts; of ``users``'
    attempts only, when given (a class's learners)."""
    questions = list(quiz.questions.all())
    attempts = first_finished_attempts(quiz, users)
    n = attempts.count()
    scores = list(
        Answer.objects.filter(credit__gt=0, attempt__in=attempts)
        .values("attempt")
        .annotate(score=Sum("credit"))
        .order_by()
        .values_list("score", flat=True)
    )
    scores = sorted([0.0] * (n - len(scores)) + [round(score, 6) for score in scores])  # 0: nothing right
    sums = _item_sums(attempts)
    analysis = QuizAnalysis(n, len(questions), scores, [])
    counts = frequencies(questions, attempts, current_only=True)
    counts |= _item_frequencies(_counting("items", questions), attempts)
    versions = _versions(questions, attempts)
    for question in questions:
        right, squares, with_score = sums.get(question.pk, (0, 0, 0))
        p = right / n if n else None
        analysis.items.append(
            ItemStats(
                question=question,
                right=round(right, 6),
                facility=p,
                variance=squares / n - p * p if n else None,
                discrimination=_rest_correlation(n, right, squares, with_score, analysis),
                frequencies=counts.get(question.pk, []),
                **versions.get(question.pk, {}),
            )
        )
    return analysis


def latest_version(field="pk"):
    """The ``field`` of the latest version of the outer row's question."""
    return Subquery(QuestionVersion.objects.filter(question=OuterRef("question")).order_by("-number").values(field)[:1])


def _versions(questions, attempts):
    """Per question: its latest version's number, and how many of the attempts' answers an older one graded."""
    rows = (
        Answer.objects.filter(question__in=questions, attempt__in=attempts)
        .values("question")
        .annotate(
            version=latest_version("number"),
            older=Count("pk", filter=~Q(version=latest_version()), distinct=True),
        )
    )
    return {row.pop("question"): row for row in rows}


def _item_sums(attempts):
    from django.db import connection

    sql, params = attempts.values("pk").query.sql_with_params()
    query = ITEM_SUMS.format(answer=Answer._meta.db_table, attempts=f"AND attempt_id IN ({sql})")
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        # float(): PostgreSQL may return Decimal
        return {row[0]: tuple(float(value or 0) for value in row[1:]) for row in cursor.fetchall()}


def _rest_correlation(n, right, squares, with_score, analysis):
    """Pearson correlation of the item score x with the attempt's score without it, T − x.

    From sums only: cov(x, T−x) = cov(x, T) − var(x), and var(T−x) = var(T) + var(x) − 2·cov(x, T),
    with cov(x, T) = Σx·T/n − mean(x)·mean(T) and var(x) = Σx²/n − mean(x)².
    """
    if not n:
        return None
    p = right / n
    item_variance = squares / n - p * p
    covariance_with_score = with_score / n - p * analysis.mean
    rest_variance = analysis.variance + item_variance - 2 * covariance_with_score
    if item_variance <= 1e-12 or rest_variance <= 1e-12:
        return None
    return (covariance_with_score - item_variance) / (item_variance * rest_variance) ** 0.5


def frequencies(questions, attempts, *, wrong_only=False, typed_limit=5, current_only=False):
    """How often the answers of ``attempts`` chose each choice or gave each typed answer, per
    question: (text, times, is_correct), every choice in its order, the typed answers most given
    first (at most ``typed_limit``). The one count behind the statistics table (all attempts, the
    most common wrong answer) and the item analysis (first attempts, ``current_only``: answers
    graded against each question's latest version)."""
    current = Q(answers__version=latest_version()) if current_only else Q()
    counted = Count("answers", filter=Q(answers__attempt__in=attempts) & current)
    result = {}
    choices = (
        Choice.objects.filter(question__in=_counting("choices", questions))
        .annotate(times=counted)
        .order_by("question", "order")
    )
    kinds = {q.pk: q.kind_class for q in questions}
    for choice in choices.filter(is_correct=False) if wrong_only else choices:
        text = str(kinds[choice.question_id].choice_label(choice.text) or choice.text)  # 참 reads True in English
        result.setdefault(choice.question_id, []).append((text, choice.times, choice.is_correct))
    typed = Answer.objects.filter(question__in=_counting("typed", questions), attempt__in=attempts)
    if current_only:
        typed = typed.filter(version=latest_version())
    for row in (
        (typed.filter(is_correct=False) if wrong_only else typed)
        .values("question", "text", "is_correct")
        .annotate(times=Count("pk"))
        .order_by("question", "-times", "text")
    ):
        given = result.setdefault(row["question"], [])
        if len(given) < typed_limit:
            given.append((row["text"], row["times"], row["is_correct"]))
    return result


def _counting(what, questions):
    """The questions whose kind counts ``what`` in the item analysis ("choices", "typed" or "items")."""
    return [q for q in questions if q.kind_class.counts == what]


def _item_frequencies(questions, attempts):
    """Ordering, matching, cloze: per item (position, term, blank), how many first attempts got it right."""
    answers = Answer.objects.filter(question__in=questions, attempt__in=attempts)
    # Wholly right answers got every item right: counted in SQL; only partly right ones are read.
    whole = dict(answers.filter(credit__gte=1).values("question").annotate(n=Count("pk")).values_list("question", "n"))
    counts = {}
    for question, items in answers.filter(credit__gt=0, credit__lt=1).values_list("question", "given"):
        for n, item in enumerate(items, start=1):
            counts[question, n] = counts.get((question, n), 0) + item["right"]
    return {
        q.pk: [
            (q.item_name(n, item["label"]), whole.get(q.pk, 0) + counts.get((q.pk, n), 0), None)
            for n, item in enumerate(q.solution(), start=1)
        ]
        for q in questions
    }


def analysis_csv(quiz, analysis):
    rows = (
        [
            str(item.question),
            item.question.key,
            item.right,
            None if item.facility is None else round(item.facility, 3),
            None if item.discrimination is None else round(item.discrimination, 3),
            "; ".join(item.flags),
            "; ".join(f"{text}: {times}" for text, times, _right in item.frequencies),
        ]
        for item in analysis.items
    )
    header = ["question", "key", "right", "facility", "discrimination", "flags", "frequencies"]
    return csv_response(f"quiz-{quiz.pk}-items.csv", header, rows)
