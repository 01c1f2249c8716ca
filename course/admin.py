"""Authoring: everything an instructor edits, with a live preview through the same markdown pipeline."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.admin import KeepsLearnerRecordsMixin, RevisionsMixin
from core.cache import content_changed
from core.revisions import imported
from course import references
from course.importer import LectureFormatError, import_lecture
from course.models import Course, Diagram, Lecture, Pattern, PatternFamily, Section

PREVIEW_MAX_CHARS = 50_000  # well above the longest section; bounds the work one request can ask for
EDIT_PERMISSIONS = ("course.change_section", "course.change_pattern", "course.change_patternfamily")


@staff_member_required
@require_POST
def markdown_preview(request):
    """Render unsaved markdown exactly as saving would, for the editor's preview pane."""
    if not any(request.user.has_perm(permission) for permission in EDIT_PERMISSIONS):
        raise PermissionDenied
    text = request.POST.get("text", "")
    if len(text) > PREVIEW_MAX_CHARS:
        message = _("미리 보기는 %(max)d자까지만 합니다. 저장하면 전체가 검사됩니다.") % {"max": PREVIEW_MAX_CHARS}
        return JsonResponse({"html": "", "problems": [message]}, status=413)
    with references.rendering_once():
        return JsonResponse({"html": references.render(text).html, "problems": references.problems(text)})


class MarkdownPreviewMixin:
    """Every markdown textarea gets a live preview (see static/course/admin-preview.js)."""

    formfield_overrides = {
        models.TextField: {
            "widget": forms.Textarea(
                attrs={"rows": 16, "data-markdown-preview": reverse_lazy("admin:course-markdown-preview")}
            )
        }
    }

    plain_text_fields = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.plain_text_fields:
            kwargs["widget"] = forms.Textarea(attrs={"rows": 4})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    class Media:
        js = ["course/admin-preview.js"]
        css = {"all": ["course/admin-preview.css"]}


class ReferencedContentMixin:
    """Refuse to delete a diagram, pattern or family that a section still references.

    Deleting it would leave a figure without an image or a dead link in stored HTML.
    """

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for obj in objs:
            for section in obj.sections.select_related("lecture"):
                protected.append(
                    _("%(section)s (%(lecture)s) 절이 「%(obj)s」을(를) 참조합니다. 본문에서 참조를 먼저 지우세요.")
                    % {"section": section, "lecture": section.lecture, "obj": obj}
                )
        return deleted, model_count, perms_needed, protected


@admin.action(description=gettext_lazy("선택한 항목 공개"))
def publish(modeladmin, request, queryset):
    count = queryset.update(is_published=True)
    content_changed()  # update() sends no save signal
    modeladmin.message_user(request, _("%(count)d개를 공개했습니다.") % {"count": count}, messages.SUCCESS)


@admin.action(description=gettext_lazy("선택한 항목 비공개"))
def unpublish(modeladmin, request, queryset):
    count = queryset.update(is_published=False)
    content_changed()
    modeladmin.message_user(request, _("%(count)d개를 비공개로 돌렸습니다.") % {"count": count}, messages.SUCCESS)


@admin.register(Course)
class CourseAdmin(RevisionsMixin, KeepsLearnerRecordsMixin, admin.ModelAdmin):
    list_display = ["title", "slug", "order", "is_published"]
    list_editable = ["order"]
    prepopulated_fields = {"slug": ["title"]}
    actions = [publish, unpublish]


class SectionInline(MarkdownPreviewMixin, admin.StackedInline):
    model = Section
    fields = ["order", "title", "slug", "is_published", "body"]
    prepopulated_fields = {"slug": ["title"]}
    extra = 0
    show_change_link = True


