"""Prometheus metrics at /metrics (django-prometheus): on the metrics port, for allowed addresses or a token.

Behind a proxy every request comes from the proxy's address. In Kubernetes that is the ingress
controller's pod, inside the pod network that METRICS_ALLOWED_IPS lets in, so an address alone
would hand the metrics to anyone on the internet. With METRICS_PORT set, gunicorn listens on a
second port (config/gunicorn.py) that the Service, and so the Ingress, does not expose, and
/metrics answers only for requests that arrived there: from any other port it is refused,
whatever the address, token or headers. The port is WSGI's SERVER_PORT, which gunicorn takes
from the listening socket that accepted the connection (it reads the Host header only for a
unix socket, which we never bind), so no client can claim it.

Of the other ways to close it, listing the app's own paths in the Ingress breaks quietly with
the next new URL, and a token alone is a secret to provision, rotate and keep out of every
scrape config; which port a connection reached is a fact of the network.

On the metrics port /metrics is answered before the host check (MetricsPortMiddleware), since
a scraper asks for the pod's address, which is in no ALLOWED_HOSTS; no page of the site is
served there. Without METRICS_PORT (`make run`, compose.yaml) /metrics is an ordinary URL for
the allowed addresses, or with "Authorization: Bearer METRICS_TOKEN".

Under gunicorn the workers write their samples to PROMETHEUS_MULTIPROC_DIR (set up in
config/gunicorn.py), and the export sums them, whichever worker answers.
"""

import hmac
import ipaddress

from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.http import HttpResponseForbidden, HttpResponseNotFound
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_prometheus.cache.metrics import django_cache_get_total, django_cache_hits_total, django_cache_misses_total
from django_prometheus.exports import ExportToDjangoView


def _on_metrics_port(request):
    return settings.METRICS_PORT is not None and request.META.get("SERVER_PORT") == str(settings.METRICS_PORT)


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
    if settings.METRICS_PORT is not None and not _on_metrics_port(request):
        return HttpResponseForbidden("metrics: only on the metrics port\n", content_type="text/plain")
    if not _allowed(request):
        return HttpResponseForbidden("metrics: address not allowed and no valid token\n", content_type="text/plain")
    return ExportToDjangoView(request)


class MetricsPortMiddleware:
    """On METRICS_PORT, /metrics for any Host header and nothing else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _on_metrics_port(request):
            return self.get_response(request)
        if request.path != "/metrics":
            return HttpResponseNotFound("only /metrics on this port\n", content_type="text/plain")
        return metrics(request)


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
