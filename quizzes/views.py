"""Quiz pages and the answer endpoint. A plain POST redirects (post/redirect/get);
an htmx POST gets the question's fragment plus the score, swapped out of band."""

from functools import partial

from django.contrib import messages
from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from core.cache import cached_fragment, reads_query
from course.models import Section
from course.views import section_preview, unshared
from quizzes import services
from quizzes.models import Attempt, Question, Quiz

ERRORS_SESSION_KEY = "quiz_errors"


def _get_quiz(request, slug):
    return cached_fragment(
        "quiz",
        slug,
        Quiz.can_preview(request.user),
        build=lambda: get_object_or_404(
            Quiz.objects.visible_to(request.user).select_related("lecture__course", "section__lecture__course"),
            slug=slug,
        ),
    )


def has_refused_answers(request):
    """Whether an answer sent without JavaScript was refused, to be shown with its error (``_keep_refused``)."""
    return hasattr(request, "session") and ERRORS_SESSION_KEY in request.session


def quiz_context(request, quiz, submission=None, known=False, only=None):
    """Everything _quiz.html needs, for the quiz page and for the lesson page's knowledge check;
    from what the ``submission`` read or wrote (all of it when ``known``), without reading it again.
    ``only``: the one question whose state is wanted (an answer's fragment)."""
    if not known and (submission is None or submission.attempt is None):
        submission = services.Submission(attempt=services.attempt_latest(quiz, request.learner))
    attempt, answers = submission.attempt, submission.answers
    if answers is None:
        answers = list(services.attempt_answers(attempt))
    states = services.question_states(quiz, attempt, answers=answers, only=only)
    errors = request.session.pop(ERRORS_SESSION_KEY, {}) if hasattr(request, "session") else {}
    for state in states:
        if refused := errors.get(str(state.question.pk)):
            state.error, state.posted = refused["error"], refused["posted"]
    return {"quiz": quiz, "attempt": attempt, "states": states, "score": services.score(quiz, attempt, answers)}


def preview_quiz(request, quiz):
    """A quiz's draft as learners meet it (``course.drafts.register_preview``): a review quiz on its
    page, a knowledge check under its section (``panels.knowledge_check`` puts the draft there)."""
    if quiz.kind == Quiz.Kind.REVIEW or quiz.section_id is None:
        return "quizzes/quiz_detail.html", quiz_context(request, quiz)
    section = Section.objects.select_related("lecture__course").get(pk=quiz.section_id)
    return section_preview(request, section, list(section.patterns.select_related("family")))


@csrf_exempt  # a preview sets no cookie; this endpoint records and changes nothing
@require_POST
@vary_on_headers("HX-Request")
def preview_check(request, question_pk):
    """A question of a preview answered: graded and shown as a learner would see it, recorded nowhere."""
    try:
        state, draft = services.preview_check(question_pk, request.POST.get("check", ""), services.posted(request.POST))
    except (signing.BadSignature, Question.DoesNotExist):
        raise Http404 from None
    context = {"quiz": state.question.quiz, "state": state, "preview": draft, "csrf_token": "NOTPROVIDED"}
    template = "quizzes/_question.html" if request.htmx else "quizzes/preview_check.html"
    return unshared(render(request, template, context))


@reads_query()
@require_GET
def quiz_detail(request, slug):
    quiz = _get_quiz(request, slug)
    if quiz.kind == Quiz.Kind.CHECK:
        return redirect(quiz.get_absolute_url())
    return render(request, "quizzes/quiz_detail.html", quiz_context(request, quiz))


def answered(request, *, redirect_to, error="", keep_error=None, fragment):
    """What an answer endpoint sends back: an htmx POST gets ``fragment()``, a plain POST a
    redirect (post/redirect/get), its error kept for the page it leads to by ``keep_error``
    (a message by default). Shared by quiz answers and review answers."""
    if request.htmx:
        return fragment()
    if error:
        (keep_error or (lambda: messages.error(request, error)))()
    return redirect(redirect_to)


@require_POST
@vary_on_headers("HX-Request")
def answer(request, slug, question_pk):
    quiz = _get_quiz(request, slug)
    question = next((q for q in services.quiz_questions(quiz) if q.pk == question_pk), None)
    if question is None:
        return _question_gone(request, quiz, question_pk)
    sent = services.posted(request.POST)
    submission = services.answer_or_error(quiz=quiz, question=question, owner=request.learner.start(), sent=sent)
    return answered(
        request,
        redirect_to=_anchor(quiz, question),
        error=submission.error,
        keep_error=partial(_keep_refused, request, question, submission.error, sent),
        fragment=partial(_answer_fragment, request, quiz, question, submission, sent),
    )


def _keep_refused(request, question, error, sent):
    """Shown once on the page the redirect leads to, with what was sent: nothing typed is lost."""
    request.session[ERRORS_SESSION_KEY] = {str(question.pk): {"error": error, "posted": sent}}


def _question_gone(request, quiz, question_pk):
    message = _("이 문제는 삭제되었거나 바뀌었습니다. 페이지를 새로 고쳐 주세요.")
    if request.htmx:
        return render(request, "quizzes/_question_gone.html", {"question_pk": question_pk, "message": message})
    messages.error(request, message)
    return redirect(quiz.get_absolute_url())


def _answer_fragment(request, quiz, question, submission, sent):
    """The answered question with the score out of band; a finished attempt tells the page's
    progress parts to refresh themselves (``progress-changed``)."""
    context = quiz_context(request, quiz, submission, only=question.pk)
    [state] = context["states"]
    state.error = error = submission.error
    if error and not state.answered:
        state.posted = sent
    response = render(request, "quizzes/_answer_response.html", {**context, "state": state})
    if context["attempt"] and context["attempt"].is_finished and not error:
        response["HX-Trigger"] = "progress-changed"
    return response


def _anchor(quiz, question):
    url = quiz.get_absolute_url().split("#")[0]
    return f"{url}#question-{question.pk}"


@require_POST
def finish(request, slug):
    quiz = _get_quiz(request, slug)
    attempt = services.attempt_latest(quiz, request.learner)
    if attempt is None:
        messages.error(request, _("아직 답한 문제가 없습니다. 문제를 풀고 제출해 주세요."))
        return redirect(quiz.get_absolute_url())
    services.attempt_finish(attempt=attempt)
    return redirect(attempt)


@require_POST
def retry(request, slug):
    quiz = _get_quiz(request, slug)
    services.attempt_retry(quiz=quiz, owner=request.learner.start())
    return redirect(quiz.get_absolute_url())


@require_GET
def attempt_detail(request, pk):
    owner = request.learner
    attempt = get_object_or_404(
        Attempt.objects.owned_by(owner).select_related("quiz__lecture__course", "quiz__section"), pk=pk
    )
    quiz = attempt.quiz
    states = services.question_states(quiz, attempt, with_versions=True)
    context = {
        "quiz": quiz,
        "attempt": attempt,
        "states": states,
        "score": services.score(quiz, attempt, [s.answer for s in states if s.answer]),
        "history": Attempt.objects.owned_by(owner).filter(quiz=quiz).scored(),
    }
    return render(request, "quizzes/attempt_detail.html", context)
