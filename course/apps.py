from django.apps import AppConfig
from django.db.models import Q
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

EDITORS_GROUP = "콘텐츠 편집자"


def ensure_editors_group(sender, app_config=None, using="default", **kwargs):
    """Give the content editors group every permission on this app's models.

    Runs after each migrate, once the permissions exist, so a new model's
    permissions reach the editors without a hand-written data migration.
    """
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.using(using).get_or_create(name=EDITORS_GROUP)
    permissions = Permission.objects.using(using).filter(content_type__app_label=sender.label)
    if sender.editor_models is not None:
        permissions = permissions.filter(
            Q(content_type__model__in=sender.editor_models) | Q(codename__in=getattr(sender, "editor_permissions", []))
        )
    group.permissions.add(*permissions)


class CourseConfig(AppConfig):
    name = "course"
    verbose_name = _("강의 콘텐츠")
    editor_models = None  # all of them

    def ready(self):
        from django.apps import apps

        from core import revisions
        from core.cache import at_schedule_change, register_schedule, watch_content
        from course import drafts, search, views
        from course.models import Scheduled

        post_migrate.connect(ensure_editors_group, sender=self)
        post_migrate.connect(ensure_editors_group, sender=apps.get_app_config("core"))  # the audit log
        for name in ("Course", "Lecture", "Section", "Diagram", "PatternFamily", "Pattern"):
            revisions.register(self.get_model(name))
        post_migrate.connect(revisions.initial_revisions, sender=self)
        post_migrate.connect(search.fill_if_empty, sender=self)
        watch_content([model for model in self.get_models() if model.__name__ not in ("SearchEntry", "Draft")])
        search.connect()
        for model in self.get_models():
            if issubclass(model, Scheduled):
                register_schedule(model.schedule_times)
        register_schedule(drafts.pending_publish_times)
        at_schedule_change(drafts.publish_due_drafts)
        drafts.register_preview(self.get_model("Lecture"), views.preview_lecture)
        drafts.register_preview(self.get_model("Section"), views.preview_section)
