"""Production settings behind HTTPS: the deploy check is clean, and each header does its job."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

PRODUCTION = {
    "DEBUG": "0",
    "SECURE_COOKIES": "1",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_SETTINGS_MODULE": "config.settings",
}


def manage(*args, **environ):
    env = {**os.environ, **PRODUCTION, **environ}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests (e2e/conftest.py), never in production
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )


def test_the_deploy_check_reports_no_issue_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_turn_on_redirect_and_hsts_each_of_which_can_be_turned_off():
    code = "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER)"
    on = manage("shell", "-c", code, SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https")
    assert on.stdout.split()[-4:] == ["True", "31536000", "('HTTP_X_FORWARDED_PROTO',", "'https')"], on.stderr
    off = manage("shell", "-c", code, SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0")
    assert off.stdout.split()[-3:] == ["False", "0", "None"], off.stderr


@pytest.fixture
def behind_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True


def test_plain_http_is_redirected_and_a_client_cannot_claim_https_itself(behind_https):
    response = Client().get("/patterns/")
    assert response.status_code == 301 and response["Location"] == "https://testserver/patterns/"
    forged = Client().get("/patterns/", headers={"X-Forwarded-Proto": "https"})  # no trusted proxy configured
    assert forged.status_code == 301


def test_https_answers_carry_hsts_and_a_permissions_policy(behind_https):
    response = Client().get("/patterns/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_probes_and_metrics_are_not_redirected(behind_https):
    assert Client().get("/healthz").status_code == 200
    assert Client().get("/readyz").status_code == 200
    assert Client().get("/metrics").status_code == 200


def test_a_trusted_proxy_header_marks_the_request_secure(behind_https, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert Client().get("/patterns/", headers={"X-Forwarded-Proto": "https"}).status_code == 200
