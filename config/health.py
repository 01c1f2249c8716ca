"""Probes for an orchestrator: /healthz (liveness) and /readyz (readiness).

Answered by the first middleware, before the host check, the security redirects, the
page cache and the request log: probes come from pod addresses with any Host header,
must never be cached, and every few seconds would flood the logs.

Anyone can ask, so the answer names only the checks and "ok" or "failed": an exception's
text (a database's host and port, say) goes to the log, where the operator looks.
"""

import logging

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse

logger = logging.getLogger(__name__)
_migrated = False  # once the database has caught up with this code, it stays so


def _check_database():
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache():
    cache.set("readyz", "ok", 10)
    if cache.get("readyz") != "ok":
        raise RuntimeError("the cache did not return what was stored")


def _check_migrations():
    global _migrated
    if _migrated:
        return
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise RuntimeError(f"{len(pending)} migrations not applied")
    _migrated = True


def readiness():
    """{check: "ok" | "failed"} for the database, the cache, the migrations; why it failed is logged."""
    results = {}
    for name, check in (("database", _check_database), ("cache", _check_cache), ("migrations", _check_migrations)):
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # a probe reports every failure, whatever it is
            logger.warning("readiness: %s failed: %s: %s", name, type(exc).__name__, exc)
            results[name] = "failed"
    return results


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return self._answer({"status": "ok"}, 200)
        if request.path == "/readyz":
            checks = readiness()
            ready = all(value == "ok" for value in checks.values())
            return self._answer({"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503)
        return self.get_response(request)

    @staticmethod
    def _answer(data, status):
        response = JsonResponse(data, status=status)
        response["Cache-Control"] = "no-store"
        return response
