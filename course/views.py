"""Lesson pages, the pattern catalog, diagram files, search and drafts' previews. Reads only; editing is in the admin."""

import copy
from functools import partial
from operator import attrgetter

from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from core.cache import cached_fragment, reads_query
from core.personal import render_personal
from course import drafts, panels
from course import search as site_search
from course.models import Course, Diagram, Draft, Lecture, Pattern, PatternFamily, Section

# What differs on a lesson page from one learner to the next (core.personal): everything else is shared.
LESSON_PIECES = {
    "account": ("_account_nav.html", {}),
    "messages": ("_messages.html", {}),
    "toc": ("course/_toc.html", {}),
    "panels": ("course/_panels.html", {}),
}
EXPIRED_MESSAGE = gettext_lazy("미리 보기 링크의 유효 기간이 지났습니다. 편집자에게 새 링크를 받으세요.")
TAMPERED_MESSAGE = gettext_lazy("올바른 미리 보기 링크가 아닙니다. 받은 주소를 빠짐없이 붙여 넣었는지 확인하세요.")
GONE_MESSAGE = gettext_lazy("이 초안은 이미 공개되었거나 버려졌습니다. 공개된 페이지에서 확인하세요.")


def _lectures_with_counts(user):
    counted = Section.visible_q(user, "sections__")
    return Lecture.objects.visible_to(user).annotate(section_count=Count("sections", filter=counted))


def with_progress(request, lectures):
    """Attach each lecture's progress for the request's learner (None when nothing is tracked)."""
    progress = panels.lecture_progress(request, lectures)
    for lecture in lectures:
        lecture.progress = progress.get(lecture.pk)
    return lectures


def _with_marks(request, sections):
    """Copies of the (shared, frozen) TOC entries, each with the learner's mark."""
    marks = panels.section_marks(request, sections)
    marked = [copy.copy(section) for section in sections]
    for section in marked:
        section.mark = marks.get(section.pk, "")
    return marked


@reads_query()
@require_GET
def home(request):
    courses = list(
        Course.objects.visible_to(request.user).prefetch_related(
            Prefetch("lectures", queryset=_lectures_with_counts(request.user).select_related("course"))
        )
    )
    with_progress(request, [lecture for course in courses for lecture in course.lectures.all()])
    context = {"courses": courses, "panels": panels.home_panels(request)}
    return render(request, "course/home.html", context)


@reads_query()
@require_GET
def course_detail(request, course_slug):
    course = get_object_or_404(Course.objects.visible_to(request.user), slug=course_slug)
    lectures = with_progress(request, list(_lectures_with_counts(request.user).filter(course=course)))
    for lecture in lectures:
        lecture.course = course
    return render(request, "course/course_detail.html", {"course": course, "lectures": lectures})


def _get_lecture(request, course_slug, lecture_slug):
    return get_object_or_404(
        Lecture.objects.visible_to(request.user).select_related("course"),
        course__slug=course_slug,
        slug=lecture_slug,
    )


def lecture_toc(request, lecture):
    """The lecture's table of contents for this reader, shared through the cache, links included."""

    def build():
        sections = lecture.toc_for(request.user)
        for section in sections:
            section.get_absolute_url()  # kept on each entry, and on the copies made of it
        return sections

    return cached_fragment("toc", lecture.pk, Section.can_preview(request.user), frozen=True, build=build)


def lecture_page(request, lecture, toc):
    """The lecture page's context: for the page, and for a preview of the lecture's draft."""
    sections = _with_marks(request, toc)
    with_progress(request, [lecture])
    return {
        "lecture": lecture,
        "sections": sections,
        "continue_with": _continue_with(sections),
        "panels": panels.lecture_panels(request, lecture=lecture, sections=sections),
    }


@reads_query()
@require_GET
def lecture_detail(request, course_slug, lecture_slug):
    build = partial(_get_lecture, request, course_slug, lecture_slug)
    lecture = cached_fragment("lecture", course_slug, lecture_slug, Lecture.can_preview(request.user), build=build)
    context = lecture_page(request, lecture, lecture_toc(request, lecture))
    return render(request, "course/lecture_detail.html", context)


