from django.contrib import admin

from classes.models import Class, Membership


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
