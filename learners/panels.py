"""What learners adds to course pages: the completion toggle (with the visit beacon) and "이어서 학습하기";
and the dashboard's own extension point, for the apps above (classes' due dates).

Panels only read; the visit is recorded by the beacon's POST (views.section_visit).
They are registered in LearnersConfig.ready.
"""

from learners import services

_dashboard_panels = []


def register_dashboard_panel(func):
    """For apps above learners (classes): ``func(request)`` returns a panel for the dashboard, or None."""
    _dashboard_panels.append(func)
    return func


def dashboard_panels(request):
    return [p for func in _dashboard_panels if (p := func(request))]


def completion(request, *, section, lecture, sections):
    completed = next((s.mark == "completed" for s in sections if s.pk == section.pk), False)
    return {"template": "learners/_completion.html", "section": section, "completed": completed}


def resume(request):
    section = services.last_visited(request.learner)
    return {"template": "learners/_resume.html", "section": section} if section else None