def _kept_for(request):
    """Whose pieces of a page may be kept (core.personal): a known learner's, not staff's, whose
    links depend on permissions that change without a learner's action."""
    learner = request.learner
    return learner.cache_key if learner.is_known and not request.user.is_staff else None


def _continue_with(sections):
    """The first section not completed, once the learner has started the lecture."""
    if not any(s.mark for s in sections):
        return None
    return next((s for s in sections if s.mark != "completed"), None)


def toc_context(request, lecture, section, toc=None):
    """What course/_toc.html needs: the sections with the learner's marks, the position, the progress.

    ``toc`` is the lecture's table of contents when it is not the reader's (a preview's)."""
    sections = _with_marks(request, lecture_toc(request, lecture) if toc is None else toc)
    position = next(i for i, s in enumerate(sections, start=1) if s.pk == section.pk)
    progress = panels.progress_in_toc(lecture, sections)
    return {
        "lecture": lecture,
        "section": section,
        "sections": sections,
        "position": position,
        "lecture_progress": progress,
    }


def _section_content(request, course_slug, lecture_slug, section_slug):
    lecture = _get_lecture(request, course_slug, lecture_slug)
    section = get_object_or_404(Section.objects.visible_to(request.user).filter(lecture=lecture), slug=section_slug)
    section.lecture = lecture
    return section, list(section.patterns.select_related("family"))


def section_page(request, section, patterns, toc=None):
    """The lesson page's context: for the page, and for a preview of a draft shown on it."""
    context = toc_context(request, section.lecture, section, toc)
    sections, index = context["sections"], context["position"] - 1
    context.update(
        previous=sections[index - 1] if index > 0 else None,
        next=sections[index + 1] if index + 1 < len(sections) else None,
        patterns=patterns,
        panels=panels.section_panels(request, section=section, lecture=section.lecture, sections=sections),
    )
    return context


@reads_query()
@require_GET
def section_detail(request, course_slug, lecture_slug, section_slug):
    slugs = (course_slug, lecture_slug, section_slug)
    build = partial(_section_content, request, *slugs)
    previews = Lecture.can_preview(request.user), Section.can_preview(request.user)
    section, patterns = cached_fragment("section", *slugs, *previews, frozen=True, build=build)
    context = partial(section_page, request, section, patterns)
    template, learner = "course/section_detail.html", _kept_for(request)
    return render_personal(request, template, context, pieces=LESSON_PIECES, key=previews, learner=learner)


@reads_query("family")
@require_GET
@vary_on_headers("HX-Request")
def pattern_list(request):
    families = list(PatternFamily.objects.all())
    family = request.GET.get("family")
    selected = next((f for f in families if f.slug == family), None)
    if family and not selected:  # a family renamed or made up: the whole catalog, at its own address
        return redirect("course:pattern-list")
    patterns = Pattern.objects.select_related("family")
    if selected:
        patterns = patterns.filter(family=selected)
    template = "course/pattern_list.html"
    if request.htmx:
        template += "#catalog"
    context = {"families": families, "selected": selected, "patterns": patterns}
    return render(request, template, context)


@reads_query()
@require_GET
def pattern_detail(request, slug):
    pattern = get_object_or_404(Pattern.objects.select_related("family"), slug=slug)
    sections = Section.objects.visible_to(request.user).filter(patterns=pattern).for_links()
    related = pattern.related.select_related("family")
    return render(request, "course/pattern_detail.html", {"pattern": pattern, "sections": sections, "related": related})


@reads_query()
@require_GET
def diagram_detail(request, slug):
    diagram = get_object_or_404(Diagram.objects.visible_to(request.user).defer("image"), slug=slug)
    sections = Section.objects.visible_to(request.user).filter(diagrams=diagram).for_links()
    return render(request, "course/diagram_detail.html", {"diagram": diagram, "sections": sections})


