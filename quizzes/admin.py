"""Authoring quizzes: quizzes with their questions, questions with their choices, and statistics."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import KeepsLearnerRecordsMixin, RevisionsMixin
from core.files import ContentError
from core.revisions import imported
from course.admin import DraftAdminMixin, MarkdownPreviewMixin, publish, unpublish
from course.admin_schedule import ScheduleFilter, SchedulesMixin, schedule_status
from quizzes import regrade
from quizzes.gift_bank import MAX_BYTES, export_gift, import_gift
from quizzes.models import STATISTICS_PERMISSION, Answer, Choice, Question, QuestionVersion, Quiz
from quizzes.stats import analyse, analysis_csv, question_stats


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["order", "key", "kind", "prompt", "section"]
    extra = 0
    show_change_link = True
    formfield_overrides = {Question._meta.get_field("prompt").__class__: {"widget": forms.Textarea(attrs={"rows": 2})}}


@admin.register(Quiz)
class QuizAdmin(DraftAdminMixin, RevisionsMixin, SchedulesMixin, KeepsLearnerRecordsMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "lecture",
        "section",
        "pass_mark",
        schedule_status,
        "draft_state",
        "gift_link",
        "stats_link",
    ]
    list_filter = ["lecture__course", "lecture", "kind", ScheduleFilter]
    fields = [
        *("lecture", "section", "kind", "title", "slug", "pass_mark", "shuffle"),
        *("is_published", "publish_at", "unpublish_at"),
    ]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [QuestionInline]
    actions = [publish, unpublish]
    list_select_related = ["lecture__course", "section"]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/stats/", view(self.stats_view), name="quizzes_quiz_stats"),
            path("<int:pk>/gift/import/", view(self.import_gift_view), name="quizzes_quiz_import_gift"),
            path("<int:pk>/gift/export/", view(self.export_gift_view), name="quizzes_quiz_export_gift"),
            *super().get_urls(),
        ]

    def import_gift_view(self, request, pk):
        """Upload a GIFT file into this quiz: the same importer as ``manage.py import_gift --quiz``."""
        quiz = get_object_or_404(Quiz.objects.select_related("lecture__course"), pk=pk)
        if not (self.has_change_permission(request, quiz) and request.user.has_perm("quizzes.add_question")):
            raise PermissionDenied
        form, report = GiftUploadForm(request.POST or None, request.FILES or None), None
        if request.method == "POST" and form.is_valid():
            try:
                with imported(form.cleaned_data["file"].name, user=request.user) as run:
                    report = import_gift(
                        form.cleaned_data["text"],
                        course=quiz.lecture.course,
                        lecture_number=quiz.lecture.number,
                        quiz_slug=quiz.slug,
                    )
                    run.done(report.changed, quiz)
            except ContentError as error:
                form.add_error("file", _("%(error)s — 아무것도 바꾸지 않았습니다.") % {"error": error})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("%(quiz)s — GIFT 가져오기") % {"quiz": quiz},
            "quiz": quiz,
            "object": quiz,
            "form": form,
            "report": report,
        }
        return render(request, "admin/quizzes/quiz/import_gift.html", context)

    def export_gift_view(self, request, pk):
        quiz = get_object_or_404(Quiz, pk=pk)
        if not self.has_view_permission(request, quiz):
            raise PermissionDenied
        text, _left_out = export_gift(quiz.questions.select_related("quiz").prefetch_related("choices"))
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="quiz-{quiz.pk}.gift"'
        return response

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return shown if request.user.has_perm(STATISTICS_PERMISSION) else [f for f in shown if f != "stats_link"]

    @admin.display(description="GIFT")
    def gift_link(self, quiz):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:quizzes_quiz_import_gift", args=[quiz.pk]), _("가져오기·내보내기")
        )

    @admin.display(description=_("통계"))
    def stats_link(self, quiz):
        return format_html('<a href="{}">{}</a>', reverse("admin:quizzes_quiz_stats", args=[quiz.pk]), _("문제별 통계"))

    def stats_view(self, request, pk):
        if not request.user.has_perm(STATISTICS_PERMISSION):
            raise PermissionDenied
        quiz = get_object_or_404(Quiz.objects.select_related("lecture"), pk=pk)
        analysis = analyse(quiz)
        if request.GET.get("format") == "csv":
            return analysis_csv(quiz, analysis)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("%(quiz)s — 문제별 통계") % {"quiz": quiz},
            "quiz": quiz,
            "object": quiz,
            "rows": question_stats(quiz.questions.all()),
            "analysis": analysis,
        }
        return render(request, "admin/quizzes/quiz/stats.html", context)


class GiftUploadForm(forms.Form):
    file = forms.FileField(
        label=_("GIFT 파일"), help_text=_("UTF-8 텍스트, 1MB까지. 같은 파일을 다시 올려도 결과는 같습니다.")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(_("파일이 너무 큽니다 (1MB까지)."))
        try:
            self.cleaned_data["text"] = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValidationError(_("UTF-8 텍스트 파일이 아닙니다.")) from error
        return upload


class ChoiceInlineFormSet(forms.BaseInlineFormSet):
    """Refuse a question that could not be graded (e.g. single choice with two right answers)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        choices = [
            (
                form.cleaned_data.get("is_correct", False),
                form.cleaned_data.get("text", ""),
                form.cleaned_data.get("match", ""),
            )
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if problems := self.instance.choice_problems(choices):
            raise ValidationError(problems)

    def save_existing(self, form, obj, commit=True):
        """An edited choice that an answer picked is retired and replaced (``Choice.revise``), so
        the answer still points to what the learner chose."""
        if not form.has_changed():
            return obj
        saved = Choice.all_objects.get(pk=obj.pk)
        return saved.revise({name: getattr(obj, name) for name in Choice.AUTHORED})


class ChoiceInline(MarkdownPreviewMixin, admin.TabularInline):
    model = Choice
    formset = ChoiceInlineFormSet
    fields = ["order", "text", "match", "is_correct", "feedback"]
    extra = 0
    formfield_overrides = {Choice._meta.get_field("feedback").__class__: {"widget": forms.Textarea(attrs={"rows": 2})}}


@admin.register(Question)
class QuestionAdmin(RevisionsMixin, KeepsLearnerRecordsMixin, MarkdownPreviewMixin, admin.ModelAdmin):
    list_display = ["__str__", "quiz", "kind", "order"]
    list_filter = ["quiz__lecture", "kind"]
    search_fields = ["prompt", "key"]
    inlines = [ChoiceInline]
    plain_text_fields = ["accepted_answers"]
    filter_horizontal = ["patterns"]
    fields = [
        "quiz",
        "key",
        "order",
        "kind",
        "prompt",
        "explanation",
        "accepted_answers",
        "unit",
        "section",
        "patterns",
        "versions",
    ]
    readonly_fields = ["versions"]
    list_select_related = ["quiz"]

    def get_urls(self):
        regrade = path(
            "<int:pk>/regrade/", self.admin_site.admin_view(self.regrade_view), name="quizzes_question_regrade"
        )
        return [regrade, *super().get_urls()]

    @admin.display(description=_("판"))
    def versions(self, question):
        """The question's versions with how many answers each graded, and the way to the regrade."""
        if question.pk is None:
            return "-"
        counts = dict(Answer.objects.filter(question=question).values_list("version__number").annotate(n=Count("pk")))
        latest = QuestionVersion.latest(question)
        context = {"question": question, "latest": latest, "counts": sorted(counts.items(), key=lambda r: r[0] or 0)}
        return render_to_string("admin/quizzes/question/_versions.html", context)

    def save_related(self, request, form, formsets, change):
        """Saved with its choices: a question learners answered starts a new version if it changed."""
        super().save_related(request, form, formsets, change)
        question = form.instance
        if not Answer.objects.filter(question=question).exists():
            return
        before = QuestionVersion.latest(question)
        version = QuestionVersion.of(question)
        if version != before and before is not None:
            message = _(
                "답이 있는 문제를 고쳐 새 판(%(new)s)을 만들었습니다. 지난 답은 채점된 판 그대로 남습니다. "
                "새 판으로 다시 매기려면 '재채점'을 여세요."
            )
            self.message_user(request, message % {"new": version}, messages.WARNING)

    def regrade_view(self, request, pk):
        """GET: what a regrade would change, before anything is written. POST: write exactly that."""
        question = get_object_or_404(Question.objects.select_related("quiz"), pk=pk)
        if not self.has_change_permission(request, question):
            raise PermissionDenied
        done, stale = None, False
        if request.method == "POST":
            try:
                done = regrade.apply(question, user=request.user, digest=request.POST.get("digest", ""))
            except regrade.StalePlan:
                stale = True
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("%(question)s — 재채점") % {"question": question},
            "question": question,
            "object": question,
            "plan": done or regrade.plan(question),
            "done": done is not None,
            "stale": stale,
        }
        return render(request, "admin/quizzes/question/regrade.html", context)
