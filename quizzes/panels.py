"""Panels quizzes adds to course pages: the knowledge check under a lesson, the review quiz link.

Registered in QuizzesConfig.ready.
"""

from core.cache import cached_fragment
from core.personal import shared_html
from course import drafts
from quizzes import services
from quizzes.models import Quiz


def _review_panel(request, lecture):
    def build():
        quiz = (
            Quiz.objects.visible_to(request.user)
            .filter(lecture=lecture, kind=Quiz.Kind.REVIEW)
            .select_related("lecture__course")
            .first()
        )
        return quiz and {
            "template": "quizzes/_review_link.html",
            "quiz": quiz,
            "question_count": quiz.questions.count(),
        }

    return cached_fragment("review-panel", lecture.pk, Quiz.can_preview(request.user), build=build)


def knowledge_check(request, *, section, lecture, sections):
    from quizzes.views import has_refused_answers, quiz_context

    quiz = cached_fragment(
        "check",
        section.pk,
        Quiz.can_preview(request.user),
        build=lambda: (
            Quiz.objects.visible_to(request.user)
            .filter(section=section, kind=Quiz.Kind.CHECK)
            .select_related("lecture__course", "section")
            .first()
        ),
    )
    quiz = _previewed_check(request, section, quiz)
    if quiz is None:
        return None
    quiz.section = section  # already fetched with its lecture and course
    attempt = services.attempt_latest(quiz, request.learner)
    if attempt is None and not has_refused_answers(request) and getattr(request, "previewing", None) is None:
        # Not answered yet: the same for every learner, rendered once (core.personal).
        html = shared_html(
            request,
            "check-html",
            quiz.pk,
            template="quizzes/_check_panel.html",
            context=lambda: {"panel": quiz_context(request, quiz, services.Submission(answers=[]), known=True)},
        )
        return {"template": "_html.html", "html": html}
    return {"template": "quizzes/_check_panel.html", **quiz_context(request, quiz, services.Submission(attempt))}


def review_after_last_section(request, *, section, lecture, sections):
    if not sections or sections[-1].pk != section.pk:
        return None
    return _review_panel(request, lecture)


def review_on_lecture_page(request, *, lecture, sections):
    return _review_panel(request, lecture)


def _previewed_check(request, section, quiz):
    """In the preview of a quiz's draft, the draft stands in for the live check it changes."""
    draft = drafts.previewing(request, Quiz)
    if draft is None:
        return quiz
    if draft.kind == Quiz.Kind.CHECK and draft.section_id == section.pk:
        return draft
    return None if quiz is not None and quiz.pk == draft.pk else quiz  # the draft moves it elsewhere
