"""Signal handlers: a visitor's work moves to the account at login; passing a check (or being regraded
to a pass) completes its section; every quiz answer reviews its question's card; a saved user is
read again from the database (learners.auth)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from learners import review, services
from learners.auth import forget_user
from learners.learner import SESSION_KEY, Learner
from learners.progress import passed_quiz_ids
from quizzes.models import Quiz
from quizzes.signals import answer_recording, attempt_finished, attempt_regraded

post_save.connect(forget_user, sender=get_user_model(), dispatch_uid="learners-forget-saved-user")
post_delete.connect(forget_user, sender=get_user_model(), dispatch_uid="learners-forget-deleted-user")


@receiver(user_logged_in)
def move_visitor_work_to_account(sender, request, user, **kwargs):
    key = request.session.pop(SESSION_KEY, None) if hasattr(request, "session") else None
    services.learner_merge(user=user, session_key=key)


@receiver(attempt_finished)
@receiver(attempt_regraded)
def complete_section_of_passed_check(sender, attempt, owner=None, score=None, **kwargs):
    quiz = attempt.quiz
    if quiz.kind != Quiz.Kind.CHECK or quiz.section_id is None:
        return
    if owner is None:
        owner = Learner(user=attempt.user) if attempt.user_id else Learner(session_key=attempt.session_key)
    if score.passed if score is not None else quiz.pk in passed_quiz_ids(owner, [quiz.pk]):
        services.progress_set_completed(section=quiz.section, owner=owner, completed=True)


@receiver(answer_recording)
def review_the_answered_question(sender, owner, question, attempt, correct, first_time=False, **kwargs):
    return review.prepare_quiz_answer(owner, question, attempt, correct, first_time=first_time)
