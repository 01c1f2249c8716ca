"""The gradebook: a class's learners × its course's quizzes, each cell the grade by the class's
policy (first, best or last finished attempt). A fixed number of queries whatever the class's
size: the learners, the quizzes and their sizes, every finished attempt of theirs with its score,
and the due dates."""

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.db.models import Count, Max, Prefetch, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from classes.models import Class, Extension, Membership, Role
from learners.review import answer_summary
from quizzes.models import Answer, Attempt, Question, QuestionVersion, Quiz, Score

PAGE_SIZE = 100
SORTS = ("name", "-name", "completion", "-completion", "activity", "-activity")


@dataclass
class Row:
    membership: Membership
    quiz_count: int
    done: int = 0  # quizzes with a finished attempt
    attempts: int = 0
    last_activity: object = None
    cells: list = field(default_factory=list)  # per quiz: the chosen attempt (scored), or None
    late: list = field(default_factory=list)  # per quiz: whether that attempt finished after the learner's due date

    @property
    def user(self):
        return self.membership.user

    @property
    def name(self):
        return self.user.get_full_name() or self.user.username

    @property
    def entries(self):
        return list(zip(self.cells, self.late, strict=True))

    @property
    def completion(self):
        """Per cent of the quizzes with a finished attempt."""
        return round(100 * self.done / self.quiz_count) if self.quiz_count else 0


def chosen(attempts, policy):
    """The attempt a policy grades by, from one learner's finished attempts at one quiz."""
    if policy == Class.GradePolicy.FIRST:
        return min(attempts, key=lambda a: (a.number, a.id))
    if policy == Class.GradePolicy.LAST:
        return max(attempts, key=lambda a: (a.number, a.id))
    return max(attempts, key=lambda a: (_share(a.score), -a.number))


def _share(score):
    return score.correct / score.total if score.total else 0


def quizzes_of(klass):
    return list(Quiz.objects.published().filter(lecture__course=klass.course).order_by("lecture__number", "id"))


def _members(klass, search=""):
    members = klass.memberships.filter(role=Role.LEARNER).select_related("user")
    if search:
        members = members.filter(
            Q(user__username__icontains=search)
            | Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
        )
    return list(members)


def _standing(members, quizzes):
    """A Row per member with what sorting needs (completion, last activity), not yet graded. One query."""
    finished = Attempt.objects.filter(
        user__in=[m.user_id for m in members], quiz__in=quizzes, finished_at__isnull=False
    )
    summary = {
        user: (done, attempts, last)
        for user, done, attempts, last in finished.values("user")
        .annotate(done=Count("quiz", distinct=True), attempts=Count("id"), last=Max("finished_at"))
        .values_list("user", "done", "attempts", "last")
    }
    return [Row(m, len(quizzes), *summary.get(m.user_id, (0, 0, None))) for m in members]


def _grade(klass, quizzes, rows):
    """Fill each row's cells: the attempt the class's policy counts, and whether it was late."""
    by_user = graded_attempts(klass, [row.user.pk for row in rows], quizzes)
    for row in rows:
        mine = by_user.get(row.user.pk, {})
        row.cells = [chosen(mine[quiz.pk], klass.grade_policy) if quiz.pk in mine else None for quiz in quizzes]
        row.late = [cell is not None and cell.late for cell in row.cells]
    return rows


def rows(klass, quizzes, search=""):
    """Every learner's row, graded."""
    return _grade(klass, quizzes, _standing(_members(klass, search), quizzes))


@dataclass(slots=True)
class Graded:
    """A finished attempt as the gradebook reads it: its score, and whether it came after the
    learner's due date."""

    id: int
    number: int
    right: float
    answered: int
    total: int
    pass_mark: int
    late: bool = False

    @property
    def score(self):
        return Score(self.right, self.answered, self.total, self.pass_mark)


def graded_attempts(klass, user_ids, quizzes):
    """{user id: {quiz id: [Graded]}}: the finished attempts of these learners at these quizzes,
    each with its score and late flag (against their extension's date if they have one). Three
    queries; plain values, not model instances: a class of 500 has some 20,000 of them, and only
    the attempts finished after a deadline have their time read."""
    sizes = dict(
        Question.objects.filter(quiz__in=quizzes).values("quiz").annotate(n=Count("id")).values_list("quiz", "n")
    )
    found = (
        Attempt.objects.filter(user__in=user_ids, quiz__in=quizzes, finished_at__isnull=False)
        .values_list("id", "user_id", "quiz_id", "number", "pass_mark", "question_count")
        .annotate(right=Coalesce(Sum("answers__credit"), 0.0), answered=Count("answers"))
        .order_by()
    )
    by_user, by_id = {}, {}
    for pk, user_id, quiz_id, number, pass_mark, size, right, answered in found:
        graded = Graded(pk, number, right, answered, size or sizes.get(quiz_id, 0), pass_mark)
        by_user.setdefault(user_id, {}).setdefault(quiz_id, []).append(graded)
        by_id[pk] = graded
    due = DueDates(klass, quizzes)
    for pk, user_id, quiz_id, finished_at in _after_deadlines(due.deadlines, user_ids):
        if (graded := by_id.get(pk)) is not None:  # not one finished since the first query
            graded.late = finished_at > due(user_id, quiz_id)
    return by_user