@reads_query("v")
@require_GET
def diagram_image(request, slug):
    diagram = get_object_or_404(Diagram.objects.visible_to(request.user), slug=slug)
    if not diagram.has_image:
        return HttpResponse(status=404)
    fingerprinted = request.GET.get("v") == diagram.image_hash[:12]
    if "v" in request.GET and not fingerprinted:  # an old or made-up fingerprint: the current file's address
        return redirect(diagram.image_url)
    if request.headers.get("If-None-Match") == f'"{diagram.image_hash}"':
        return HttpResponseNotModified()
    return _image_response(diagram, fingerprinted)


def _image_response(diagram, fingerprinted):
    response = HttpResponse(bytes(diagram.image), content_type=diagram.content_type)
    response["ETag"] = f'"{diagram.image_hash}"'
    response["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, an SVG is a document: forbid script and every outside load.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "public, max-age=31536000, immutable" if fingerprinted else "public, max-age=300"
    return response


@reads_query(free_text=["q"])
@require_GET
@vary_on_headers("HX-Request")
def search(request):
    """The search page, and its results for ``q``.

    Only the empty search page is kept in the shared cache; results are rendered for each request.
    A query is any text, so stored results would be one entry per string anyone cares to send.
    """
    query = request.GET.get("q", "").strip()[: site_search.MAX_QUERY]
    results = site_search.find(query, request.user) if query else []
    template = "course/search.html" + ("#results" if request.htmx else "")
    return render(request, template, {"query": query, "results": results})


def preview_lecture(request, lecture):
    """A lecture's draft on the lecture page (``course.drafts.register_preview``)."""
    # The TOC is shared by every reader: it is built from, and its rows hold, the live lecture.
    live = Lecture.objects.select_related("course").get(pk=lecture.pk)
    return "course/lecture_detail.html", lecture_page(request, lecture, lecture_toc(request, live))


def preview_section(request, section):
    """A section's draft on the lesson page, rendered in memory (nothing is saved)."""
    section.render_markdown()
    section.lecture = Lecture.objects.select_related("course").get(pk=section.lecture_id)
    slugs = {ref.slug for ref in section.references_made if ref.kind == Pattern.reference_kind}
    return section_preview(request, section, list(Pattern.objects.filter(slug__in=slugs).select_related("family")))


def section_preview(request, section, patterns):
    """The lesson page of ``section`` (its lecture fetched) in a preview: in its TOC even while unpublished."""
    toc = drafts.with_previewed(lecture_toc(request, section.lecture), section, key=attrgetter("order", "pk"))
    return "course/section_detail.html", section_page(request, section, patterns, toc)


@require_GET
def draft_preview(request, pk):
    """An editor's preview of a draft: the learner's page with the draft in place."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    draft = get_object_or_404(Draft.objects.select_related("content_type"), pk=pk)
    if not drafts.may_edit(request.user, draft.content_type.model_class()):
        raise PermissionDenied
    return _preview_response(request, draft)


@require_GET
def signed_preview(request, token):
    """A preview link's page, for anyone holding the link until it expires; no account needed."""
    try:
        draft = drafts.draft_for_token(token)
    except signing.SignatureExpired:
        return _refused(request, 410, EXPIRED_MESSAGE)
    except signing.BadSignature:
        return _refused(request, 403, TAMPERED_MESSAGE)
    except drafts.DraftGone:
        return _refused(request, 410, GONE_MESSAGE)
    return _preview_response(request, draft)


def _preview_response(request, draft):
    try:
        template, context = drafts.preview(request, draft)
    except drafts.DraftGone:
        return _refused(request, 410, GONE_MESSAGE)
    return unshared(render(request, template, context))


def _refused(request, status, message):
    response = render(request, "course/preview_refused.html", {"message": message}, status=status)
    return unshared(response)


def unshared(response):
    """A preview is for its reader only: kept by no cache (the shared page cache refuses ``no-store``),
    indexed by no search engine, and its address (a key) is sent to no other page."""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
