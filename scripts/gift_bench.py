"""`make bench-gift`: importing a large GIFT file, first into an empty quiz, then again.

Scratch database (a new SQLite file, or the throwaway PostgreSQL database in DATABASE_URL):
the shipped course, then a generated file of 1,000 single-choice questions with 4 choices
each imported the way the admin and `manage.py import_gift` do it (``import_gift`` inside one
revision named after the file, ``core.revisions.imported``). The second
import of the same file changes nothing and shows what a re-import costs. Target: the first
import under 5 s on SQLite.

    .venv/bin/python scripts/gift_bench.py [--questions 1000] [--choices 4]
"""

import argparse
import os
import time

from harness import scratch_django  # scripts/harness.py, beside this file


def gift_text(questions, choices):
    lines = []
    for n in range(questions):
        options = " ".join(("=" if c == 0 else "~") + f"선택지 {n}-{c}" for c in range(choices))
        lines.append(f"::bench-{n}::벤치마크 문제 {n}번: 맞는 것은? {{{options}}}\n")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--choices", type=int, default=4)
    args = parser.parse_args()
    scratch_django("gift-bench")
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.revisions import imported
    from course.models import Course
    from quizzes.gift_bank import import_gift
    from quizzes.models import Choice, Question

    with open(os.devnull, "w") as quiet:
        call_command("load_course", stdout=quiet)
        call_command("load_quizzes", stdout=quiet)
    course = Course.objects.get()
    text = gift_text(args.questions, args.choices)
    print(f"{connection.vendor}: {args.questions} questions × {args.choices} choices, {len(text.encode()):,} bytes")
    for label in ("first import", "same file again"):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            with imported("bench.gift") as run:
                report = import_gift(text, course=course, lecture_number=1)
                run.done(report.changed)
            took = time.perf_counter() - start
        print(f"  {label}: {took:.2f} s, {len(queries.captured_queries):,} queries, {report.changed} changed")
    print(f"  questions {Question.objects.count():,}, choices {Choice.objects.count():,}")


if __name__ == "__main__":
    main()
