from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearnersConfig(AppConfig):
    name = "learners"
    verbose_name = _("학습자")

    def ready(self):
        from learners import panels, signals  # noqa: F401  (register panels, progress and signal handlers)
