from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Plumbing every app may use and that uses none of them (issue 19 moves more here)."""

    name = "core"
    verbose_name = "core"
