"""Extension points for other apps to add panels to lesson and lecture pages.

``course`` knows nothing of quizzes or progress; those apps register a function
here (in their ``AppConfig.ready``) that returns a panel, ``{"template": …, **context}``,
or None. Each function must run a constant number of queries.
"""

_section_panels = []
_lecture_panels = []


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
