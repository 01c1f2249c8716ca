from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassesConfig(AppConfig):
    name = "classes"
    verbose_name = _("반")

    def ready(self):
        from classes import panels, signals  # noqa: F401  (signals: connects its receivers)
        from course import panels as course_panels
        from learners import panels as learner_panels

        course_panels.register_home_panel(panels.to_do)
        course_panels.register_lecture_panel(panels.of_lecture)
        course_panels.register_section_panel(panels.of_lecture)
        learner_panels.register_dashboard_panel(panels.to_do)
