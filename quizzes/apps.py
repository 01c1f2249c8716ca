from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = _("퀴즈")
    editor_models = ["quiz", "question", "choice"]  # not learners' attempts and answers

    def ready(self):
        from course.apps import ensure_editors_group
        from quizzes import panels  # noqa: F401  (registers the panels)

        post_migrate.connect(ensure_editors_group, sender=self)
