"""The gradebook: a class's learners × its course's quizzes, each cell the grade by the class's
policy (first, best or last finished attempt). Three queries whatever the class's size: the
learners, the quizzes, and every finished attempt of theirs with its score."""

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.db.models import Max, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from classes.models import Class, Extension, Membership, Role
from learners.review import answer_summary
from quizzes.models import Answer, Attempt, QuestionVersion, Quiz

PAGE_SIZE = 100
SORTS = ("name", "-name", "completion", "-completion", "activity", "-activity")


@dataclass
class Row:
    membership: Membership
    cells: list = field(default_factory=list)  # per quiz: the chosen attempt (scored), or None
    late: list = field(default_factory=list)  # per quiz: whether that attempt finished after the learner's due date
    attempts: int = 0
    last_activity: object = None

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
        return round(100 * sum(cell is not None for cell in self.cells) / len(self.cells)) if self.cells else 0


def chosen(attempts, policy):
    """The attempt a policy grades by, from one learner's finished attempts at one quiz."""
    if policy == Class.GradePolicy.FIRST:
        return min(attempts, key=lambda a: (a.number, a.finished_at))
    if policy == Class.GradePolicy.LAST:
        return max(attempts, key=lambda a: (a.number, a.finished_at))
    return max(attempts, key=lambda a: (a.score.correct / a.score.total if a.score.total else 0, -a.number))


def quizzes_of(klass):
    return list(Quiz.objects.published().filter(lecture__course=klass.course).order_by("lecture__number", "id"))


def rows(klass, quizzes, search=""):
    members = klass.memberships.filter(role=Role.LEARNER).select_related("user")
    if search:
        members = members.filter(
            Q(user__username__icontains=search)
            | Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
        )
    members = list(members)
    by_user = {}
    attempts = (
        Attempt.objects.scored()
        .filter(user__in=[m.user_id for m in members], quiz__in=quizzes, finished_at__isnull=False)
        .only("id", "user_id", "quiz_id", "number", "pass_mark", "question_count", "started_at", "finished_at")
    )
    for attempt in attempts:
        by_user.setdefault(attempt.user_id, {}).setdefault(attempt.quiz_id, []).append(attempt)
    due = due_dates(klass, quizzes)
    result = []
    for membership in members:
        mine = by_user.get(membership.user_id, {})
        row = Row(membership)
        row.cells = [chosen(mine[quiz.pk], klass.grade_policy) if quiz.pk in mine else None for quiz in quizzes]
        row.late = [
            cell is not None and (until := due(membership.user_id, quiz.pk)) is not None and cell.finished_at > until
            for cell, quiz in zip(row.cells, quizzes, strict=True)
        ]
        row.attempts = sum(len(found) for found in mine.values())
        row.last_activity = max((a.finished_at for found in mine.values() for a in found), default=None)
        result.append(row)
    return result


def due_dates(klass, quizzes):
    """due(user id, quiz id) → the learner's due date for the quiz, their extension's if they have one;
    None if the quiz has no deadline. Two queries."""
    deadlines = {d.quiz_id: d for d in klass.deadlines.filter(quiz__in=quizzes)}
    extended = {(e.user_id, e.deadline_id): e.due_at for e in Extension.objects.filter(deadline__in=deadlines.values())}

    def due(user_id, quiz_id):
        deadline = deadlines.get(quiz_id)
        return extended.get((user_id, deadline.pk), deadline.due_at) if deadline else None

    return due


def sorted_rows(found, sort):
    keys = {
        "name": lambda row: row.name.casefold(),
        "completion": lambda row: (row.completion, row.name.casefold()),
        "activity": lambda row: (row.last_activity is not None, row.last_activity or 0, row.name.casefold()),
    }
    name = sort.lstrip("-") if sort in SORTS else "name"
    return sorted(found, key=keys[name], reverse=sort.startswith("-"))


def page(klass, *, sort="name", search="", number=1):
    """(quizzes, a Paginator page of rows) as the gradebook page shows them."""
    quizzes = quizzes_of(klass)
    return quizzes, Paginator(sorted_rows(rows(klass, quizzes, search), sort), PAGE_SIZE).get_page(number)


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
    due = due_dates(klass, quizzes)
    records = []
    for quiz in quizzes:
        mine = by_quiz.get(quiz.pk, [])
        finished = [a for a in mine if a.is_finished]
        counted = chosen(finished, klass.grade_policy) if finished else None
        records.append(QuizRecord(quiz, mine, counted, due(user.pk, quiz.pk)))
    return records
