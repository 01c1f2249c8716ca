"""Signal handlers: a visitor's work moves to the account at login; passing a check (or being regraded
to a pass) completes its section;
every quiz answer reviews its question's card."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from learners import review, services
from learners.learner import SESSION_KEY, Learner
from learners.progress import passed_quiz_ids
from quizzes.models import Quiz
from quizzes.signals import answer_recorded, attempt_finished, attempt_regraded


@receiver(user_logged_in)
def move_visitor_work_to_account(sender, request, user, **kwargs):
    key = request.session.pop(SESSION_KEY, None) if hasattr(request, "session") else None
    services.learner_merge(user=user, session_key=key)


@receiver(attempt_finished)
@receiver(attempt_regraded)
def complete_section_of_passed_check(sender, attempt, **kwargs):
    quiz = attempt.quiz
    if quiz.kind != Quiz.Kind.CHECK or quiz.section_id is None:
        return
    owner = Learner(user=attempt.user) if attempt.user_id else Learner(session_key=attempt.session_key)
    if quiz.pk in passed_quiz_ids(owner, [quiz.pk]):
        services.progress_set_completed(section=quiz.section, owner=owner, completed=True)


@receiver(answer_recorded)
def review_the_answered_question(sender, answer, **kwargs):
    review.record_quiz_answer(answer)
