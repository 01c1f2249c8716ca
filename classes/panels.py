"""What classes adds to the learner's pages: their due dates, on home, the dashboard, a lecture's
page and its lessons (course.panels, learners.panels); and where the apps above add to the
class page its staff see. No query for a learner in no class with a
deadline (``learner_dues`` is cached); two at most otherwise."""

from dataclasses import dataclass

from classes.models import LearnerDue, learner_dues
from learners.selectors import lectures_completed
from quizzes.models import Attempt

TEMPLATE = "classes/_due_panel.html"
_staff_panels = []


def register_staff_panel(func):
    """For the apps above classes (lti): ``func(request, klass, role)`` returns a panel for the
    class page its staff see, or None."""
    _staff_panels.append(func)
    return func


def staff_panels(request, klass, role):
    return [p for func in _staff_panels if (p := func(request, klass, role))]


@dataclass(frozen=True)
class Item:
    due: LearnerDue
    finished: bool


def finished(user, dues, read=None):
    """Which of ``dues`` the learner has done: a quiz with a finished attempt, a lecture whose
    readable sections are all completed (``read``: the lectures known to be, when already known)."""
    quiz_ids = {due.quiz_id for due in dues if due.quiz_id is not None}
    lecture_ids = {due.lecture_id for due in dues if due.quiz_id is None}
    done_quizzes = set()
    if quiz_ids:
        attempts = Attempt.objects.filter(user=user, quiz__in=quiz_ids, finished_at__isnull=False)
        done_quizzes = set(attempts.values_list("quiz_id", flat=True).distinct())
    if read is None:
        read = {lecture for _user, lecture in lectures_completed([user.pk], lecture_ids)} if lecture_ids else set()
    return [Item(due, due.quiz_id in done_quizzes if due.quiz_id else due.lecture_id in read) for due in dues]


def _panel(items, heading_id, scope):
    return {"template": TEMPLATE, "items": items, "heading_id": heading_id, "scope": scope} if items else None


def to_do(request):
    """Home and the dashboard: the due dates not yet done, soonest first."""
    user = request.user
    if not user.is_authenticated or not (dues := learner_dues(user)):
        return None
    return _panel([item for item in finished(user, dues) if not item.finished], "dues-heading", "all")


def of_lecture(request, *, lecture, sections, section=None):
    """A lecture's page and its lessons: that lecture's due dates, done or not."""
    user = request.user
    if not user.is_authenticated:
        return None
    dues = [due for due in learner_dues(user) if due.lecture_id == lecture.pk]
    if not dues:
        return None
    read = {lecture.pk} if sections and all(s.mark == "completed" for s in sections) else set()
    return _panel(finished(user, dues, read), "lecture-dues-heading", "lecture")
