"""`make bench-stats`: the per-quiz statistics page (item analysis) with 10,000 first attempts.

Scratch database (a new SQLite file, or the throwaway PostgreSQL database in DATABASE_URL):
the shipped course and question bank, 10,000 finished attempts on the 14-question review quiz
with answers drawn so that stronger learners answer more questions right, then the admin
page requested by a superuser, timed end to end.

    .venv/bin/python scripts/stats_bench.py [--attempts 10000] [--repeat 10]
"""

import argparse
import os
import random
import statistics
import sys
import time

from harness import scratch_django  # scripts/harness.py, beside this file


def setup(attempts):
    scratch_django("stats-bench")
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from quizzes.models import Answer, Attempt, Quiz

    with open(os.devnull, "w") as quiet:
        call_command("load_course", stdout=quiet)
        call_command("load_quizzes", stdout=quiet)
    quiz = Quiz.objects.get(kind="review")
    questions = list(quiz.questions.prefetch_related("choices"))
    rows = Attempt.objects.bulk_create(
        Attempt(quiz=quiz, number=1, pass_mark=quiz.pass_mark, session_key=f"l{n}", finished_at=timezone.now())
        for n in range(attempts)
    )
    draw, answers = random.Random(7), []
    for attempt in rows:
        ability = draw.random()
        for difficulty, question in enumerate(questions):
            right = draw.random() < ability + 0.3 - difficulty / 30
            answers.append(Answer(attempt=attempt, question=question, is_correct=right, credit=float(right)))
    Answer.objects.bulk_create(answers, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    User.objects.create_superuser("bench", password="bench-password-1")
    return quiz, len(answers)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    quiz, answers = setup(args.attempts)
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(User.objects.get(username="bench"))
    url = reverse("admin:quizzes_quiz_stats", args=[quiz.pk])
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        response = client.get(url, HTTP_HOST="localhost")
        assert response.status_code == 200, (response.status_code, response.get("Location"))
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(f"{connection.vendor}: {args.attempts} first attempts, {answers} answers, {len(times)} requests")
    print(f"statistics page p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms (target < 500 ms)")
    return 0 if p95 < 500 else 1


if __name__ == "__main__":
    sys.exit(main())
