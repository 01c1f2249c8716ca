"""Accounts, the completion toggle, the learner's dashboard and staff analytics."""

import csv

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from course.models import Lecture, Section
from course.views import toc_context, with_progress
from learners import analytics, services
from learners.forms import DeleteAccountForm, SignupForm
from quizzes.models import STATISTICS_PERMISSION, Answer, Attempt


def _next_url(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("learners:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("가입을 환영합니다! 지금까지의 진도와 퀴즈 기록을 계정에 옮겼습니다."))
        return redirect(_next_url(request, "learners:dashboard"))
    return render(request, "registration/signup.html", {"form": form, "next": request.GET.get("next", "")})


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        user.delete()  # progress and attempts go with it (CASCADE)
        messages.success(request, _("계정과 학습 기록을 모두 지웠습니다."))
        return redirect("course:home")
    return render(request, "registration/delete_account.html", {"form": form})


@require_POST
def section_visit(request, pk):
    """The beacon a lesson page sends once shown: records the visit and the resume point."""
    section = get_object_or_404(Section.objects.visible_to(request.user), pk=pk)
    services.progress_visit(section=section, owner=request.learner.start())
    if not request.htmx:
        return redirect(section.get_absolute_url())
    return HttpResponse(status=204)


@require_POST
@vary_on_headers("HX-Request")
def section_complete(request, pk):
    section = get_object_or_404(Section.objects.visible_to(request.user).select_related("lecture__course"), pk=pk)
    completed = request.POST.get("completed") == "1"
    owner = request.learner.start()
    services.progress_set_completed(section=section, owner=owner, completed=completed)
    if not request.htmx:
        return redirect(section.get_absolute_url() + "#completion")
    context = {
        **toc_context(request, section.lecture, section),
        "panel": {"section": section, "completed": completed},
        "just_changed": True,
    }
    return render(request, "learners/_completion_response.html", context)


@require_GET
def dashboard(request):
    owner = request.learner
    lectures = list(Lecture.objects.published().select_related("course"))
    with_progress(request, lectures)
    attempts, wrong = [], []
    if owner.is_known:
        attempts = list(
            Attempt.objects.owned_by(owner)
            .select_related("quiz__lecture__course", "quiz__section__lecture__course")
            .scored()
            .order_by("quiz__lecture", "quiz", "-started_at")
        )
        seen = set()
        for answer in (
            Answer.objects.filter(attempt__in=Attempt.objects.owned_by(owner), is_correct=False)
            .select_related(
                "question__quiz__lecture__course",
                "question__quiz__section__lecture__course",
                "question__section__lecture__course",
            )
            .order_by("-answered_at")[:30]
        ):
            if answer.question_id not in seen and len(wrong) < 10:
                seen.add(answer.question_id)
                wrong.append(answer)
    context = {
        "lectures": lectures,
        "quizzes": analytics.group_attempts(attempts),
        "wrong_answers": wrong,
        "resume": services.last_visited(owner),
    }
    return render(request, "learners/dashboard.html", context)


@staff_member_required
@permission_required(STATISTICS_PERMISSION, raise_exception=True)
@require_GET
def staff_analytics(request):
    lectures = analytics.lecture_funnels()
    questions = analytics.question_rows()
    if request.GET.get("format") == "csv":
        return _csv(request.GET.get("table"), lectures, questions)
    return render(request, "learners/analytics.html", {"lectures": lectures, "questions": questions})


def _csv(table, lectures, questions):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = "questions" if table == "questions" else "funnel"
    response["Content-Disposition"] = f'attachment; filename="analytics-{name}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the Korean as UTF-8
    writer = csv.writer(response)
    if name == "questions":
        writer.writerow(["lecture", "quiz", "question", "answers", "percent_right", "most_chosen_wrong", "times"])
        for row in questions:
            writer.writerow(
                [
                    row.lecture,
                    row.quiz,
                    str(row.stats.question),
                    row.stats.answers,
                    row.stats.percent_right if row.stats.percent_right is not None else "",
                    row.stats.top_wrong,
                    row.stats.top_wrong_count,
                ]
            )
    else:
        writer.writerow(["lecture", "step", "learners"])
        for funnel in lectures:
            writer.writerow([funnel.lecture.heading, "started", funnel.started])
            for section, count in funnel.sections:
                writer.writerow([funnel.lecture.heading, f"completed: {section.title}", count])
            if funnel.has_review:
                writer.writerow([funnel.lecture.heading, "passed review quiz", funnel.review_passed])
    return response
