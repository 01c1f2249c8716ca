"""Operating the site: probes, metrics, request logs and graceful shutdown, under the production server."""

import ipaddress
import json
import re
import socket
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config import health
from conftest import start_server, stop_server
from course.tests.builders import make_section
from quizzes.tests.builders import make_check
from scripts.harness import free_port


def get(base, path, headers=None):
    request = urllib.request.Request(base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers


@pytest.mark.django_db
class TestProbes:
    def test_liveness_answers_for_any_host_without_touching_the_database(self):
        with CaptureQueriesContext(connection) as queries:
            response = Client().get("/healthz", HTTP_HOST="10.244.1.17:8000")
        assert response.status_code == 200 and response.json() == {"status": "ok"}
        assert response["Cache-Control"] == "no-store" and len(queries) == 0

    def test_readiness_checks_the_database_cache_and_migrations_for_any_host(self):
        response = Client().get("/readyz", HTTP_HOST="10.244.1.17:8000")
        assert response.status_code == 200
        assert response.json()["checks"] == {"database": "ok", "cache": "ok", "migrations": "ok"}
        assert response["Cache-Control"] == "no-store"

    def test_readiness_fails_while_a_migration_is_pending(self, monkeypatch, caplog):
        monkeypatch.setattr(health, "_migrated", False)
        with connection.cursor() as cursor:  # as if this code's last learners migration had not run yet
            cursor.execute("DELETE FROM django_migrations WHERE app = 'learners'")
        response = Client().get("/readyz")
        assert response.status_code == 503 and response.json()["checks"]["migrations"] == "failed"
        assert "migrations not applied" in caplog.text

    def test_readiness_tells_the_outside_only_which_check_failed_and_logs_why(self, monkeypatch, caplog):
        def unreachable():
            raise OperationalError(
                'connection to server at "db.internal.example" (10.3.4.5), port 6543 failed: Connection refused'
            )

        monkeypatch.setattr(health, "_check_database", unreachable)
        response = Client().get("/readyz", HTTP_HOST="10.244.1.17:8000")
        assert response.status_code == 503
        assert response.json() == {
            "status": "unavailable",
            "checks": {"database": "failed", "cache": "ok", "migrations": "ok"},
        }
        body = response.content.decode()
        for detail in ("db.internal.example", "10.3.4.5", "6543", "Connection refused", "OperationalError"):
            assert detail not in body
        (record,) = [r for r in caplog.records if r.name == "config.health"]
        assert record.levelname == "WARNING"
        assert "OperationalError" in record.getMessage() and "db.internal.example" in record.getMessage()
        assert "port 6543 failed: Connection refused" in record.getMessage()

    def test_an_unknown_host_is_still_refused_everywhere_else(self):
        assert Client().get("/", HTTP_HOST="evil.example").status_code == 400


@pytest.mark.django_db
class TestMetricsAccess:
    def test_loopback_may_read_the_metrics(self):
        response = Client().get("/metrics")
        assert (
            response.status_code == 200 and "django_http_requests_before_middlewares_total" in response.content.decode()
        )

    def test_another_address_is_refused_without_a_token(self, settings):
        settings.METRICS_TOKEN = "s3cret-metrics-token"
        assert Client(REMOTE_ADDR="10.0.0.5").get("/metrics").status_code == 403
        wrong = {"Authorization": "Bearer guess"}
        assert Client(REMOTE_ADDR="10.0.0.5").get("/metrics", headers=wrong).status_code == 403
        right = {"Authorization": "Bearer s3cret-metrics-token"}
        assert Client(REMOTE_ADDR="10.0.0.5").get("/metrics", headers=right).status_code == 200

    def test_no_token_configured_means_no_token_is_accepted(self, settings):
        settings.METRICS_TOKEN = ""
        assert Client(REMOTE_ADDR="10.0.0.5").get("/metrics", headers={"Authorization": "Bearer "}).status_code == 403


@pytest.mark.django_db
class TestMetricsPort:
    """As in Kubernetes: the pod network may read /metrics, on METRICS_PORT only.

    SERVER_PORT is the port the connection arrived on (the test client sets it per request).
    """

    @pytest.fixture(autouse=True)
    def cluster(self, settings):
        settings.METRICS_PORT = 9000
        settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
        settings.METRICS_TOKEN = "s3cret-metrics-token"
        settings.ALLOWED_HOSTS = ["course.example.org"]

    def test_through_the_ingress_metrics_are_refused_whatever_the_request_claims(self):
        # ingress-nginx connects from its pod's address to the http port, with the site's host.
        ingress = Client(REMOTE_ADDR="10.244.0.12")
        claims = [
            {},
            {"Host": "course.example.org:9000", "X-Forwarded-Port": "9000", "X-Forwarded-For": "10.244.3.4"},
            {"Authorization": "Bearer s3cret-metrics-token"},
        ]
        for headers in claims:
            response = ingress.get("/metrics", headers={"Host": "course.example.org", **headers}, SERVER_PORT="8000")
            assert response.status_code == 403, headers
            assert "django_http_requests" not in response.content.decode()

    def test_on_the_metrics_port_the_pod_network_may_read_them_for_any_host(self):
        prometheus = Client(REMOTE_ADDR="10.244.5.6")
        response = prometheus.get("/metrics", headers={"Host": "10.244.1.17:9000"}, SERVER_PORT="9000")
        assert response.status_code == 200 and "django_http_requests" in response.content.decode()

    def test_on_the_metrics_port_an_outside_address_is_still_refused(self):
        assert Client(REMOTE_ADDR="203.0.113.9").get("/metrics", SERVER_PORT="9000").status_code == 403

    def test_the_metrics_port_serves_nothing_else(self):
        prometheus = Client(REMOTE_ADDR="10.244.5.6")
        assert prometheus.get("/", headers={"Host": "course.example.org"}, SERVER_PORT="9000").status_code == 404


def _count(metrics_text, name, **labels):
    total = 0.0
    for line in metrics_text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.mark.django_db(transaction=True)
def test_under_several_workers_metrics_logs_and_probes_are_right(tmp_path):
    section = make_section(title="운영 절", body="본문")
    quiz = make_check(section=section)
    # Hashed as the server's settings hash (the tests' own settings use a faster hasher).
    User.objects.create(username="operator", password=PBKDF2PasswordHasher().encode("a-long-passphrase-1", "salt1234"))
    server, base = start_server(tmp_path, workers=3)
    try:
        path = section.get_absolute_url()
        with ThreadPoolExecutor(8) as pool:  # concurrent, so several workers answer
            statuses = list(pool.map(lambda _: get(base, "/patterns/", {"Cookie": "sessionid=x"})[0], range(40)))
        assert statuses == [200] * 40
        for _ in range(3):  # whichever worker answers, the export adds up every worker's samples
            _, text, _ = get(base, "/metrics")
            counted = _count(
                text, "django_http_requests_total_by_view_transport_method_total", view="course:pattern-list"
            )
            assert counted == 40
        assert "django_db_execute_total" in text and "django_cache_get_total" in text

        status, _, headers = get(base, path, {"X-Request-ID": "probe-me-123"})
        assert status == 200 and headers["X-Request-ID"] == "probe-me-123"
        status, _, headers = get(base, path, {"X-Request-ID": "bad id with spaces"})
        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])
        for _ in range(5):
            assert get(base, "/healthz", {"Host": "10.1.2.3"})[0] == 200
            assert get(base, "/readyz", {"Host": "10.1.2.3"})[0] == 200
        # Secrets a careless log would keep: a password, an answer, a session key.
        login = urllib.request.Request(
            base + reverse("login"),
            data=b"username=operator&password=a-long-passphrase-1",
            headers={"Origin": base, "Content-Type": "application/x-www-form-urlencoded"},
        )
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        assert opener.open(login, timeout=10).url == base + reverse("learners:dashboard")  # logged in
        question = quiz.questions.get(key="short")
        answer = urllib.request.Request(
            base + reverse("quizzes:answer", args=[quiz.slug, question.pk]),
            data=b"text=my-secret-answer-xyz",
            headers={"Origin": base, "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"},
        )
        with urllib.request.urlopen(answer, timeout=10) as response:
            cookies = " ".join(response.headers.get_all("Set-Cookie"))
            session_key = re.search(r"sessionid=([^;]+)", cookies).group(1)
    finally:
        log = stop_server(server)

    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("logger") == "course.requests"]
    assert len(requests) >= 45
    for line in requests:
        assert {"time", "level", "request_id", "method", "route", "status", "duration_ms", "learner"} <= line.keys()
    tagged = [line for line in requests if line["request_id"] == "probe-me-123"]
    assert len(tagged) == 1 and tagged[0]["route"] == "courses/<str:course_slug>/<str:lecture_slug>/<str:section_slug>/"
    assert {line["learner"] for line in requests} >= {"visitor", "account"}
    assert not any(line["route"] in ("healthz", "readyz", "metrics") for line in requests)
    for secret in ("a-long-passphrase-1", "my-secret-answer-xyz", session_key, "sessionid"):
        assert secret not in log


