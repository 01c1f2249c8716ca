"""Database queries, time and size of each page type, for a visitor and for a logged-in learner.

    DEBUG=1 ALLOWED_HOSTS=testserver .venv/bin/python manage.py shell < scripts/measure_pages.py

Runs against the configured database (load the course first: make load). The logged-in
learner is a throwaway user created and deleted by the script.
"""

import time
from urllib.parse import quote

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

LECTURE = "/courses/cloud-native-patterns/" + quote("1강") + "/"
PAGES = {
    "home": "/",
    "course": "/courses/cloud-native-patterns/",
    "lecture": LECTURE,
    "section": LECTURE + quote("쿠버네티스") + "/",
    "patterns": "/patterns/",
    "pattern": "/patterns/circuit-breaker/",
    "review quiz": "/quizzes/" + quote("1강-복습") + "/",
    "dashboard": "/me/",
}

learner = User.objects.create_user("measure-pages-learner", password="x")
try:
    for who, client in (("visitor", Client()), ("learner", Client())):
        if who == "learner":
            client.force_login(learner)
        for url in PAGES.values():
            client.get(url)  # first visit creates the session and progress rows
        for name, url in PAGES.items():
            timings = []
            for _ in range(5):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    response = client.get(url)
                    timings.append(time.perf_counter() - start)
            print(
                f"{who:8s} {name:12s} {response.status_code} queries={len(queries):3d} "
                f"median={sorted(timings)[2] * 1000:6.1f} ms size={len(response.content) / 1024:5.1f} KB"
            )
finally:
    learner.delete()
