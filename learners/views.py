"""Accounts, the completion toggle, the learner's dashboard, wrong-answer notebook and review, and staff analytics."""

from collections import Counter

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from core.exports import csv_response
from course.models import Lecture, Section
from course.views import toc_context, with_progress
from learners import accounts, analytics, panels, review, selectors, services
from learners.forms import AddressForm, DeleteAccountForm, MistakeFilterForm, SignupForm
from learners.models import ReviewCard
from quizzes.models import STATISTICS_PERMISSION, Question, Quiz
from quizzes.services import posted
from quizzes.views import answered


def _next_url(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


MAIL_LIMITED = gettext_lazy("이 주소나 이 기기에서 메일을 너무 자주 요청했습니다. 한 시간쯤 뒤에 다시 시도하세요.")


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("learners:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("가입을 환영합니다! 지금까지의 진도와 퀴즈 기록을 계정에 옮겼습니다."))
        _send_confirmation(request, user, form.cleaned_data["email"])
        return redirect(_next_url(request, "learners:dashboard"))
    return render(request, "registration/signup.html", {"form": form, "next": request.GET.get("next", "")})


def _send_confirmation(request, user, address):
    if accounts.mail_limited(request, "address", address):
        messages.warning(request, MAIL_LIMITED)
        return False
    accounts.mail_address_confirmation(request, user, address)
    messages.info(
        request,
        _("%(email)s(으)로 확인 메일을 보냈습니다. 메일의 링크를 누르면 이 주소로 비밀번호를 재설정할 수 있습니다.")
        % {"email": address},
    )
    return True


@login_required
@require_http_methods(["GET", "POST"])
def email_address(request):
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _send_confirmation(request, request.user, form.cleaned_data["email"]):
            return redirect("learners:dashboard")
    return render(request, "registration/email_address.html", {"form": form})


@require_http_methods(["GET", "POST"])
def email_confirm(request, token):
    """The link mailed at sign-up: a page with a button, so that a mail scanner's GET changes nothing."""
    try:
        user, address = accounts.read_confirmation(token)
        attached = request.method == "POST" and accounts.confirm_address(token)
    except accounts.ConfirmationError as error:
        return render(request, "registration/email_confirm.html", {"error": str(error)}, status=400)
    if request.method == "POST":
        if attached:
            messages.success(request, _("이메일 주소 %(email)s을(를) 확인했습니다.") % {"email": address})
        else:
            messages.error(request, _("이 주소는 그사이 다른 계정에 등록되었습니다. 다른 주소를 쓰세요."))
        return redirect("learners:dashboard" if request.user == user else "login")
    return render(request, "registration/email_confirm.html", {"address": address, "account": user})


def login_locked(request, response=None, credentials=None):
    """What django-axes answers for an account locked at this address (settings.AXES_LOCKOUT_CALLABLE)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "next": request.POST.get("next", ""),
        "locked": _(
            "이 계정은 이 주소에서 로그인에 %(limit)d번 실패해 %(minutes)d분 동안 잠겼습니다. "
            "시간이 지나면 다시 시도할 수 있고, 비밀번호를 재설정하면 바로 풀립니다."
        )
        % {"limit": settings.AXES_FAILURE_LIMIT, "minutes": settings.AXES_COOLOFF_TIME.total_seconds() // 60},
    }
    return render(request, "registration/login.html", context, status=429)


class PasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form):
        if accounts.mail_limited(self.request, "password-reset", form.cleaned_data["email"]):
            form.add_error(None, MAIL_LIMITED)
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        axes_reset(username=form.user.get_username())  # the owner proved who they are: lift any lock
        return super().form_valid(form)


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


DASHBOARD_MISTAKES = 5


@require_GET
def dashboard(request):
    owner = request.learner
    mistakes = selectors.mistakes(owner)
    context = {
        "lectures": with_progress(request, list(Lecture.objects.published().select_related("course"))),
        "quizzes": analytics.group_attempts(selectors.attempts_of(owner)),
        "mistakes": mistakes[:DASHBOARD_MISTAKES],
        "mistake_count": len(mistakes),
        "resume": services.last_visited(owner),
        "panels": panels.dashboard_panels(request),
    }
    return render(request, "learners/dashboard.html", context)


@require_GET
@vary_on_headers("HX-Request")
def mistakes(request):
    """The wrong-answer notebook, of one lecture or all; for htmx, the list alone (the filter's swap)."""
    listed = selectors.mistakes(request.learner)
    form = MistakeFilterForm(request.GET, counts=Counter(mistake.lecture.pk for mistake in listed))
    if not form.is_valid():  # a lecture unpublished or made up: the whole notebook, at its own address
        return redirect("learners:mistakes")
    queued = request.GET.get("queued", "")  # put in the review by a form sent without htmx
    context = {"form": form, "lecture": form.cleaned_data["lecture"], "mistakes": form.shown(listed)}
    context |= {"total": len(listed), "queued": int(queued) if queued.isdigit() else None}
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "learners/mistakes.html" + ("#list" if partial else ""), context)


@require_POST
@vary_on_headers("HX-Request")
def mistake_review(request, pk):
    """The notebook's "다시 풀기": the question goes into the learner's review queue now."""
    question = get_object_or_404(Question.objects.filter(Quiz.published_q("quiz__")), pk=pk)
    if not review.card_due_now(owner=request.learner, question=question):
        raise Http404("not a question this learner has answered")
    if request.htmx:
        return render(request, "learners/mistakes.html#review-button", {"question": question, "queued": pk})
    lecture = request.POST.get("lecture", "")
    query = urlencode({"lecture": lecture, "queued": pk} if lecture.isdigit() else {"queued": pk})
    return redirect(f"{reverse('learners:mistakes')}?{query}#mistake-{pk}")


@require_GET
def review_list(request):
    """Today's review: the due cards, most overdue first, each answered in place like a quiz question."""
    owner, now = request.learner, timezone.now()
    cards = review.due_page(owner, now)
    answered = review.answered_state(owner, request.GET.get("answered", ""), now)  # a form sent without htmx
    context = {
        "cards": [c for c in cards if not answered or c.card.question_id != answered.question.pk],
        "answered": answered,
        "next_due": review.next_due(owner, now),
        "has_cards": owner.is_known and ReviewCard.objects.owned_by(owner).exists(),
    }
    return render(request, "learners/review.html", context)


@require_POST
@vary_on_headers("HX-Request")
def review_answer(request, pk):
    cards = ReviewCard.objects.owned_by(request.learner).filter(review.readable())
    card = get_object_or_404(cards.select_related("question"), pk=pk)
    version, number = request.POST.get("version", ""), request.POST.get("number", "")
    given, error = review.answer_or_error(card, posted(request.POST), int(version) if version.isdigit() else None)
    return answered(
        request,
        redirect_to=f"{reverse('learners:review')}?answered={card.pk}#question-{card.question_id}",
        error=error,
        fragment=lambda: render(
            request,
            "learners/review.html#card",
            {"state": review.state(card, int(number) if number.isdigit() else 1, given=given, error=error)},
        ),
    )


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
    if table == "questions":
        header = ["lecture", "quiz", "question", "answers", "percent_right", "most_chosen_wrong", "times"]
        return csv_response("analytics-questions.csv", header, analytics.question_csv_rows(questions))
    return csv_response("analytics-funnel.csv", ["lecture", "step", "learners"], analytics.funnel_csv_rows(lectures))