@pytest.mark.django_db(transaction=True)
def test_under_gunicorn_metrics_answer_on_the_metrics_port_only(tmp_path):
    """gunicorn sets SERVER_PORT from the socket that accepted the connection, never from the Host header."""
    metrics_port = free_port()
    server, base = start_server(tmp_path, METRICS_PORT=str(metrics_port), METRICS_ALLOWED_IPS="127.0.0.1")
    try:
        claimed = {"Host": f"127.0.0.1:{metrics_port}", "X-Forwarded-Port": str(metrics_port)}
        status, body, _ = get(base, "/metrics", claimed)
        assert status == 403 and "django_http_requests" not in body
        scrape = f"http://127.0.0.1:{metrics_port}"
        status, body, _ = get(scrape, "/metrics", {"Host": "10.244.1.17:9000"})  # the pod's address
        assert status == 200 and "django_http_requests" in body
        assert get(scrape, "/patterns/")[0] == 404
        assert get(base, "/patterns/")[0] == 200
    finally:
        stop_server(server)


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_database_fails_readiness_without_showing_its_address_and_liveness_holds(tmp_path):
    server, base = start_server(tmp_path, DATABASE_URL="postgres://nobody@127.0.0.1:9/none")
    try:
        assert get(base, "/healthz")[0] == 200
        status, body, _ = get(base, "/readyz")
    finally:
        log = stop_server(server)
    assert status == 503 and json.loads(body)["checks"]["database"] == "failed"
    assert "127.0.0.1" not in body and "port 9" not in body and "nobody" not in body
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    warnings = [line["message"] for line in lines if line.get("logger") == "config.health"]
    assert any('connection to server at "127.0.0.1", port 9 failed' in message for message in warnings)


@pytest.mark.django_db(transaction=True)
def test_sigterm_lets_a_request_in_flight_finish(tmp_path):
    server, base = start_server(tmp_path)
    host, port = base.removeprefix("http://").split(":")
    body = b"completed=1"
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            b"POST /progress/sections/1/complete/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[:3]
        )
        time.sleep(0.5)  # a worker accepts the connection and blocks reading the body (on a busy machine, not at once)
        stopping = threading.Thread(target=stop_server, args=(server,))
        stopping.start()  # SIGTERM while the worker is still reading this request's body
        stopping.join(timeout=1)
        assert stopping.is_alive()  # the server waits for the request in flight
        conn.sendall(body[3:])
        reply = conn.recv(65536).decode(errors="replace")
    stopping.join(timeout=30)
    assert reply.startswith("HTTP/1.1 ") and not reply.startswith("HTTP/1.1 5")
    assert server.returncode == 0
