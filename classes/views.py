"""Classes for their staff and learners: the list, creating one, its page, joining by link,
leaving, the join code, its staff and its gradebook. Each class is found through the asker's
own membership, so a class they have no role in is a 404, whatever their global rights."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from classes import gradebook, overview, panels, services
from classes.forms import ClassForm, DeadlineForm, ExtensionForm, GradebookForm, ReminderForm, StaffForm
from classes.models import MANAGING_ROLES, STAFF_ROLES, Class, Extension, Role, dues_of
from classes.reminders import addresses
from core import audit
from core.exports import csv_response, xlsx_response
from quizzes.stats import analyse

CREATE_PERMISSION = "classes.add_class"
DOWNLOADS = {"csv": csv_response, "xlsx": xlsx_response}


def _class(request, pk, roles=Role.values):
    """The class, if the asker has one of ``roles`` in it; a 404 otherwise."""
    return get_object_or_404(Class.objects.with_role(request.user, roles).select_related("course"), pk=pk)


def _carried_out(request, klass, form, action):
    """``action(form.cleaned_data)`` if the form is valid; what refuses it becomes a message.
    Back to the class page either way."""
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect(klass)
    try:
        action(form.cleaned_data)
    except services.ClassError as error:
        messages.error(request, str(error))
    return redirect(klass)


def _bound(request, klass, form_class):
    """The posted form, validated with its dates read in the class's time zone."""
    form = form_class(request.POST, klass=klass)
    with timezone.override(klass.time_zone):
        form.is_valid()
    return form


@login_required
@require_http_methods(["GET", "POST"])
def class_list(request):
    """The classes I teach and those I joined; with the right, a form to create one."""
    can_create = request.user.has_perm(CREATE_PERMISSION)
    if request.method == "POST" and not can_create:
        raise PermissionDenied
    form = ClassForm(request.POST or None) if can_create else None
    if request.method == "POST" and form.is_valid():
        return redirect(services.class_create(instructor=request.user, **form.cleaned_data))
    teaching, joined = Class.objects.staffed_by(request.user), Class.objects.joined_by(request.user)
    return render(request, "classes/class_list.html", {"form": form, "teaching": teaching, "joined": joined})


@login_required
@require_GET
def class_detail(request, pk):
    klass = _class(request, pk)
    membership = klass.memberships.get(user=request.user)
    role = membership.role
    context = {"klass": klass, "role": role, "manages": role in MANAGING_ROLES}
    context["reminder_form"] = ReminderForm(instance=membership) if role in (Role.LEARNER, *MANAGING_ROLES) else None
    context["reminder_address"] = addresses([request.user]).get(request.user.pk, "")
    if role == "learner":
        context["dues"] = dues_of(klass, request.user)
    else:
        context |= {"members": klass.memberships.select_related("user"), "staff_form": StaffForm()}
        context |= {"deadline_form": DeadlineForm(klass=klass), "extension_form": ExtensionForm(klass=klass)}
        context["deadlines"] = klass.deadlines.select_related("quiz", "lecture").prefetch_related("extensions__user")
        context["panels"] = panels.staff_panels(request, klass, role)
    return render(request, "classes/class_detail.html", context)


@require_http_methods(["GET", "POST"])
def join(request, code):
    """The join link: a confirmation page, then the POST that joins. A visitor is asked to log in
    or sign up first (their progress moves to the account), then comes back here."""
    klass = get_object_or_404(Class.objects.select_related("course"), code=code)
    if request.method == "POST" and request.user.is_authenticated:
        try:
            services.class_join(klass=klass, user=request.user)
        except services.ClassError as error:
            messages.error(request, str(error))
            return redirect(request.path)
        return redirect(klass)
    return render(request, "classes/join.html", {"klass": klass, "role": klass.role_of(request.user)})


@login_required
@require_POST
def leave(request, pk):
    klass = _class(request, pk)
    try:
        services.class_leave(klass=klass, user=request.user)
    except services.ClassError as error:
        messages.error(request, str(error))
        return redirect(klass)
    messages.success(
        request, _("「%(name)s」 반을 떠났습니다. 지금까지의 학습 기록은 그대로 남습니다.") % {"name": klass.name}
    )
    return redirect("classes:list")


@login_required
@require_POST
def reminders(request, pk):
    """One's own reminder e-mails in this class: on or off, and in which language."""
    klass = _class(request, pk, [Role.LEARNER, *MANAGING_ROLES])
    membership = klass.memberships.get(user=request.user)

    def save(data):
        services.reminders_set(membership=membership, **data)
        messages.success(request, _("알림 메일 설정을 저장했습니다."))

    return _carried_out(request, klass, ReminderForm(request.POST, instance=membership), save)


