"""What the LTI tool does when quizzes tell it an attempt is finished or regraded: the grade goes
back to each LMS that links to the quiz (lti.grades); and what it reads at login for that."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from lti import grades
from quizzes.signals import attempt_finished, attempt_regraded


@receiver(attempt_finished)
@receiver(attempt_regraded)
def grade_back(sender, attempt, **kwargs):
    grades.queue(attempt)


@receiver(user_logged_in)
def know_what_goes_back(sender, user, **kwargs):
    """Read at login (into the shared cache) which quizzes' grades go back for this user, so that
    finishing an attempt asks no query for it (the answer path's budget)."""
    grades.graded_quizzes(user.pk)
