"""Extension points for other apps to add panels to lesson and lecture pages.

``course`` knows nothing of quizzes or progress; those apps register a function
here (in their ``AppConfig.ready``) that returns a panel, ``{"template": …, **context}``,
or None. Each function must run a constant number of queries.
"""

from dataclasses import dataclass

_section_panels = []
_lecture_panels = []
_home_panels = []


def register_home_panel(func):
    _home_panels.append(func)
    return func


def home_panels(request):
    return [p for func in _home_panels if (p := func(request))]


def register_section_panel(func):
    _section_panels.append(func)
    return func


def register_lecture_panel(func):
    _lecture_panels.append(func)
    return func


def section_panels(request, *, section, lecture, sections):
    return [p for func in _section_panels if (p := func(request, section=section, lecture=lecture, sections=sections))]


def lecture_panels(request, *, lecture, sections):
    return [p for func in _lecture_panels if (p := func(request, lecture=lecture, sections=sections))]


@dataclass
class LectureProgress:
    """How far a learner is through a lecture (a progress bar)."""

    lecture_id: int
    completed: int
    total: int
    has_review: bool = False
    review_passed: bool = False

    @property
    def percent(self):
        return round(100 * self.completed / self.total) if self.total else 0


def progress_in_toc(lecture, sections):
    """The lecture's progress as its table of contents shows it, from the marks already on ``sections``
    (the sections this reader may open): no query. The review quiz is left to the lecture page."""
    done = sum(1 for section in sections if section.mark == "completed")
    return LectureProgress(lecture_id=lecture.pk, completed=done, total=len(sections))


class NoProgress:
    """Used when no app tracks progress: nothing is marked, nothing is counted."""

    def section_marks(self, request, sections):
        return {}

    def lecture_progress(self, request, lectures):
        return {}


_progress = NoProgress()


def register_progress(provider):
    """Install the object that knows learners' progress (see learners.progress)."""
    global _progress
    _progress = provider
    return provider


def section_marks(request, sections):
    """{section pk: "completed" | "visited"} for the request's learner, in one query."""
    return _progress.section_marks(request, sections)


def lecture_progress(request, lectures):
    """{lecture pk: LectureProgress} for the request's learner, in a fixed number of queries."""
    return _progress.lecture_progress(request, lectures)