def _after_deadlines(deadlines, user_ids):
    """(id, user, quiz, finished) of the finished attempts later than their quiz's deadline: those
    that may be late (an extension only ever moves a date later). One query, or none."""
    after = Q()
    for deadline in deadlines.values():
        after |= Q(quiz=deadline.quiz_id, finished_at__gt=deadline.due_at)
    if not after:
        return []
    return Attempt.objects.filter(after, user__in=user_ids).values_list("id", "user_id", "quiz_id", "finished_at")


class DueDates:
    """due(user id, quiz id) → the learner's due date for the quiz, their extension's if they have
    one; None if the quiz has no deadline. Two queries."""

    def __init__(self, klass, quizzes):
        self.deadlines = {d.quiz_id: d for d in klass.deadlines.filter(quiz__in=quizzes)}
        self.extended = {
            (e.user_id, e.deadline_id): e.due_at for e in Extension.objects.filter(deadline__in=self.deadlines.values())
        }

    def __call__(self, user_id, quiz_id):
        deadline = self.deadlines.get(quiz_id)
        return deadline.due_for(self.extended.get((user_id, deadline.pk))) if deadline else None


def sorted_rows(found, sort):
    keys = {
        "name": lambda row: row.name.casefold(),
        "completion": lambda row: (row.completion, row.name.casefold()),
        "activity": lambda row: (row.last_activity is not None, row.last_activity or 0, row.name.casefold()),
    }
    name = sort.lstrip("-") if sort in SORTS else "name"
    return sorted(found, key=keys[name], reverse=sort.startswith("-"))


def page(klass, *, sort="name", search="", number=1):
    """(quizzes, a Paginator page of rows) as the gradebook page shows them: sorted over the whole
    class, and only the page's rows graded."""
    quizzes = quizzes_of(klass)
    found = Paginator(sorted_rows(_standing(_members(klass, search), quizzes), sort), PAGE_SIZE).get_page(number)
    _grade(klass, quizzes, found.object_list)
    return quizzes, found


def export_rows(klass):
    """(header, rows) for a download: one line per learner, the score of each quiz in per cent."""
    quizzes = quizzes_of(klass)
    header = [
        _("이름"),
        _("아이디"),
        *[quiz.title for quiz in quizzes],
        _("완료율(%)"),
        _("늦게 낸 퀴즈"),
        _("마지막 활동"),
    ]
    zone = ZoneInfo(klass.time_zone)
    lines = []
    for row in sorted_rows(rows(klass, quizzes), "name"):
        scores = [cell.score.percent if cell else None for cell in row.cells]
        when = timezone.localtime(row.last_activity, zone).strftime("%Y-%m-%d %H:%M") if row.last_activity else None
        lines.append([row.name, row.user.username, *scores, row.completion, sum(row.late), when])
    return header, lines


@dataclass
class QuizRecord:
    """One quiz in one learner's record: every attempt of theirs, the one the policy grades by,
    and their due date (an extension's if they have one)."""

    quiz: Quiz
    attempts: list
    counted: Attempt | None
    due: object

    def __post_init__(self):
        for attempt in self.attempts:
            attempt.late = self.due is not None and attempt.is_finished and attempt.finished_at > self.due


@dataclass
class AnswerLine:
    answer: Answer
    summary: str
    version: int | None  # the version it was graded against
    current: int | None  # the question's newest version

    @property
    def outdated(self):
        return self.version is not None and self.current is not None and self.version < self.current


def learner_record(klass, user):
    """Every attempt of ``user`` at the class's quizzes, each answer with the question version it
    was graded against. A fixed number of queries however many attempts there are."""
    quizzes = quizzes_of(klass)
    answers = Answer.objects.select_related("question", "version").order_by("question__order", "id")
    attempts = (
        Attempt.objects.scored()
        .filter(user=user, quiz__in=quizzes)
        .order_by("number", "started_at")
        .prefetch_related(Prefetch("answers", queryset=answers))
    )
    by_quiz = {}
    for attempt in attempts:
        by_quiz.setdefault(attempt.quiz_id, []).append(attempt)
    newest = dict(
        QuestionVersion.objects.filter(question__quiz__in=quizzes)
        .values("question")
        .annotate(n=Max("number"))
        .values_list("question", "n")
    )
    for found in by_quiz.values():
        for attempt in found:
            attempt.lines = [
                AnswerLine(
                    a,
                    answer_summary(a, a.question),
                    a.version.number if a.version else None,
                    newest.get(a.question_id),
                )
                for a in attempt.answers.all()
            ]
    due = DueDates(klass, quizzes)
    records = []
    for quiz in quizzes:
        mine = by_quiz.get(quiz.pk, [])
        finished = [a for a in mine if a.is_finished]
        counted = chosen(finished, klass.grade_policy) if finished else None
        records.append(QuizRecord(quiz, mine, counted, due(user.pk, quiz.pk)))
    return records
