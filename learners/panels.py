"""What learners adds to course pages: visit tracking, the completion toggle, "이어서 학습하기"."""

from course.panels import register_home_panel, register_progress, register_section_panel
from learners import services
from learners.models import SectionProgress
from learners.progress import Progress
from quizzes.services import owner_for

register_progress(Progress())


@register_section_panel
def completion(request, *, section, lecture, sections):
    owner = owner_for(request, create=True)
    services.progress_visit(section=section, owner=owner)
    completed = SectionProgress.objects.owned_by(owner).filter(section=section, completed_at__isnull=False).exists()
    return {"template": "learners/_completion.html", "section": section, "completed": completed}


@register_home_panel
def resume(request):
    section = services.last_visited(owner_for(request))
    return {"template": "learners/_resume.html", "section": section} if section else None
