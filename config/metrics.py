"""Prometheus metrics at /metrics (django-prometheus), for the allowed addresses or a token.

Under gunicorn the workers write their samples to PROMETHEUS_MULTIPROC_DIR (set up in
config/gunicorn.py), and the export sums them, whichever worker answers.
"""

import hmac
import ipaddress

from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.http import HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_prometheus.cache.metrics import django_cache_get_total, django_cache_hits_total, django_cache_misses_total
from django_prometheus.exports import ExportToDjangoView


def _allowed(request):
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and given and hmac.compare_digest(given.encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


@never_cache
@require_GET
def metrics(request):
    if not _allowed(request):
        return HttpResponseForbidden("metrics: address not allowed and no valid token\n", content_type="text/plain")
    return ExportToDjangoView(request)


class MeasuredRedisCache(RedisCache):
    """Django's own Redis backend, counting gets, hits and misses like django-prometheus's other backends.

    (django-prometheus's Redis backends import django-redis, which this project does not use.)
    """

    def get(self, key, default=None, version=None):
        django_cache_get_total.labels(backend="redis").inc()
        missing = object()
        value = super().get(key, missing, version=version)
        if value is missing:
            django_cache_misses_total.labels(backend="redis").inc()
            return default
        django_cache_hits_total.labels(backend="redis").inc()
        return value
