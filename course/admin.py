"""Authoring: everything an instructor edits, with a live preview through the same markdown pipeline."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import audit
from core.admin import KeepsLearnerRecordsMixin, RevisionsMixin
from core.audit import Action
from core.cache import content_changed
from core.revisions import imported
from course import drafts, references
from course.admin_schedule import (
    NamedSplitDateTime,
    ScheduleFilter,
    SchedulesMixin,
    ScheduleWidgetsMixin,
    schedule_status,
)
from course.importer import LectureFormatError, import_lecture
from course.models import Course, Diagram, Draft, Lecture, Pattern, PatternFamily, Section

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


def _set_published(request, queryset, published):
    """Publish or unpublish the rows, each with its audit entry; returns how many."""
    with transaction.atomic():
        rows = list(queryset.filter(is_published=not published))
        queryset.filter(pk__in=[row.pk for row in rows]).update(is_published=published)
        for row in rows:
            audit.record(request.user, Action.PUBLISHED if published else Action.UNPUBLISHED, row)
    content_changed()  # update() sends no save signal
    return len(rows)


@admin.action(description=gettext_lazy("선택한 항목 공개"))
def publish(modeladmin, request, queryset):
    count = _set_published(request, queryset, True)
    modeladmin.message_user(request, _("%(count)d개를 공개했습니다.") % {"count": count}, messages.SUCCESS)


@admin.action(description=gettext_lazy("선택한 항목 비공개"))
def unpublish(modeladmin, request, queryset):
    count = _set_published(request, queryset, False)
    modeladmin.message_user(request, _("%(count)d개를 비공개로 돌렸습니다.") % {"count": count}, messages.SUCCESS)


DRAFT_BUTTON = "_save_draft"
DRAFT_FIELDS = ("draft_publish_at", "draft_comment")


class DraftForm(forms.ModelForm):
    """The change form of a model with drafts: also when to publish the draft, and a note on it."""

    draft_publish_at = forms.SplitDateTimeField(
        label=gettext_lazy("공개 예약"),
        required=False,
        widget=NamedSplitDateTime(gettext_lazy("공개 예약")),
        help_text=gettext_lazy("'초안으로 저장'할 때만 씁니다. 비워 두면 '공개'를 눌러야 공개됩니다."),
    )
    draft_comment = forms.CharField(label=gettext_lazy("초안 메모"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if draft := getattr(self.instance, "pending_draft", None):
            self.initial.update(draft_publish_at=draft.publish_at, draft_comment=draft.comment)

    def clean_draft_publish_at(self):
        when = self.cleaned_data["draft_publish_at"]
        if when and when <= timezone.now() and "draft_publish_at" in self.changed_data:
            raise ValidationError(_("공개 예약 시각은 지금보다 뒤여야 합니다."))
        return when


def inlines_in_draft(models):
    """What a draft says of the lists under its object: they stay as published, and where their
    own changes go (a section has drafts of its own; a question has none, only versions)."""
    if not models:
        return ""
    names = ", ".join(str(model._meta.verbose_name_plural) for model in models)
    if all(drafts.has_drafts(model) for model in models):
        message = _(
            "초안에는 이 항목 자체의 내용만 담깁니다. 아래 목록(%(names)s)은 공개된 그대로이며, "
            "그 변경은 각 항목의 편집 화면에서 따로 초안으로 저장합니다."
        )
    else:
        message = _(
            "초안에는 이 항목 자체의 내용만 담깁니다. 아래 목록(%(names)s)에는 초안이 없습니다: "
            "고친 내용은 '저장'하면 바로 공개되고, 변경 기록에 남아 되돌릴 수 있습니다."
        )
    return message % {"names": names}


class UnchangedInDraft:
    """An inline formset on a form saved as a draft: the draft holds the object's own fields only,
    so changed inline rows are refused (and kept on the page) instead of being dropped unsaved."""

    def clean(self):
        super().clean()
        if self.has_changed():
            raise ValidationError(
                _("아래 목록에서 고친 내용은 초안으로 저장할 수 없습니다. %(why)s")
                % {"why": inlines_in_draft([self.model])}
            )


class DraftAdminMixin:
    """The "초안으로 저장" button on the change form, the draft's notice (preview, link, publish, discard) and
    the list's "초안" column, for a model whose drafts ``course.drafts`` previews.

    Saving as a draft saves nothing of the object: its form's values go into its ``Draft``, and the
    inlines (a lecture's sections, a quiz's questions) must be left unchanged. The change form of an
    object with a draft shows the draft's values; saving it normally makes them live and spends the draft.
    """

    form = DraftForm
    change_form_template = "admin/course/draft_change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(**drafts.annotations(self.model))

    @admin.display(description=gettext_lazy("초안"), ordering="draft_publish_at")
    def draft_state(self, obj):
        if not obj.has_draft:
            return ""
        if obj.draft_publish_at:
            when = date_format(timezone.localtime(obj.draft_publish_at), "n/j H:i")
            return _("초안 있음 (예약 %(when)s)") % {"when": when}
        return _("초안 있음")

    def get_fields(self, request, obj=None):
        return [name for name in super().get_fields(request, obj) if name not in DRAFT_FIELDS]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self.has_change_permission(request, obj):
            return fieldsets
        return [*fieldsets, (_("초안"), {"fields": DRAFT_FIELDS})]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        request.edits_draft = True  # get_object shows the draft; a POST may save one
        return super().change_view(request, object_id, form_url, extra_context)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and getattr(request, "edits_draft", False) and self.has_change_permission(request, obj):
            obj.pending_draft = Draft.of(obj)
            if obj.pending_draft:
                obj.pending_draft.apply_to(obj)
        return obj

    def saves_draft(self, request):
        return request.method == "POST" and DRAFT_BUTTON in request.POST and getattr(request, "edits_draft", False)

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            if self.saves_draft(request):
                formset = type(formset.__name__, (UnchangedInDraft, formset), {})
            yield formset, inline

    def save_model(self, request, obj, form, change):
        if self.saves_draft(request):
            data = form.cleaned_data
            drafts.draft_save(
                obj=obj,
                names=form.cleaned_data,
                user=request.user,
                comment=data.get("draft_comment", ""),
                publish_at=data.get("draft_publish_at"),
            )
            return
        super().save_model(request, obj, form, change)
        if change and (draft := getattr(obj, "pending_draft", None)):
            drafts.draft_saved_over(draft=draft, user=request.user)

    def save_related(self, request, form, formsets, change):
        if not self.saves_draft(request):
            super().save_related(request, form, formsets, change)

    def construct_change_message(self, request, form, formsets, add=False):
        if self.saves_draft(request):  # the inlines were not saved: nothing to describe
            return []
        return super().construct_change_message(request, form, formsets, add)

    def log_change(self, request, obj, message):
        if not self.saves_draft(request):  # a draft changes nothing; its audit entry says what was done
            return super().log_change(request, obj, message)
        return None

    def response_change(self, request, obj):
        if not self.saves_draft(request):
            return super().response_change(request, obj)
        message = _("초안으로 저장했습니다. 학습자에게는 공개할 때까지 지금 공개된 내용이 그대로 보입니다.")
        self.message_user(request, message, messages.SUCCESS)
        return redirect(request.path)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None and self.has_change_permission(request, obj):
            context.update(draft_notice_context(request, self, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/draft/publish/", view(self.publish_draft_view), name=f"{prefix}_draft_publish"),
            path("<path:object_id>/draft/discard/", view(self.discard_draft_view), name=f"{prefix}_draft_discard"),
            *super().get_urls(),
        ]

    def publish_draft_view(self, request, object_id):
        return self._draft_action(request, object_id, self._publish)

    def discard_draft_view(self, request, object_id):
        return self._draft_action(request, object_id, self._discard)

    def _publish(self, request, draft):
        drafts.draft_publish(draft=draft, user=request.user)
        return messages.SUCCESS, _("초안을 공개했습니다. 학습자에게 바로 보입니다.")

    def _discard(self, request, draft):
        drafts.draft_discard(draft=draft, user=request.user)
        return messages.SUCCESS, _("초안을 버렸습니다. 공개된 내용은 그대로입니다.")

    def _draft_action(self, request, object_id, act):
        """``act`` on the object's draft, for a POST by someone who may change it; then back to its form."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_change_permission(request, obj):
            raise PermissionDenied
        try:
            if (draft := Draft.of(obj)) is None:
                raise drafts.DraftGone
            level, message = act(request, draft)
        except drafts.DraftGone:
            level, message = messages.WARNING, _("초안이 없습니다. 이미 공개되었거나 버려졌습니다.")
        except ValidationError as error:
            problems = " ".join(error.messages)
            level, message = (
                messages.ERROR,
                _("공개하지 못했습니다. 아무것도 바꾸지 않았습니다: %(problems)s") % {"problems": problems},
            )
        self.message_user(request, message, level)
        return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]))


