from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from lti import grades
from lti.models import GradeLink, ScoreOut


@admin.register(ScoreOut)
class ScoreOutAdmin(admin.ModelAdmin):
    """The scores on their way to the LMSs: what is pending, what was sent, what failed and why."""

    list_display = [
        "timestamp",
        "link",
        "user",
        "score_given",
        "score_maximum",
        "status",
        "tries",
        "next_try_at",
        "last_error",
    ]
    list_filter = ["status", "link__registration"]
    search_fields = ["user__username", "sub", "last_error"]
    date_hierarchy = "timestamp"
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("지금 다시 보내기"), permissions=["view"])
    def send_again(self, request, queryset):
        waiting = queryset.filter(status__in=[ScoreOut.Status.PENDING, ScoreOut.Status.FAILED])
        newer = ScoreOut.objects.filter(
            link=OuterRef("link"), user=OuterRef("user"), timestamp__gt=OuterRef("timestamp")
        )
        waiting.filter(Exists(newer)).update(status=ScoreOut.Status.SUPERSEDED)  # never an old grade over a new one
        waiting = waiting.exclude(status=ScoreOut.Status.SUPERSEDED)
        ids = list(waiting.values_list("pk", flat=True))
        waiting.update(status=ScoreOut.Status.PENDING, next_try_at=timezone.now())
        sent = sum(bool(grades.deliver(pk)) for pk in ids)
        messages.info(
            request,
            ngettext("%(sent)d/%(n)d개를 보냈습니다.", "%(sent)d/%(n)d개를 보냈습니다.", len(ids))
            % {"sent": sent, "n": len(ids)},
        )


@admin.register(GradeLink)
class GradeLinkAdmin(admin.ModelAdmin):
    list_display = ["quiz", "context", "resource_link_id", "lineitem"]
    list_filter = ["registration"]

    def has_add_permission(self, request):
        return False
