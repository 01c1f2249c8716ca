"""Scheduled publishing in the admin, for every ``Scheduled`` model (lectures, sections, quizzes):
the status column, its filter, and the audit entry a schedule change writes.

Times are entered and shown in the site's time zone (``TIME_ZONE``, Asia/Seoul), as the admin's
date widgets do for every field.
"""

from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db.models import Q
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import audit
from course.models import Scheduled

SCHEDULE_FIELDS = ("publish_at", "unpublish_at")


def _moment(at):
    return dateformat.format(timezone.localtime(at), _("n월 j일 H:i"))


@admin.display(description=gettext_lazy("공개 상태"), ordering="publish_at")
def schedule_status(obj):
    """The object's own state now ("공개", "예약: 12월 7일 09:00", …), whatever holds it."""
    now = timezone.now()
    if not obj.is_published:
        return _("비공개")
    if obj.unpublish_at and obj.unpublish_at <= now:
        return _("종료됨")
    if obj.publish_at and obj.publish_at > now:
        return _("예약: %(at)s") % {"at": _moment(obj.publish_at)}
    if obj.unpublish_at:
        return _("공개 (%(at)s 종료)") % {"at": _moment(obj.unpublish_at)}
    return _("공개")


class ScheduleFilter(admin.SimpleListFilter):
    title = gettext_lazy("공개 상태")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("live", _("공개")), ("scheduled", _("예약")), ("ended", _("종료됨")), ("draft", _("비공개"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        conditions = {
            "live": Q(is_published=True) & Scheduled.live_q("", now),
            "scheduled": Q(is_published=True, publish_at__gt=now),
            "ended": Q(is_published=True, unpublish_at__lte=now),
            "draft": Q(is_published=False),
        }
        return queryset.filter(conditions[self.value()]) if self.value() in conditions else queryset


def _when(at):
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z") if at else _("없음")


def record_schedule(request, form):
    """An audit entry when a saved form changed either time (set, moved or cleared)."""
    obj = form.instance
    if obj.pk is None or not set(SCHEDULE_FIELDS) & set(form.changed_data):
        return
    detail = _("공개 시작: %(start)s, 공개 종료: %(end)s") % {
        "start": _when(obj.publish_at),
        "end": _when(obj.unpublish_at),
    }
    audit.record(request.user, audit.Action.SCHEDULED, obj, detail)


def record_publication(request, form):
    """An audit entry when a saved form ticked or cleared 공개, as the list actions write one."""
    obj = form.instance
    if obj.pk is None or "is_published" not in form.changed_data:
        return
    audit.record(request.user, audit.Action.PUBLISHED if obj.is_published else audit.Action.UNPUBLISHED, obj)


class NamedSplitDateTime(AdminSplitDateTime):
    """The admin's date and time inputs, each named for a screen reader ("공개 시작 날짜"). Django 5.2
    names neither: the field's label has no ``for`` (as for any MultiWidget) and "날짜:" is bare text,
    which axe reports as inputs without a label."""

    def __init__(self, label, attrs=None):
        super().__init__(attrs)
        self.label = label

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        parts = (context["date_label"], context["time_label"])  # Django's own "Date:", "Time:"
        for subwidget, part in zip(context["widget"]["subwidgets"], parts, strict=True):
            subwidget["attrs"]["aria-label"] = f"{self.label} {part.rstrip(':')}"
        return context


class ScheduleWidgetsMixin:
    """A ModelAdmin or inline whose go-live and take-down times get ``NamedSplitDateTime`` inputs."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in SCHEDULE_FIELDS:
            kwargs["widget"] = NamedSplitDateTime(db_field.verbose_name)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class SchedulesMixin(ScheduleWidgetsMixin):
    """For a ModelAdmin of a ``Scheduled`` model, or one whose inlines are: audits schedule changes
    and 공개 ticked or cleared in the form."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record_publication(request, form)
        record_schedule(request, form)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if issubclass(formset.model, Scheduled):
            for inline_form in formset.forms:
                if inline_form not in formset.deleted_forms:
                    record_publication(request, inline_form)
                    record_schedule(request, inline_form)
