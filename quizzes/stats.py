"""Statistics for staff: per question (answers, percentage right, most chosen wrong answer) and
the per-quiz item analysis (facility, discrimination, frequencies, distribution, Cronbach's alpha).

A fixed number of aggregate queries per quiz, whatever the number of answers.
"""

import csv
from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils.translation import gettext as _

from quizzes.models import Answer, Attempt, Choice, Question


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
        Answer.objects.filter(question__in=ids, question__kind__in=Question.TYPED, is_correct=False)
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


# Item analysis ---------------------------------------------------------------
#
# Moodle's quiz statistics are the anchor. Only each learner's first attempt counts, and only
# once it is finished (attempt number 1, finished). An item scores 1 when answered right and 0
# otherwise (unanswered included); an attempt's score is its number of right answers.


@dataclass
class ItemStats:
    question: Question
    right: int  # first finished attempts that got it right
    facility: float | None  # mean item score, 0..1
    discrimination: float | None  # correlation of the item with the rest of the attempt
    frequencies: list  # (choice or given text, times chosen, is_correct)

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
    distribution: list  # attempts per score, for scores 0..questions
    items: list

    @property
    def mean(self):
        return sum(score * n for score, n in enumerate(self.distribution)) / self.attempts if self.attempts else None

    @property
    def median(self):
        if not self.attempts:
            return None
        scores = [score for score, n in enumerate(self.distribution) for _ in range(n)]
        middle = len(scores) // 2
        return scores[middle] if len(scores) % 2 else (scores[middle - 1] + scores[middle]) / 2

    @property
    def variance(self):
        if not self.attempts:
            return None
        return sum(n * (score - self.mean) ** 2 for score, n in enumerate(self.distribution)) / self.attempts

    @property
    def alpha(self):
        """Cronbach's alpha: k/(k-1) · (1 − Σ item variances / score variance)."""
        k, variance = self.questions, self.variance
        if k < 2 or not variance:
            return None
        items = sum(item.facility * (1 - item.facility) for item in self.items if item.facility is not None)
        return k / (k - 1) * (1 - items / variance)

    def bars(self):
        """(score, attempts) for each score 0..questions."""
        return list(enumerate(self.distribution))

    def chart(self, height=120, bar=28, gap=8):
        """Geometry of the score distribution chart (an SVG the template draws): one bar per score."""
        top = max(self.distribution, default=0) or 1
        bars = []
        for score, n in enumerate(self.distribution):
            tall = round(height * n / top)
            x = gap + score * (bar + gap)
            bars.append(
                {"score": score, "n": n, "x": x, "y": 20 + height - tall, "height": tall, "middle": x + bar // 2}
            )
        return {
            "width": gap + len(bars) * (bar + gap),
            "height": height + 44,
            "bar": bar,
            "base": height + 38,
            "bars": bars,
        }


def first_finished_attempts(quiz):
    return Attempt.objects.filter(quiz=quiz, number=1, finished_at__isnull=False)


# Per question: how many first attempts got it right, and the sum of those attempts' scores.
# One query; written in SQL because it joins the answers to their attempts' scores.
ITEM_SUMS = """
    SELECT a.question_id, COUNT(*), SUM(t.score)
    FROM {answer} a
    JOIN (SELECT attempt_id, COUNT(*) AS score FROM {answer} WHERE is_correct {attempts} GROUP BY attempt_id) t
      ON t.attempt_id = a.attempt_id
    WHERE a.is_correct
    GROUP BY a.question_id
"""


def analyse(quiz):
    """The quiz's item analysis in five queries, whatever the number of attempts."""
    questions = list(quiz.questions.all())
    attempts = first_finished_attempts(quiz)
    n = attempts.count()
    first = {"attempt__in": attempts}
    distribution = [0] * (len(questions) + 1)
    for score in (
        Answer.objects.filter(is_correct=True, **first)
        .values("attempt")
        .annotate(score=Count("pk"))
        .order_by()
        .values_list("score", flat=True)
    ):
        distribution[min(score, len(questions))] += 1
    distribution[0] += n - sum(distribution)  # attempts with no right answer
    sums = _item_sums(attempts)
    analysis = QuizAnalysis(n, len(questions), distribution, [])
    frequencies = _frequencies(questions, attempts)
    for question in questions:
        right, score_sum = sums.get(question.pk, (0, 0))
        analysis.items.append(
            ItemStats(
                question=question,
                right=right,
                facility=right / n if n else None,
                discrimination=_rest_correlation(n, right, score_sum, analysis),
                frequencies=frequencies.get(question.pk, []),
            )
        )
    return analysis


def _item_sums(attempts):
    from django.db import connection

    sql, params = attempts.values("pk").query.sql_with_params()
    query = ITEM_SUMS.format(answer=Answer._meta.db_table, attempts=f"AND attempt_id IN ({sql})")
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return {
            question: (right, int(total or 0)) for question, right, total in cursor.fetchall()
        }  # PostgreSQL sums are Decimal


def _rest_correlation(n, right, score_sum, analysis):
    """Pearson correlation of the item (0/1) with the attempt's score without that item.

    From sums only: with p the facility and T the score, Σx·(T−x) = S − n_right, where S is
    the sum of the scores of the attempts that got the item right.
    """
    if not n:
        return None
    p, mean, variance = right / n, analysis.mean, analysis.variance
    covariance_with_score = score_sum / n - p * mean
    item_variance = p * (1 - p)
    rest_variance = variance + item_variance - 2 * covariance_with_score
    if item_variance <= 0 or rest_variance <= 1e-12:
        return None
    covariance_with_rest = (score_sum - right) / n - p * (mean - p)
    return covariance_with_rest / (item_variance * rest_variance) ** 0.5


def _frequencies(questions, attempts):
    """Per question: each choice with how often first attempts chose it, or the most given short answers."""
    counted = Count("answers", filter=Q(answers__attempt__in=attempts))
    result = {}
    for choice in Choice.objects.filter(question__in=questions).annotate(times=counted).order_by("question", "order"):
        result.setdefault(choice.question_id, []).append((choice.text, choice.times, choice.is_correct))
    short = [q.pk for q in questions if not q.has_choices]
    for row in (
        Answer.objects.filter(question__in=short, attempt__in=attempts)
        .values("question", "text", "is_correct")
        .annotate(times=Count("pk"))
        .order_by("question", "-times", "text")
    ):
        given = result.setdefault(row["question"], [])
        if len(given) < 5:
            given.append((row["text"], row["times"], row["is_correct"]))
    return result


def analysis_csv(quiz, analysis):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="quiz-{quiz.pk}-items.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the Korean as UTF-8
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(["question", "key", "right", "facility", "discrimination", "flags", "frequencies"])
    for item in analysis.items:
        writer.writerow(
            [
                str(item.question),
                item.question.key,
                item.right,
                "" if item.facility is None else f"{item.facility:.3f}",
                "" if item.discrimination is None else f"{item.discrimination:.3f}",
                "; ".join(item.flags),
                "; ".join(f"{text}: {times}" for text, times, _right in item.frequencies),
            ]
        )
    return response