def draft_notice_context(request, model_admin, obj):
    """What the change form's draft notice shows: the draft, and where its buttons go."""
    draft = getattr(obj, "pending_draft", None)
    prefix = f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}"
    inlines = inlines_in_draft([inline.model for inline in model_admin.inlines])
    context = {"draft": draft, "draft_inlines": inlines, "draft_button": DRAFT_BUTTON}
    if draft is not None:
        link = reverse("course:signed-preview", args=[drafts.preview_token(draft)])
        context.update(
            draft_preview_url=reverse("course:draft-preview", args=[draft.pk]),
            draft_preview_link=request.build_absolute_uri(link),
            draft_link_days=drafts.PREVIEW_MAX_AGE.days,
            draft_publish_url=reverse(f"{prefix}_draft_publish", args=[obj.pk]),
            draft_discard_url=reverse(f"{prefix}_draft_discard", args=[obj.pk]),
        )
    return context


@admin.register(Course)
class CourseAdmin(RevisionsMixin, SchedulesMixin, KeepsLearnerRecordsMixin, admin.ModelAdmin):
    list_display = ["title", "slug", "order", "is_published"]
    list_editable = ["order"]
    prepopulated_fields = {"slug": ["title"]}
    actions = [publish, unpublish]


class SectionInline(ScheduleWidgetsMixin, MarkdownPreviewMixin, admin.StackedInline):
    model = Section
    fields = ["order", "title", "slug", "is_published", "publish_at", "unpublish_at", "body"]
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
class LectureAdmin(DraftAdminMixin, RevisionsMixin, SchedulesMixin, KeepsLearnerRecordsMixin, admin.ModelAdmin):
    list_display = ["__str__", "course", "number", schedule_status, "draft_state", "updated_at"]
    list_filter = ["course", ScheduleFilter]
    fields = ["course", "number", "title", "slug", "summary", "is_published", "publish_at", "unpublish_at"]
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
class SectionAdmin(
    DraftAdminMixin, RevisionsMixin, SchedulesMixin, KeepsLearnerRecordsMixin, MarkdownPreviewMixin, admin.ModelAdmin
):
    list_display = ["title", "lecture", "order", schedule_status, "draft_state", "updated_at"]
    list_filter = ["lecture__course", "lecture", ScheduleFilter]
    list_editable = ["order"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["lecture", "title", "slug", "order", "is_published", "publish_at", "unpublish_at", "body"]
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
