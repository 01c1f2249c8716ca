"""Admin plumbing every app's admin may use."""

from collections import Counter
from contextlib import contextmanager

import reversion
from django.contrib import admin, messages
from django.contrib.admin.utils import NestedObjects, quote, unquote
from django.core.exceptions import PermissionDenied
from django.db import router
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import revisions
from core.models import AuditEntry


class KeepsLearnerRecordsMixin:
    """Refuse, with one clear message, to delete content that learners' records point to.

    Progress, attempts and answers protect the content they refer to (on_delete=PROTECT):
    an editor may unpublish it, never erase learners' history. The message counts the
    records instead of listing them, so an editor sees no learner's name.
    """

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        collector = NestedObjects(using=router.db_for_write(self.model))
        collector.collect(objs)
        if collector.protected:
            counts = Counter(str(obj._meta.verbose_name) for obj in collector.protected)
            records = ", ".join(
                _("%(name)s %(count)d개") % {"name": name, "count": count} for name, count in sorted(counts.items())
            )
            protected = [
                _(
                    "학습자 기록(%(records)s)이 이 항목을 가리킵니다. 학습 기록은 지우지 않으므로 지울 수 없습니다: 대신 비공개로 돌리세요."
                )
                % {"records": records}
            ]
        return deleted, model_count, perms_needed, protected


class RevisionsMixin:
    """Revisions for a content model's admin: every save (the change form, the list's editable
    columns) is one revision with its editor and what changed, and the history page lists them,
    compares them (a named partial for htmx) and reverts to one (``core.revisions.revert``).

    Not reversion's ``VersionAdmin``: its revert writes the stored row raw, bypassing ``save()``
    (the markdown would not be rendered again), and it registers models itself.
    """

    object_history_template = "admin/revisions/history.html"

    def get_urls(self):
        revert = path(
            "<path:object_id>/history/<int:version_id>/revert/",
            self.admin_site.admin_view(self.revert_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_revert",
        )
        return [revert, *super().get_urls()]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with self.revision_for(request):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        with self.revision_for(request):
            return super().changelist_view(request, extra_context)

    @contextmanager
    def revision_for(self, request):
        """A POST's saves as one revision by its user; a GET writes nothing and needs none."""
        if request.method != "POST":
            yield
            return
        with reversion.create_revision():
            reversion.set_user(request.user)
            yield

    def log_addition(self, request, obj, message):
        return self._note_comment(super().log_addition(request, obj, message))

    def log_change(self, request, obj, message):
        return self._note_comment(super().log_change(request, obj, message))

    def _note_comment(self, entry):
        """The revision's comment is the admin's change message (as JSON, read in the reader's language)."""
        if reversion.is_active():
            reversion.set_comment(entry.change_message)
        return entry

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, obj):  # history, like drafts, is for those who may edit
            raise PermissionDenied
        rows = revisions.history(obj)
        shown = next((row for row in rows if str(row.version.pk) == request.GET.get("version")), None)
        against_current = request.GET.get("against") == "current"
        context = {
            **self.admin_site.each_context(request),
            "title": _("%(name)s 변경 이력") % {"name": obj},
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "rows": rows,
            "shown": shown,
            "against_current": against_current,
            "changes": revisions.changes(obj, shown.version, against_current=against_current) if shown else None,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        template = self.object_history_template + ("#diff" if request.htmx else "")
        response = TemplateResponse(request, template, context)
        patch_vary_headers(response, ["HX-Request"])
        return response

    def revert_view(self, request, object_id, version_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_change_permission(request, obj):
            raise PermissionDenied
        version = get_object_or_404(revisions.versions_of(obj), pk=version_id)
        try:
            notes = revisions.revert(obj, version, user=request.user)
        except revisions.RevertRefused as refused:
            self.message_user(request, _("되돌리지 않았습니다. 아무것도 바꾸지 않았습니다."), messages.ERROR)
            for message in refused.messages:
                self.message_user(request, message, messages.ERROR)
        else:
            self.message_user(request, _("되돌렸습니다. 되돌린 것도 새 리비전으로 남습니다."), messages.SUCCESS)
            for note in notes:
                self.message_user(request, note, messages.WARNING)
        name = f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_history"
        return redirect(reverse(name, args=[quote(obj.pk)]))


class CourseFilter(admin.SimpleListFilter):
    """The courses the log names, each under its latest title; what every course shares has none."""

    title = gettext_lazy("강좌")
    parameter_name = "course"

    def lookups(self, request, model_admin):
        named = AuditEntry.objects.exclude(course_pk=None).order_by("at").values_list("course_pk", "course_title")
        return sorted(dict(named).items(), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(course_pk=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log, read-only: who published, reverted, scheduled, regraded or imported what.
    Readable with ``core.view_auditentry`` (the content editors group has it)."""

    list_display = ["at", "user_name", "action", "what", "course_title", "detail"]
    list_filter = ["action", CourseFilter]
    list_per_page = 50
    list_select_related = ["content_type"]
    search_fields = ["object_repr", "user_name", "detail"]
    date_hierarchy = "at"

    class Media:
        css = {"all": ["core/audit.css"]}

    def changelist_view(self, request, extra_context=None):
        # Django's title for a read-only list is "Select %s to view", which its Korean catalogue
        # renders "보기위한 1작업 기록 를(을) 선택": the log's own name reads better.
        return super().changelist_view(request, {"title": self.opts.verbose_name_plural, **(extra_context or {})})

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("무엇을"), ordering="object_repr")
    def what(self, entry):
        """The object's name, linked to its change page while it still exists."""
        model = entry.content_type.model_class() if entry.content_type else None
        if model is None or not model._base_manager.filter(pk=entry.object_id).exists():
            return entry.object_repr
        try:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[entry.object_id])
        except NoReverseMatch:
            return entry.object_repr
        return format_html('<a href="{}">{}</a>', url, entry.object_repr)
