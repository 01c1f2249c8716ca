"""A class at a glance for its staff: completion per lecture and section as a heat map, the
learners who need attention, and the item analysis of its own learners' attempts. A fixed number
of queries whatever the size of the class."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Max
from django.utils import timezone

from classes import gradebook
from classes.models import Role
from course.models import Section
from learners.models import SectionProgress

QUIET_DAYS = 7  # no activity for this long: the learner needs attention
FAILED_QUIZZES = 2  # below the pass mark on this many quizzes: too


@dataclass
class Cell:
    section: Section
    done: int
    learners: int

    @property
    def percent(self):
        return round(100 * self.done / self.learners) if self.learners else 0

    @property
    def shade(self):
        """0–4: the colour step of the heat map: 0 for nobody, then by quarters (4: 75 % or more)."""
        return 0 if not self.done else 1 + min(3, self.percent // 25)


def heat_map(klass, learner_ids):
    """[(lecture, [Cell per readable section, in order])], each the share of the class's learners
    who completed it. Two queries, on the class's learners' progress rows only."""
    sections = list(
        Section.objects.filter(Section.published_q(), lecture__course=klass.course)
        .select_related("lecture")
        .defer("body", "body_html", "outline")
        .order_by("lecture__number", "order")
    )
    done = dict(
        SectionProgress.objects.filter(user__in=learner_ids, completed_at__isnull=False, section__in=sections)
        .values("section")
        .annotate(n=Count("id"))
        .values_list("section", "n")
    )
    lectures = {}
    for section in sections:
        lectures.setdefault(section.lecture, []).append(Cell(section, done.get(section.pk, 0), len(learner_ids)))
    return list(lectures.items())


def chart(lectures, cell=28, gap=2, label=64):
    """Geometry of the heat map's SVG: a row per lecture, a square per section."""
    width = label + max((len(cells) for _, cells in lectures), default=0) * (cell + gap)
    rows = []
    for n, (lecture, cells) in enumerate(lectures):
        y = n * (cell + gap)
        squares = [{"x": label + i * (cell + gap), "cell": c} for i, c in enumerate(cells)]
        rows.append({"lecture": lecture, "y": y, "text_y": y + cell * 2 // 3, "squares": squares})
    return {"width": width, "height": max(len(lectures) * (cell + gap), cell), "cell": cell, "rows": rows}


@dataclass
class Attention:
    row: gradebook.Row
    quiet_since: object  # the last activity, when it is older than QUIET_DAYS (or None: never active)
    quiet: bool
    failed: list  # quizzes graded below their pass mark


def last_visits(learner_ids, course):
    """user id → their last visit to a section of the course. One query."""
    visits = (
        SectionProgress.objects.filter(user__in=learner_ids, section__lecture__course=course)
        .values("user")
        .annotate(last=Max("last_visited_at"))
    )
    return {row["user"]: row["last"] for row in visits}


def needing_attention(klass, quizzes, rows, now=None):
    """The learners with no activity (reading or answering) for QUIET_DAYS days, or graded below
    the pass mark on FAILED_QUIZZES quizzes or more; the longest quiet first."""
    now = now or timezone.now()
    visits = last_visits([row.user.pk for row in rows], klass.course)
    found = []
    for row in rows:
        last = max(filter(None, (row.last_activity, visits.get(row.user.pk))), default=None)
        quiet = last is None or last < now - timedelta(days=QUIET_DAYS)
        failed = [quiz for cell, quiz in zip(row.cells, quizzes, strict=True) if cell and not cell.score.passed]
        if quiet or len(failed) >= FAILED_QUIZZES:
            found.append(Attention(row, last, quiet, failed))
    return sorted(found, key=lambda a: (a.quiet_since is not None, a.quiet_since or 0, a.row.name.casefold()))


def overview(klass, now=None):
    """What the class's overview page and the instructor's weekly digest show."""
    quizzes = gradebook.quizzes_of(klass)
    rows = gradebook.rows(klass, quizzes)
    learner_ids = [row.user.pk for row in rows]
    lectures = heat_map(klass, learner_ids)
    done = [sum(row.cells[i] is not None for row in rows) for i in range(len(quizzes))]
    return {
        "learner_count": len(rows),
        "learner_ids": learner_ids,
        "lectures": lectures,
        "chart": chart(lectures),
        "quizzes": list(zip(quizzes, done, strict=True)),
        "attention": needing_attention(klass, quizzes, rows, now),
        "quiet_days": QUIET_DAYS,
        "failed_quizzes": FAILED_QUIZZES,
    }


def for_analysis(klass):
    """What the item analysis alone needs (its htmx swap): the quizzes and the class's learners."""
    learners = klass.memberships.filter(role=Role.LEARNER).values_list("user_id", flat=True)
    return {"quizzes": [(quiz, None) for quiz in gradebook.quizzes_of(klass)], "learner_ids": list(learners)}