class ImportLectureForm(forms.Form):
    course = forms.ModelChoiceField(queryset=Course.objects.all(), label=gettext_lazy("강좌"))
    file = forms.FileField(
        label=gettext_lazy("마크다운 파일"),
        help_text=gettext_lazy(
            "'### N강' 제목으로 시작하는 강의 노트 파일(.md). 같은 강을 다시 가져오면 내용이 갱신됩니다."
        ),
    )

    force = forms.BooleanField(
        label=gettext_lazy("관리자에서 고친 절도 덮어쓰기"),
        required=False,
        help_text=gettext_lazy("체크하지 않으면 마지막으로 가져온 뒤 관리자에서 고친 절은 그대로 둡니다."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise ValidationError(_("파일이 너무 큽니다 (2 MB까지)."))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_("UTF-8로 저장된 텍스트 파일이 아닙니다.")) from None


@admin.register(Lecture)
class LectureAdmin(RevisionsMixin, KeepsLearnerRecordsMixin, admin.ModelAdmin):
    list_display = ["__str__", "course", "number", "is_published", "updated_at"]
    list_filter = ["course", "is_published"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [SectionInline]
    actions = [publish, unpublish]
    change_list_template = "admin/course/lecture/change_list.html"

    def get_urls(self):
        extra = [
            path("import/", self.admin_site.admin_view(self.import_view), name="course_lecture_import"),
            path("preview/", self.admin_site.admin_view(markdown_preview), name="course-markdown-preview"),
        ]
        return extra + super().get_urls()

    def import_view(self, request):
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            return redirect("admin:index")
        form = ImportLectureForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                with imported(request.FILES["file"].name, user=request.user) as run:
                    report = import_lecture(
                        form.cleaned_data["course"], form.cleaned_data["file"], force=form.cleaned_data["force"]
                    )
                    run.done(report.changed, report.lecture)
            except LectureFormatError as error:
                form.add_error(
                    "file", _("가져오지 못했습니다. 아무것도 바꾸지 않았습니다. %(error)s") % {"error": error}
                )
            else:
                for line in report.lines():
                    self.message_user(request, line, messages.SUCCESS)
                return redirect(reverse("admin:course_lecture_change", args=[report.lecture.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("강의 가져오기"),
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/course/lecture/import.html", context)


@admin.register(Section)
class SectionAdmin(RevisionsMixin, KeepsLearnerRecordsMixin, MarkdownPreviewMixin, admin.ModelAdmin):
    list_display = ["title", "lecture", "order", "is_published", "updated_at"]
    list_filter = ["lecture__course", "lecture", "is_published"]
    list_editable = ["order"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["lecture", "title", "slug", "order", "is_published", "body"]
    actions = [publish, unpublish]
    list_select_related = ["lecture__course"]


class DiagramForm(forms.ModelForm):
    source_url = forms.URLField(label=gettext_lazy("원본 주소"), required=False, assume_scheme="https", max_length=500)
    upload = forms.FileField(
        label=gettext_lazy("이미지 파일"),
        required=False,
        help_text=gettext_lazy("SVG, PNG, JPEG, WebP. SVG는 스크립트와 외부 참조를 지운 뒤 저장합니다."),
    )

    class Meta:
        model = Diagram
        fields = ["slug", "title", "alt_text", "caption", "credit", "source_url"]

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            self.instance.set_image(upload.read(), upload.name)
        return upload


@admin.register(Diagram)
class DiagramAdmin(RevisionsMixin, ReferencedContentMixin, admin.ModelAdmin):
    form = DiagramForm
    list_display = ["thumbnail", "title", "slug", "has_local_file"]
    search_fields = ["slug", "title", "alt_text"]
    readonly_fields = ["thumbnail"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["thumbnail", "upload", "slug", "title", "alt_text", "caption", "credit", "source_url"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("image")

    @admin.display(description=gettext_lazy("미리 보기"))
    def thumbnail(self, diagram):
        if not diagram.has_image:
            return _("파일 없음")
        return format_html('<img src="{}" alt="" class="diagram-thumbnail">', diagram.image_url)

    @admin.display(boolean=True, description=gettext_lazy("로컬 파일"))
    def has_local_file(self, diagram):
        return diagram.has_image

    class Media:
        css = {"all": ["course/admin-preview.css"]}


@admin.register(PatternFamily)
class PatternFamilyAdmin(RevisionsMixin, ReferencedContentMixin, MarkdownPreviewMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    list_editable = ["order"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Pattern)
class PatternAdmin(RevisionsMixin, ReferencedContentMixin, MarkdownPreviewMixin, admin.ModelAdmin):
    list_display = ["name", "name_en", "family", "intent"]
    list_filter = ["family"]
    search_fields = ["name", "name_en", "intent"]
    prepopulated_fields = {"slug": ["name_en"]}
    filter_horizontal = ["related"]
    list_select_related = ["family"]
