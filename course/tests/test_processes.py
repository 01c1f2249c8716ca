"""The shared cache across processes: two production servers and the editor's process."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from course.tests.builders import make_section

ROOT = Path(settings.BASE_DIR)


def database_url():
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server():
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEB_CONCURRENCY": "1",
        "PORT": str(port),
    }
    if not settings.REDIS_URL:
        env["CACHE_DIR"] = settings.CACHES["default"]["LOCATION"]
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen([gunicorn, "-c", "config/gunicorn.py"], cwd=ROOT, env=env, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz-none", timeout=1)
        except urllib.error.HTTPError:
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    server.kill()
    pytest.fail("gunicorn did not start: " + server.stderr.read().decode()[-2000:])


@pytest.fixture
def servers():
    started = [start_server() for _ in range(2)]
    yield [base for _, base in started]
    for server, _ in started:
        server.terminate()
        server.wait(timeout=20)


def read(base, path):
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return response.read().decode(), response.headers


@pytest.mark.django_db(transaction=True)
def test_an_edit_shows_on_the_next_request_in_every_server_process(servers):
    section = make_section(title="처음 제목", body="처음 본문")
    path = section.get_absolute_url()  # already percent-encoded
    for base in servers:
        for _ in range(3):
            html, headers = read(base, path)
            assert "처음 본문" in html and headers["Cache-Control"] == "public, no-cache"
    section.body = "고친 본문"
    section.save()  # in this test's own process, as the admin or a loader would
    for base in servers:
        html, _ = read(base, path)
        assert "고친 본문" in html and "처음 본문" not in html
    section.lecture.sections.filter(pk=section.pk).update(title="조용히 바뀐 제목")  # no signal, no bump
    assert all("처음 제목" in read(base, path)[0] for base in servers)  # so still the shared page
