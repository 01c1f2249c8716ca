"""Shared fixtures and helpers."""

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from scripts.harness import free_port


def pytest_sessionfinish(session):
    """This run's cache directory goes with it (the test database is removed by Django)."""
    if settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
        shutil.rmtree(settings.CACHES["default"]["LOCATION"], ignore_errors=True)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty shared cache (pages, fragments, content version)."""
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture(autouse=True)
def korean_after_each_test():
    """A request in English leaves English active in the thread (LocaleMiddleware activates, nothing
    deactivates): put the site's language back so the next test's messages are Korean."""
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def shipped_course(db):
    """The course shipped in content/, loaded the way `make run` loads it."""
    from django.core.management import call_command

    call_command("load_course", verbosity=0, stdout=open("/dev/null", "w"))
    from course.models import Course

    return Course.objects.get(slug="cloud-native-patterns")


@pytest.fixture
def editor(client):
    """A staff member in the content editors group (not a superuser), logged in on ``client``."""
    from django.contrib.auth.models import Group, User

    from course.apps import EDITORS_GROUP

    user = User.objects.create_user("editor", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    client.force_login(user)
    return user


def client_for_learner(token):
    """A test client whose session already carries a visitor's learner token."""
    from django.test import Client

    client = Client()
    session = client.session
    session["learner"] = token
    session.save()
    client.cookies["sessionid"] = session.session_key
    return client


def read_lesson(client, section):
    """What a browser does to show a lesson: the page's GET, then the visit beacon's POST."""
    from django.urls import reverse

    response = client.get(section.get_absolute_url())
    client.post(reverse("learners:section-visit", args=[section.pk]), headers={"HX-Request": "true"})
    return response


ROOT = Path(settings.BASE_DIR)


def database_url():
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_server(tmp_path, workers=1, **environ):
    """gunicorn with config/gunicorn.py, on a free port, against the test database and cache."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEB_CONCURRENCY": str(workers),
        "PORT": str(port),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / f"metrics-{port}"),
        **environ,
    }
    if not settings.REDIS_URL:
        env["CACHE_DIR"] = settings.CACHES["default"]["LOCATION"]
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = tmp_path / f"server-{port}.log"  # a file, not a pipe nobody reads: logs never block the server
    server = subprocess.Popen(
        [gunicorn, "-c", "config/gunicorn.py"], cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    server.log = log
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    server.kill()
    pytest.fail("gunicorn did not start: " + log.read_text()[-2000:])


def stop_server(server):
    """SIGTERM, as an orchestrator stops it; returns everything it wrote."""
    server.terminate()
    server.wait(timeout=30)
    return server.log.read_text()
