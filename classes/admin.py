from django.contrib import admin

from classes.models import Class, Membership, Reminder


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Class)
class ClassAdmin(admin.ModelAdmin):
    list_display = ["name", "course", "joining_open", "grade_policy", "created_at"]
    list_filter = ["course", "joining_open"]
    search_fields = ["name", "code"]
    readonly_fields = ["code"]
    inlines = [MembershipInline]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """What the reminder command sent: a record, read only."""

    list_display = ["sent_at", "kind", "klass", "user", "address", "subject"]
    list_filter = ["kind", "klass"]
    search_fields = ["user__username", "address", "subject"]
    date_hierarchy = "sent_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
