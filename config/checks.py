"""A system check in place of Django's security.W003, which only knows its own CSRF middleware."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def csrf_middleware_installed(app_configs, **kwargs):
    if "config.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE:
        return []
    return [Error("config.csrf.CsrfViewMiddleware must be in MIDDLEWARE.", id="config.E001")]
