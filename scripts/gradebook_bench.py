"""`make bench-gradebook`: a class's gradebook, its XLSX export and the reminder command at size.

Scratch database (a new SQLite file, or the throwaway PostgreSQL database in DATABASE_URL):
a course of 20 quizzes of 4 questions; a class of 500 learners, each with 1–3 finished attempts
at every quiz (about 20,000 attempts, drawn so the first, best and last policies differ), due
dates on half the quizzes and extensions for 50 learners. Then, timed end to end through the test
client as the class's instructor:

- the gradebook page (p50, p95 of --repeat requests; target p95 < 300 ms), and its number of
  queries against a class of 50 learners (must be equal);
- the XLSX export (target < 3 s);
- send_reminders for a class of 5,000 learners, a quiz and a reading due in 24 hours
  (10,000 e-mails to Django's in-memory backend; target < 30 s), and a second run (sends 0).

    .venv/bin/python scripts/gradebook_bench.py [--learners 500] [--quizzes 20] [--repeat 20]
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta

from harness import scratch_django  # scripts/harness.py, beside this file


def build(learners, quizzes):
    from django.contrib.auth.models import User
    from django.db import connection
    from django.utils import timezone

    from classes.models import Class, Deadline, Extension, Membership, Role
    from course.tests.builders import make_lecture, make_section
    from quizzes.models import Answer, Attempt
    from quizzes.tests.builders import make_check

    lecture = make_lecture()
    checks = [make_check(make_section(lecture=lecture, title=f"절 {n}", order=n), slug=f"q{n}") for n in range(quizzes)]
    questions = {quiz.pk: list(quiz.questions.all()) for quiz in checks}
    prof = User.objects.create_user("prof", password="bench-password-1")
    now = timezone.now()

    def a_class(name, size, prefix):
        klass = Class.objects.create(course=lecture.course, name=name, starts_at=now - timedelta(days=60))
        users = User.objects.bulk_create(
            User(username=f"{prefix}{n:05d}", email=f"{prefix}{n}@example.com") for n in range(size)
        )
        Membership.objects.create(klass=klass, user=prof, role=Role.INSTRUCTOR)
        Membership.objects.bulk_create(Membership(klass=klass, user=user) for user in users)
        return klass, users

    big, users = a_class("500명 반", learners, "l")
    small, small_users = a_class("50명 반", 50, "s")
    draw = random.Random(11)
    attempts, points = [], []
    for user in users + small_users:
        for quiz in checks:
            for number in range(1, draw.randint(1, 3) + 1):
                when = now - timedelta(days=30) + timedelta(hours=draw.randint(0, 700))
                attempts.append(
                    Attempt(
                        quiz=quiz,
                        user=user,
                        number=number,
                        pass_mark=70,
                        question_count=4,
                        started_at=when,
                        finished_at=when,
                    )
                )
                points.append(draw.randint(0, 4))
    Attempt.objects.bulk_create(attempts, batch_size=5000)
    answers = [
        Answer(attempt=attempt, question=question, credit=float(i < score), is_correct=i < score)
        for attempt, score in zip(attempts, points, strict=True)
        for i, question in enumerate(questions[attempt.quiz_id])
    ]
    Answer.objects.bulk_create(answers, batch_size=5000)
    for klass, members in ((big, users), (small, small_users)):
        deadlines = [
            Deadline.objects.create(klass=klass, quiz=quiz, due_at=now - timedelta(days=5)) for quiz in checks[::2]
        ]
        Extension.objects.bulk_create(
            Extension(deadline=deadlines[0], user=user, due_at=now + timedelta(days=2), reason="병가")
            for user in members[:50]
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return big, small, lecture, checks, len(attempts)


def reminder_class(lecture, quiz, size):
    from django.contrib.auth.models import User
    from django.utils import timezone

    from classes.models import Class, Deadline, Membership

    klass = Class.objects.create(course=lecture.course, name="5000명 반", starts_at=timezone.now() - timedelta(days=9))
    users = User.objects.bulk_create(User(username=f"r{n:05d}", email=f"r{n}@example.com") for n in range(size))
    Membership.objects.bulk_create(Membership(klass=klass, user=user) for user in users)
    Deadline.objects.create(klass=klass, quiz=quiz, due_at=timezone.now() + timedelta(hours=24))
    Deadline.objects.create(klass=klass, lecture=lecture, due_at=timezone.now() + timedelta(hours=24))
    return klass


def timed(call):
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--quizzes", type=int, default=20)
    parser.add_argument("--reminded", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # no request log line per request
    scratch_django("gradebook-bench")
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core import mail
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    (big, small, lecture, checks, attempts), seconds = timed(lambda: build(args.learners, args.quizzes))
    print(
        f"{connection.vendor}: {args.learners} learners × {args.quizzes} quizzes, {attempts} attempts (built in {seconds:.0f} s)"
    )
    client = Client()
    client.force_login(User.objects.get(username="prof"))

    def get(url):
        response = client.get(url, HTTP_HOST="localhost")
        assert response.status_code == 200, response.status_code
        return response

    page = f"/classes/{big.pk}/gradebook/"
    get(page)
    times = []
    for _ in range(args.repeat):
        times.append(timed(lambda: get(page))[1] * 1000)
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    with CaptureQueriesContext(connection) as many:
        get(page)
    with CaptureQueriesContext(connection) as few:
        get(f"/classes/{small.pk}/gradebook/")
    print(f"gradebook page p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms (target < 300 ms)")
    print(f"queries: {len(many)} for {args.learners} learners, {len(few)} for 50 (must be equal)")
    sorted_page = timed(lambda: get(page + "?sort=-completion&page=3"))[1] * 1000
    print(f"sorted by completion, page 3: {sorted_page:.0f} ms")
    response, xlsx = timed(lambda: get(page + "?format=xlsx"))
    print(f"XLSX export {xlsx:.2f} s, {len(response.content) // 1024} KiB (target < 3 s)")

    from classes.reminders import send_reminders

    reminder_class(lecture, checks[0], args.reminded)
    outcome, reminding = timed(send_reminders)
    again, second = timed(send_reminders)
    print(
        f"send_reminders for {args.reminded} learners: {outcome.sent} e-mails in {reminding:.1f} s (target < 30 s);"
        f" again: {again.sent} in {second:.1f} s"
    )
    ok = p95 < 300 and len(many) == len(few) and xlsx < 3 and reminding < 30 and again.sent == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
