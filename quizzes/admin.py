"""Authoring quizzes: quizzes with their questions, questions with their choices, and statistics."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from course.admin import KeepsLearnerRecordsMixin, MarkdownPreviewMixin, publish, unpublish
from quizzes.models import STATISTICS_PERMISSION, Choice, Question, Quiz
from quizzes.stats import analyse, analysis_csv, question_stats


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["order", "key", "kind", "prompt", "section"]
    extra = 0
    show_change_link = True
    formfield_overrides = {Question._meta.get_field("prompt").__class__: {"widget": forms.Textarea(attrs={"rows": 2})}}


@admin.register(Quiz)
class QuizAdmin(KeepsLearnerRecordsMixin, admin.ModelAdmin):
    list_display = ["title", "kind", "lecture", "section", "pass_mark", "is_published", "stats_link"]
    list_filter = ["lecture__course", "lecture", "kind", "is_published"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [QuestionInline]
    actions = [publish, unpublish]
    list_select_related = ["lecture__course", "section"]

    def get_urls(self):
        stats = path("<int:pk>/stats/", self.admin_site.admin_view(self.stats_view), name="quizzes_quiz_stats")
        return [stats, *super().get_urls()]

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return shown if request.user.has_perm(STATISTICS_PERMISSION) else [f for f in shown if f != "stats_link"]

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
            "rows": question_stats(quiz.questions.all()),
            "analysis": analysis,
        }
        return render(request, "admin/quizzes/quiz/stats.html", context)


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


class ChoiceInline(MarkdownPreviewMixin, admin.TabularInline):
    model = Choice
    formset = ChoiceInlineFormSet
    fields = ["order", "text", "match", "is_correct", "feedback"]
    extra = 0
    formfield_overrides = {Choice._meta.get_field("feedback").__class__: {"widget": forms.Textarea(attrs={"rows": 2})}}


@admin.register(Question)
class QuestionAdmin(KeepsLearnerRecordsMixin, MarkdownPreviewMixin, admin.ModelAdmin):
    list_display = ["__str__", "quiz", "kind", "order"]
    list_filter = ["quiz__lecture", "kind"]
    search_fields = ["prompt", "key"]
    inlines = [ChoiceInline]
    plain_text_fields = ["accepted_answers"]
    filter_horizontal = ["patterns"]
    fields = ["quiz", "key", "order", "kind", "prompt", "explanation", "accepted_answers", "section", "patterns"]
    list_select_related = ["quiz"]
