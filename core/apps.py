from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Plumbing every app may use and that uses none of them (issue 19 moves more here)."""

    name = "core"
    verbose_name = "core"
    # What course.apps.ensure_editors_group gives the content editors group here: reading the audit log.
    editor_models = []
    editor_permissions = ["view_auditentry"]

    def ready(self):
        from django.apps import apps
        from django.db.models.signals import post_delete, post_save

        from core.models import LearnerOwned
        from core.personal import learner_changed

        def changed(sender, instance, **kwargs):
            learner_changed(instance.owner_key)

        # Any saved or deleted learner's row (an attempt, a progress row, a card, in the admin too)
        # drops their kept pieces; the services' update() calls, which send no signal, do so themselves.
        for model in apps.get_models():
            if issubclass(model, LearnerOwned):
                uid = f"learner-changed-{model._meta.label}"
                post_save.connect(changed, sender=model, dispatch_uid=f"{uid}-save", weak=False)
                post_delete.connect(changed, sender=model, dispatch_uid=f"{uid}-delete", weak=False)
