"""`make bench-review`: the due list and the due count for one learner with 10,000 review cards.

Runs against a scratch database (a new SQLite file, or the throwaway PostgreSQL database
named by DATABASE_URL): 10,000 questions in 100 quizzes, one card each for one learner,
a third of them due; after ANALYZE (as autovacuum would run), times what the review page
and the header ask for.

    .venv/bin/python scripts/review_bench.py [--cards 10000] [--repeat 50]
"""

import argparse
import statistics
import sys
import time
from datetime import timedelta

from harness import scratch_django  # scripts/harness.py, beside this file


def setup(cards):
    scratch_django("review-bench")
    from django.utils import timezone

    from course.models import Course, Lecture, Section
    from learners.models import ReviewCard
    from quizzes.models import Choice, Question, Quiz

    course = Course.objects.create(slug="bench", title="bench")
    lecture = Lecture.objects.create(course=course, number=1, slug="1강", title="1강")
    now, per_quiz = timezone.now(), 100
    for n in range(cards // per_quiz):
        section = Section.objects.create(lecture=lecture, title=f"절 {n}", slug=f"s{n}", order=n, body="본문")
        quiz = Quiz.objects.create(lecture=lecture, section=section, slug=f"q{n}", title=f"퀴즈 {n}", kind="check")
        questions = Question.objects.bulk_create(
            Question(
                quiz=quiz, key=f"k{i}", order=i, kind="single", prompt=f"문제 {n}-{i}", prompt_html=f"<p>문제 {i}</p>"
            )
            for i in range(per_quiz)
        )
        Choice.objects.bulk_create(
            Choice(question=q, order=k, text=t, text_html=t, is_correct=k == 0, token=f"t{q.pk}-{k}")
            for q in questions
            for k, t in enumerate(["맞음", "틀림", "아님"])
        )
        ReviewCard.objects.bulk_create(
            ReviewCard(session_key="bench", question=q, due=now + timedelta(hours=(i % 3 - 1) * 24 * (i + 1)))
            for i, q in enumerate(questions)
        )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum does after a bulk load; the planner needs the statistics
    return ReviewCard.objects.count()


def timed(function, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    total = setup(args.cards)
    from django.db import connection

    from learners import review
    from learners.learner import Learner

    owner = Learner(session_key="bench")
    due = review.due_count(owner)
    rows = {
        "due list (review page)": timed(lambda: review.due_cards(owner), args.repeat),
        "due count (header)": timed(lambda: review.due_count(owner), args.repeat),
    }
    print(f"{connection.vendor}: {total} cards for one learner, {due} due within today's limit")
    for name, (p50, p95) in rows.items():
        print(f"{name:<24} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms")
    worst = max(p95 for _p50, p95 in rows.values())
    print(f"worst p95: {worst:.2f} ms (target < 20 ms)")
    return 0 if worst < 20 else 1


if __name__ == "__main__":
    sys.exit(main())
