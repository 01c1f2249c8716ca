"""One JSON line per request on stdout, with a request id that the response echoes.

Only named fields are logged: never the query string, a form, a cookie or a header other
than the request id, so no password, answer, token or session key can reach the log. The
route is the URL pattern (``accounts/reset/<uidb64>/<token>/``), not the path.
"""

import logging
import re
import time
import uuid

from django.urls import Resolver404, resolve

from core.timing import take_write_ms

logger = logging.getLogger("course.requests")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
QUIET_PATHS = {"/healthz", "/readyz", "/metrics"}


def _route(request):
    match = getattr(request, "resolver_match", None)
    if match is None:  # answered before URL resolution, e.g. from the page cache
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    return match.route


def _learner_kind(request):
    learner = getattr(request, "learner", None)
    if learner is not None:
        return learner.kind
    user = getattr(request, "user", None)  # requests answered before LearnerMiddleware
    if user is not None and user.is_authenticated:
        return "staff" if user.is_staff else "account"
    return "visitor"


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        started = time.perf_counter()
        take_write_ms()
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        if request.path not in QUIET_PATHS:
            fields = {
                "request_id": request.id,
                "method": request.method,
                "route": _route(request),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "learner": _learner_kind(request),
            }
            if (write_ms := take_write_ms()) is not None:
                fields["write_ms"] = write_ms  # the time the write transaction took (core.timing)
            logger.info("request", extra=fields)
        return response
