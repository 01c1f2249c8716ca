"""`make bench-revisions`: what keeping revisions adds to saving a section.

Scratch database (a new SQLite file, or the throwaway PostgreSQL database in DATABASE_URL) with
the shipped course. A section of the first lecture is saved through the admin's change form (the
POST an editor's save sends: form, inlines, log entry, revision) ``--saves`` times with revisions
and as many times with the section unregistered from django-reversion, alternating bodies so that
every save changes something; then the same for a bare ``section.save()`` inside a revision or not.
Prints the median and the 90th percentile of each. Target: revisions add under 50 ms to a save.

    .venv/bin/python scripts/bench_revisions.py [--saves 50]
"""

import argparse
import os
import statistics
import time
import warnings

from harness import scratch_django  # scripts/harness.py, beside this file


def timed(action, saves):
    took = []
    for n in range(saves):
        start = time.perf_counter()
        action(n)
        took.append((time.perf_counter() - start) * 1000)
    took.sort()
    return statistics.median(took), took[int(len(took) * 0.9) - 1]


def admin_saver(client, section):
    from django.urls import reverse

    url = reverse("admin:course_section_change", args=[section.pk])
    fields = {
        "lecture": section.lecture_id,
        "title": section.title,
        "slug": section.slug,
        "order": section.order,
        "is_published": "on",
    }

    def save(n):
        response = client.post(url, fields | {"body": section.body + f"\n\n벤치마크 저장 {n}"})
        assert response.status_code == 302, response.status_code

    return save


def model_saver(section, in_revision):
    import reversion

    body = section.body

    def save(n):
        section.body = body + f"\n\n벤치마크 저장 {n}"
        if in_revision:
            with reversion.create_revision():
                section.save()
        else:
            section.save()

    return save


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=50)
    args = parser.parse_args()
    scratch_django("revisions-bench")
    import reversion
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from core import revisions
    from course.models import Section

    setup_test_environment()  # the test client's host is allowed
    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic on a scratch run
    with open(os.devnull, "w") as quiet:
        call_command("load_course", stdout=quiet)
    section = Section.objects.select_related("lecture").get(lecture__number=1, slug="쿠버네티스")
    client = Client()
    client.force_login(User.objects.create_superuser("bench", password="bench"))
    print(f"{connection.vendor}: section '{section.title}', {len(section.body):,} characters, {args.saves} saves each")
    timed(admin_saver(client, section), 5)  # warm up: templates, forms, connections
    results = {}
    for label, registered in (("with revisions", True), ("without revisions", False)):
        if not registered:
            reversion.unregister(Section)
        results["admin", label] = timed(admin_saver(client, section), args.saves)
        results["save()", label] = timed(model_saver(section, registered), args.saves)
        if not registered:
            revisions.register(Section)
    for path in ("admin", "save()"):
        with_median, with_p90 = results[path, "with revisions"]
        without_median, without_p90 = results[path, "without revisions"]
        print(
            f"  {path:7} with revisions: median {with_median:.1f} ms (p90 {with_p90:.1f}); "
            f"without: median {without_median:.1f} ms (p90 {without_p90:.1f}); "
            f"revisions add {with_median - without_median:.1f} ms"
        )


if __name__ == "__main__":
    main()
