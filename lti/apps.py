from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LtiConfig(AppConfig):
    name = "lti"
    verbose_name = _("LMS 연동 (LTI 1.3)")

    def ready(self):
        from classes import panels as class_panels
        from classes import reminders
        from lti import members, panels, signals  # noqa: F401  (signals: connects its receivers)

        class_panels.register_staff_panel(panels.roster)
        reminders.register_address_source(members.lms_addresses)
