"""What learners adds to course pages: the completion toggle (with the visit beacon) and "이어서 학습하기".

Panels only read; the visit is recorded by the beacon's POST (views.section_visit).
They are registered in LearnersConfig.ready.
"""

from learners import services


def completion(request, *, section, lecture, sections):
    completed = next((s.mark == "completed" for s in sections if s.pk == section.pk), False)
    return {"template": "learners/_completion.html", "section": section, "completed": completed}


def resume(request):
    section = services.last_visited(request.learner)
    return {"template": "learners/_resume.html", "section": section} if section else None
