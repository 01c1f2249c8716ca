from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The project itself: its system checks."""

    name = "config"
    label = "site_config"

    def ready(self):
        from config import checks  # noqa: F401  (registers them)
