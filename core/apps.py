from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Plumbing every app may use and that uses none of them (issue 19 moves more here)."""

    name = "core"
    verbose_name = "core"
    # What course.apps.ensure_editors_group gives the content editors group here: reading the audit log.
    editor_models = []
    editor_permissions = ["view_auditentry"]