@login_required
@require_POST
def code(request, pk):
    """Change the join code (the old link stops working), or close or open joining."""
    klass = _class(request, pk, MANAGING_ROLES)
    action = request.POST.get("action")
    if action == "change":
        services.code_change(klass=klass)
    elif action in ("close", "open"):
        services.joining_set(klass=klass, is_open=action == "open")
    return redirect(klass)


@login_required
@require_POST
def staff_add(request, pk):
    klass = _class(request, pk, MANAGING_ROLES)
    return _carried_out(
        request,
        klass,
        StaffForm(request.POST),
        lambda data: services.staff_add(klass=klass, user=data["username"], role=data["role"]),
    )


@login_required
@require_POST
def member_remove(request, pk, member):
    klass = _class(request, pk, MANAGING_ROLES)
    try:
        services.member_remove(klass=klass, membership=get_object_or_404(klass.memberships, pk=member))
    except services.ClassError as error:
        messages.error(request, str(error))
    return redirect(klass)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def gradebook_view(request, pk):
    """Learners × quizzes by the class's grade policy; sorted, searched and paged in the query
    string (htmx swaps the table alone); ``?format=csv`` or ``xlsx`` downloads it."""
    klass = _class(request, pk, STAFF_ROLES)
    if export := DOWNLOADS.get(request.GET.get("format")):
        return export(f"gradebook-{klass.pk}.{request.GET['format']}", *gradebook.export_rows(klass))
    form = GradebookForm(request.GET)
    found = form.cleaned_data if form.is_valid() else {}
    quizzes, rows = gradebook.page(
        klass, sort=found.get("sort") or "name", search=found.get("q", ""), number=found.get("page") or 1
    )
    partial = "#table" if request.htmx and not request.htmx.history_restore_request else ""
    return render(
        request, f"classes/gradebook.html{partial}", {"klass": klass, "form": form, "quizzes": quizzes, "rows": rows}
    )


@login_required
@require_GET
@vary_on_headers("HX-Request")
def overview_view(request, pk):
    """The class at a glance: completion per section, who needs attention, and one quiz's item
    analysis over the class's learners alone (``?quiz=``; htmx swaps that part)."""
    klass = _class(request, pk, STAFF_ROLES)
    swap = request.htmx and not request.htmx.history_restore_request
    context = {"klass": klass, **(overview.for_analysis(klass) if swap else overview.overview(klass))}
    quizzes = [quiz for quiz, _done in context["quizzes"]]
    quiz = next((q for q in quizzes if str(q.pk) == request.GET.get("quiz")), quizzes[0] if quizzes else None)
    context |= {"quiz": quiz, "analysis": analyse(quiz, users=context["learner_ids"]) if quiz else None}
    context["changes"] = [] if swap else audit.of_course(klass.course_id)
    return render(request, "classes/overview.html" + ("#analysis" if swap else ""), context)


@login_required
@require_GET
def learner_detail(request, pk, member):
    """One learner of the class as its staff see them: every attempt and answer, each with the
    question version it was graded against."""
    klass = _class(request, pk, STAFF_ROLES)
    membership = get_object_or_404(klass.memberships.select_related("user"), pk=member, role=Role.LEARNER)
    records = gradebook.learner_record(klass, membership.user)
    dues = dues_of(klass, membership.user)
    context = {"klass": klass, "membership": membership, "records": records, "dues": dues}
    return render(request, "classes/learner_detail.html", context)


@login_required
@require_POST
def deadline_add(request, pk):
    klass = _class(request, pk, MANAGING_ROLES)
    form = _bound(request, klass, DeadlineForm)
    return _carried_out(request, klass, form, lambda data: services.deadline_set(klass=klass, **data))


@login_required
@require_POST
def deadline_remove(request, pk, deadline):
    klass = _class(request, pk, MANAGING_ROLES)
    get_object_or_404(klass.deadlines, pk=deadline).delete()
    return redirect(klass)


@login_required
@require_POST
def extension_add(request, pk):
    klass = _class(request, pk, MANAGING_ROLES)
    form = _bound(request, klass, ExtensionForm)
    return _carried_out(request, klass, form, lambda data: services.extension_grant(by=request.user, **data))


@login_required
@require_POST
def extension_remove(request, pk, extension):
    klass = _class(request, pk, MANAGING_ROLES)
    get_object_or_404(Extension.objects.filter(deadline__klass=klass), pk=extension).delete()
    return redirect(klass)
