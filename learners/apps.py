from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearnersConfig(AppConfig):
    name = "learners"
    verbose_name = _("학습자")

    def ready(self):
        from course import panels as course_panels
        from learners import panels, signals  # noqa: F401  (signals: connects its receivers)
        from learners.progress import Progress

        course_panels.register_progress(Progress())
        course_panels.register_section_panel(panels.completion)
        course_panels.register_home_panel(panels.resume)
