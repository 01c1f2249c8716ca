"""Course content: courses, lectures, sections, diagrams and the pattern catalog."""

import functools
import hashlib
from operator import attrgetter

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core import revisions
from core.cache import content_changed
from core.language import korean
from course import diagrams as diagram_files
from course import markdown, references

# Sent by RendersMarkdown.rerender, which writes with update() and so sends no save signal;
# kwargs: instance. The search index listens (course.search.connect): models never import it.
rerendered = Signal()


class Publishable:
    """Content readers see only when it, and everything that holds it, is published now.

    The one rule of "readable now": ``published_q`` for rows reached through a relation,
    ``PublishedQuerySet.published`` for a model's own rows, ``is_readable`` for one object in
    memory. ``publish_chain`` lists the relations, from the model up, that must all be published;
    each link that is ``Scheduled`` must also be between its go-live and take-down times, read
    from the clock at the moment of asking (no job flips a flag: core.cache keeps caches in step).

    Who may see the rest (drafts, previews) is the other rule kept here: ``can_preview``, the
    change permission on the model, with ``visible_q`` and ``PublishedQuerySet.visible_to``.
    """

    publish_chain = ("",)

    @classmethod
    def published_q(cls, prefix="", now=None):
        """A Q for rows of this model, reached through ``prefix`` ("section__"), that readers may open now."""
        now = now or timezone.now()
        q = Q()
        for link, model in _chain_models(cls):
            q &= Q(**{f"{prefix}{link}is_published": True})
            if issubclass(model, Scheduled):
                q &= Scheduled.live_q(f"{prefix}{link}", now)
        return q

    def is_readable(self, now=None):
        now = now or timezone.now()
        links = (attrgetter(link[:-2].replace("__", "."))(self) if link else self for link in self.publish_chain)
        return all(obj.is_published_now(now) for obj in links)

    def is_published_now(self, now=None):
        """Published and live itself, whatever holds it: what a badge beside it says."""
        return self.is_published and Scheduled.is_live(self, now or timezone.now())

    @classmethod
    def can_preview(cls, user):
        """Whether ``user`` may see this model's drafts: unpublished, scheduled or taken down.

        The change permission on the model, for staff accounts (the only ones that can edit; asking
        only them spares every learner's request the permission queries).
        """
        opts = cls._meta
        return user.is_staff and user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @classmethod
    def visible_q(cls, user, prefix=""):
        """Everything for those who may preview it, only what is readable now for everyone else."""
        return Q() if cls.can_preview(user) else cls.published_q(prefix)


@functools.cache
def _chain_models(model):
    """Each link of ``model.publish_chain`` with the model it reaches."""
    links = []
    for link in model.publish_chain:
        target = model
        for name in filter(None, link.split("__")):
            target = target._meta.get_field(name).related_model
        links.append((link, target))
    return tuple(links)


class Scheduled(models.Model):
    """A go-live and a take-down time, both optional, on content that ``Publishable`` shows.

    Published content is readable from ``publish_at`` (or at once) until ``unpublish_at`` (or for
    good). The times are read at request time; every cache in core.cache changes its key when one
    of them passes (``register_schedule``), so no job has to run at the boundary.
    """

    publish_at = models.DateTimeField(
        _("공개 시작"), null=True, blank=True, help_text=_("비워 두면 '공개'에 체크하는 즉시 보입니다.")
    )
    unpublish_at = models.DateTimeField(
        _("공개 종료"), null=True, blank=True, help_text=_("비워 두면 내릴 때까지 계속 보입니다.")
    )

    ORDER_MESSAGE = _("공개 종료 시각은 공개 시작 시각보다 뒤여야 합니다.")

    class Meta:
        abstract = True

    @classmethod
    def order_constraint(cls):
        """The database's copy of ``clean``'s rule; each model's Meta lists it."""
        return models.CheckConstraint(
            condition=Q(publish_at__isnull=True) | Q(unpublish_at__isnull=True) | Q(unpublish_at__gt=F("publish_at")),
            name="%(app_label)s_%(class)s_unpublish_after_publish",
            violation_error_message=cls.ORDER_MESSAGE,
        )

    def clean(self):
        errors = {}
        if self.publish_at and self.unpublish_at and self.unpublish_at <= self.publish_at:
            errors["unpublish_at"] = [self.ORDER_MESSAGE]
        try:
            super().clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def live_q(prefix, now):
        """Between the go-live and the take-down time of the row reached through ``prefix``."""
        started = Q(**{f"{prefix}publish_at__isnull": True}) | Q(**{f"{prefix}publish_at__lte": now})
        running = Q(**{f"{prefix}unpublish_at__isnull": True}) | Q(**{f"{prefix}unpublish_at__gt": now})
        return started & running

    @staticmethod
    def is_live(obj, now):
        """``live_q`` for an object in memory; an object without a schedule (a course) always is."""
        publish_at, unpublish_at = getattr(obj, "publish_at", None), getattr(obj, "unpublish_at", None)
        return (publish_at is None or publish_at <= now) and (unpublish_at is None or unpublish_at > now)

    @classmethod
    def schedule_times(cls):
        """Every go-live and take-down time of this model, as rows for ``core.cache.register_schedule``."""
        scheduled = cls.objects.filter(Q(publish_at__isnull=False) | Q(unpublish_at__isnull=False))
        return scheduled.order_by().values_list("publish_at", "unpublish_at")


class PublishedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(self.model.published_q())

    def visible_to(self, user):
        """Everything for those who may preview this model (``Publishable.can_preview``), only
        what is readable now for everyone else."""
        return self.filter(self.model.visible_q(user))


class SectionQuerySet(PublishedQuerySet):
    def for_links(self):
        """Sections to list as links: with what their URLs need, without their bodies."""
        return self.select_related("lecture__course").defer("body", "body_html", "outline")


class DiagramQuerySet(models.QuerySet):
    def visible_to(self, user):
        """For readers, no diagram that only unreadable sections use (those who may preview sections
        see everything).

        A diagram no section uses yet stays visible: a pattern or question may show it.
        """
        if Section.can_preview(user):
            return self
        used = Section.objects.filter(diagrams=models.OuterRef("pk"))
        return self.filter(models.Exists(used.published()) | ~models.Exists(used))


class RendersMarkdown(models.Model):
    """Markdown fields stored with their HTML beside them (``<field>_html``), for every model that has them.

    The HTML is rendered on save, ``clean`` refuses text that would make a broken page (a
    missing ``[[…]]`` target, an image from another site), and ``rerender`` refreshes it when
    something it refers to changes (``ReferenceTarget``).
    """

    markdown_fields = {}  # field name → True to render inline (no paragraphs), False for blocks

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.render_markdown()
        new = self._state.adding
        super().save(*args, **kwargs)
        ReferenceUse.record([self], new=new)

    def clean(self):
        super().clean()
        errors = {
            name: problems for name in self.markdown_fields if (problems := references.problems(getattr(self, name)))
        }
        if errors:
            raise ValidationError(errors)

    def render_markdown(self):
        """Fill every ``<field>_html``; returns the renderings by field name."""
        results = {}
        for name, inline in self.markdown_fields.items():
            results[name] = references.render(getattr(self, name), inline=inline)
            setattr(self, f"{name}_html", results[name].html)
        self.references_made = [ref for result in results.values() for ref in result.references]
        return results

    def rendered_values(self):
        """The stored results of rendering, written by ``rerender``."""
        return {f"{name}_html": getattr(self, f"{name}_html") for name in self.markdown_fields}

    def rerender(self):
        """Refresh the stored HTML after something it refers to changed: no save signals, no timestamps."""
        self.render_markdown()
        type(self).objects.filter(pk=self.pk).update(**self.rendered_values())
        ReferenceUse.record([self])
        content_changed()  # update() sends no save signal
        rerendered.send(sender=type(self), instance=self)


def markdown_models():
    return [model for model in apps.get_models() if issubclass(model, RendersMarkdown)]


class ReferenceTarget(models.Model):
    """A diagram, pattern or family that markdown refers to as ``[[kind:slug]]``: saving it refreshes
    the referrers. Each such model is the handler of its kind (``course.references.HANDLERS``)."""

    reference_kind = ""
    section_field = ""  # the Section many-to-many field listing the sections that refer to one

    class Meta:
        abstract = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.reference_kind:
            references.register(cls)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        for referrer in ReferenceUse.referrers(self.reference_kind, self.slug):
            referrer.rerender()

    @classmethod
    def reference_targets(cls):
        return cls.objects.all()

    def reference_html(self, ref):
        """A reference as a link to this object, with the reference's own text if it has one."""
        return markdown.link_html(self.get_absolute_url(), ref.text or self.name, self.intent)


class Course(Publishable, models.Model):
    """A course is the top of the content tree; the site can hold several."""

    title = models.CharField(_("제목"), max_length=200)
    slug = models.SlugField(_("슬러그"), max_length=200, unique=True, allow_unicode=True)
    summary = models.TextField(_("소개"), blank=True)
    order = models.PositiveIntegerField(_("순서"), default=0)
    is_published = models.BooleanField(_("공개"), default=True)

    source_hash = models.CharField(max_length=64, blank=True, editable=False)  # see core.sync
    objects = PublishedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = pgettext_lazy("model", "강좌")
        verbose_name_plural = pgettext_lazy("model plural", "강좌")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("course:course-detail", args=[self.slug])

    @property
    def audit_course(self):
        return self


class Lecture(Publishable, Scheduled):
    """One lecture (N강) of a course, imported from one markdown file."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lectures", verbose_name=_("강좌"))
    number = models.PositiveIntegerField(_("강 번호"))
    title = models.CharField(_("제목"), max_length=200)
    slug = models.SlugField(_("슬러그"), max_length=200, allow_unicode=True)
    summary = models.TextField(_("소개"), blank=True, help_text=_("강의 개요 페이지 맨 위에 보이는 짧은 소개입니다."))
    is_published = models.BooleanField(_("공개"), default=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    source_hash = models.CharField(max_length=64, blank=True, editable=False)  # see core.sync
    publish_chain = ("", "course__")
    objects = PublishedQuerySet.as_manager()

    class Meta:
        ordering = ["course", "number"]
        verbose_name = pgettext_lazy("model", "강의")
        verbose_name_plural = pgettext_lazy("model plural", "강의")
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="lecture_unique_slug_per_course"),
            models.UniqueConstraint(fields=["course", "number"], name="lecture_unique_number_per_course"),
            Scheduled.order_constraint(),
        ]

    def __str__(self):
        return f"{self.number}강 {self.title}" if self.has_own_title else self.title

    def get_absolute_url(self):
        return reverse("course:lecture-detail", args=[self.course.slug, self.slug])

    @property
    def has_own_title(self):
        """Whether the lecture is titled beyond its number (an untitled one is called "1강")."""
        return self.title != f"{self.number}강"

    @property
    def number_label(self):
        """The lecture's number in the reader's language: "1강", "Lecture 1"."""
        return gettext("%(number)s강") % {"number": self.number}

    @property
    def heading(self):
        """The lecture's name as a reader reads it, "1강 제목" or "Lecture 1 제목": plain text, for
        a page's title. Pages print ``heading_html``."""
        return f"{self.number_label} {self.title}" if self.has_own_title else self.number_label

    @property
    def heading_html(self):
        """``heading`` as HTML: its number in the reader's language, its Korean title marked as
        Korean in another interface language (core.language)."""
        if not self.has_own_title:
            return conditional_escape(self.number_label)
        return format_html("{} {}", self.number_label, korean(self.title))

    def toc_for(self, user):
        """The sections a user may read, in order, without their bodies, in one query."""
        sections = list(self.sections.visible_to(user).defer("body", "body_html", "outline"))
        for section in sections:
            section.lecture = self  # their URLs need the lecture and course we already hold
        return sections

    @property
    def audit_course(self):
        return self.course


class Section(Publishable, Scheduled, RendersMarkdown):
    """One lesson page: a `###` section of a lecture, written in markdown.

    ``body_html`` is rendered from ``body`` on every save; pages print it as is.
    """

    markdown_fields = {"body": False}

    lecture = models.ForeignKey(Lecture, on_delete=models.CASCADE, related_name="sections", verbose_name=_("강의"))
    title = models.CharField(_("제목"), max_length=200)
    slug = models.SlugField(_("슬러그"), max_length=200, allow_unicode=True)
    order = models.PositiveIntegerField(_("순서"), default=0)
    body = models.TextField(
        _("본문 (마크다운)"),
        blank=True,
        help_text=_("그림은 [[diagram:슬러그]], 패턴은 [[pattern:슬러그]], 패턴 분류는 [[family:슬러그]]로 넣습니다."),
    )
    body_html = models.TextField(editable=False, blank=True)
    outline = models.JSONField(default=list, blank=True, editable=False, help_text=_("본문의 ## 소제목 (id, 제목)"))
    reading_minutes = models.PositiveSmallIntegerField(default=1, editable=False)
    is_published = models.BooleanField(_("공개"), default=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)
    diagrams = models.ManyToManyField("Diagram", blank=True, editable=False, related_name="sections")
    patterns = models.ManyToManyField("Pattern", blank=True, editable=False, related_name="sections")
    families = models.ManyToManyField("PatternFamily", blank=True, editable=False, related_name="sections")

    source_hash = models.CharField(max_length=64, blank=True, editable=False)  # see core.sync
    publish_chain = ("", "lecture__", "lecture__course__")
    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["lecture", "order", "id"]
        verbose_name = pgettext_lazy("model", "절")
        verbose_name_plural = pgettext_lazy("model plural", "절")
        constraints = [
            models.UniqueConstraint(fields=["lecture", "slug"], name="section_unique_slug_per_lecture"),
            Scheduled.order_constraint(),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        for kind, model in references.HANDLERS.items():
            slugs = {ref.slug for ref in self.references_made if ref.kind == kind}
            getattr(self, model.section_field).set(model.objects.filter(slug__in=slugs))

    def get_absolute_url(self):
        # Kept on the object with the slugs it was made from: a table of contents shared by every
        # request (course.views.lecture_toc) asks for each of its links on every page.
        slugs = (self.lecture.course.slug, self.lecture.slug, self.slug)
        known = self.__dict__.get("_url")
        if known is None or known[0] != slugs:
            known = self.__dict__["_url"] = (slugs, reverse("course:section-detail", args=slugs))
        return known[1]

    def render_markdown(self):
        results = super().render_markdown()
        self.outline, self.reading_minutes = results["body"].outline, results["body"].reading_minutes
        return results

    def rendered_values(self):
        return {**super().rendered_values(), "outline": self.outline, "reading_minutes": self.reading_minutes}

    @property
    def audit_course(self):
        return self.lecture.course


class Diagram(ReferenceTarget):
    """A figure stored in the database (SVG, PNG, JPEG or WebP) with its alt text and caption.

    An imported lecture may point at a remote image; the entry then keeps the source
    URL and waits for a local file, and pages show a placeholder meanwhile.
    """

    slug = models.SlugField(_("슬러그"), max_length=200, unique=True, allow_unicode=True)
    title = models.CharField(_("제목"), max_length=200)
    alt_text = models.TextField(
        _("대체 텍스트"), help_text=_("화면을 볼 수 없는 사용자에게 그림이 전하는 내용을 문장으로 적습니다.")
    )
    caption = models.CharField(_("캡션"), max_length=300, blank=True)
    credit = models.CharField(_("출처"), max_length=300, blank=True)
    source_url = models.URLField(_("원본 주소"), max_length=500, blank=True)
    image = models.BinaryField(_("이미지"), blank=True, default=b"", editable=False)
    content_type = models.CharField(max_length=40, blank=True, editable=False)
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_hash = models.CharField(max_length=64, blank=True, editable=False)
    source_hash = models.CharField(max_length=64, blank=True, editable=False)  # see core.sync
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    objects = DiagramQuerySet.as_manager()
    reference_kind, section_field = "diagram", "diagrams"

    class Meta:
        ordering = ["slug"]
        verbose_name = pgettext_lazy("model", "그림")
        verbose_name_plural = pgettext_lazy("model plural", "그림")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("course:diagram-detail", args=[self.slug])

    @classmethod
    def reference_targets(cls):
        return cls.objects.defer("image")

    def reference_html(self, ref):
        """A reference to a diagram shows the figure itself."""
        return render_to_string("course/_figure.html", {"diagram": self}).strip()

    @property
    def has_image(self):
        return bool(self.image_hash)

    @property
    def image_url(self):
        return f"{reverse('course:diagram-image', args=[self.slug])}?v={self.image_hash[:12]}"

    def set_image(self, data, filename=""):
        """Check, sanitise and store an uploaded file; raises ValidationError for bad files."""
        self.store(diagram_files.prepare(data, filename))

    def restore(self, values, version):
        """Back to a stored revision, but with the image it has now. Revisions keep an image's
        fingerprint, not the file (megabytes at every save of a caption), so when the revision had
        another image the current one stays, and the returned note says so."""
        revisions.restore_fields(self, values, keep=["image_hash"])
        if values.get("image_hash", self.image_hash) == self.image_hash:
            return []
        return [
            _(
                "그림 파일은 리비전에 저장하지 않으므로 지금 그림 파일을 그대로 두었습니다. 그 리비전의 그림과 다른 파일이니 "
                "대체 텍스트와 캡션이 지금 그림에 맞는지 확인하세요."
            )
        ]

    def revision_texts(self, version=None):
        """The image in a revision's comparison: its fingerprint, as the file itself is not kept."""
        value = version.field_dict.get("image_hash", "") if version is not None else self.image_hash
        return {str(_("그림 파일 (지문)")): value[:12] if value else str(_("없음"))}

    def store(self, image):
        """Keep a checked image (a diagrams.PreparedImage)."""
        self.image = image.data
        self.content_type = image.content_type
        self.width, self.height = image.width, image.height
        self.image_hash = hashlib.sha256(image.data).hexdigest()


class PatternFamily(ReferenceTarget, RendersMarkdown):
    """A family of patterns (통신, 데이터 관리, …) that groups the catalog."""

    markdown_fields = {"description": False}
    reference_kind, section_field = "family", "families"

    slug = models.SlugField(_("슬러그"), max_length=100, unique=True, allow_unicode=True)
    name = models.CharField(_("이름"), max_length=100)
    name_en = models.CharField(_("영문 이름"), max_length=100, blank=True)
    intent = models.CharField(_("한 줄 요약"), max_length=300)
    description = models.TextField(_("설명 (마크다운)"), blank=True)
    description_html = models.TextField(editable=False, blank=True)
    source_hash = models.CharField(max_length=64, blank=True, editable=False)  # see core.sync
    order = models.PositiveIntegerField(_("순서"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = pgettext_lazy("model", "패턴 분류")
        verbose_name_plural = pgettext_lazy("model plural", "패턴 분류")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"{reverse('course:pattern-list')}?family={self.slug}"


class Pattern(ReferenceTarget, RendersMarkdown):
    """A catalog entry for one design pattern: intent, problem, solution, trade-offs."""

    markdown_fields = {"problem": False, "solution": False, "tradeoffs": False}
    reference_kind, section_field = "pattern", "patterns"

    slug = models.SlugField(_("슬러그"), max_length=100, unique=True, allow_unicode=True)
    name = models.CharField(_("이름"), max_length=100)
    name_en = models.CharField(_("영문 이름"), max_length=100, blank=True)
    family = models.ForeignKey(
        PatternFamily, on_delete=models.PROTECT, related_name="patterns", verbose_name=_("패턴 분류")
    )
    intent = models.CharField(_("한 줄 요약"), max_length=300)
    problem = models.TextField(_("문제 (마크다운)"), blank=True)
    solution = models.TextField(_("해법 (마크다운)"), blank=True)
    tradeoffs = models.TextField(_("장단점 (마크다운)"), blank=True)
    problem_html = models.TextField(editable=False, blank=True)
    solution_html = models.TextField(editable=False, blank=True)
    tradeoffs_html = models.TextField(editable=False, blank=True)
    source_hash = models.CharField(max_length=64, blank=True, editable=False)  # see core.sync
    related = models.ManyToManyField("self", blank=True, verbose_name=_("관련 패턴"))

    class Meta:
        ordering = ["family__order", "name"]
        verbose_name = pgettext_lazy("model", "패턴")
        verbose_name_plural = pgettext_lazy("model plural", "패턴")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("course:pattern-detail", args=[self.slug])


class SearchEntry(models.Model):
    """One searchable piece: a section's part under one sub-heading, a pattern, a family or a diagram.

    Filled by ``course.search.index`` whenever content is saved, never per request. The
    ``*folded`` columns hold the text in the form queries are matched against: NFKC,
    case-folded and without whitespace, so a query without the space finds 서킷 브레이커.
    """

    class Kind(models.TextChoices):
        SECTION = "section", _("절")
        PATTERN = "pattern", _("패턴")
        FAMILY = "family", _("패턴 분류")
        DIAGRAM = "diagram", _("그림")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    section = models.ForeignKey(Section, on_delete=models.CASCADE, null=True, related_name="+")
    pattern = models.ForeignKey(Pattern, on_delete=models.CASCADE, null=True, related_name="+")
    family = models.ForeignKey(PatternFamily, on_delete=models.CASCADE, null=True, related_name="+")
    diagram = models.ForeignKey(Diagram, on_delete=models.CASCADE, null=True, related_name="+")
    anchor = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)  # order of the part within its section
    title = models.CharField(max_length=300)
    heading = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)
    title_folded = models.CharField(max_length=300)
    heading_folded = models.CharField(max_length=300, blank=True)
    folded = models.TextField(blank=True)  # title, heading and text, one line each

    class Meta:
        ordering = ["kind", "position", "id"]
        verbose_name = pgettext_lazy("model", "검색 항목")
        verbose_name_plural = pgettext_lazy("model plural", "검색 항목")

    def __str__(self):
        return f"{self.title} › {self.heading}" if self.heading else self.title


class ReferenceUse(models.Model):
    """One ``[[kind:slug]]`` written in one markdown row, found or not yet, recorded whenever the row
    is rendered: when a diagram, pattern or family is saved, these are the rows to render again."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=20)
    slug = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["kind", "slug"], name="reference_use_target")]

    def __str__(self):
        return f"[[{self.kind}:{self.slug}]]"

    @classmethod
    def record(cls, rows, *, new=False):
        """Replace what ``rows`` (of one model, just rendered) refer to; ``new`` rows had nothing yet."""
        if not rows:
            return
        content_type = ContentType.objects.get_for_model(rows[0])
        if not new:
            cls.objects.filter(content_type=content_type, object_id__in=[row.pk for row in rows]).delete()
        cls.objects.bulk_create(
            cls(content_type=content_type, object_id=row.pk, kind=kind, slug=slug)
            for row in rows
            for kind, slug in {(ref.kind, ref.slug) for ref in row.references_made}
        )

    @classmethod
    def referrers(cls, kind, slug):
        """The rows whose markdown refers to ``[[kind:slug]]``, as their models' current rows."""
        uses = cls.objects.filter(kind=kind, slug=slug).select_related("content_type")
        ids = {}
        for use in uses:
            ids.setdefault(use.content_type, set()).add(use.object_id)
        for content_type, pks in ids.items():
            yield from content_type.model_class().objects.filter(pk__in=pks)


class DraftQuerySet(models.QuerySet):
    def for_model(self, model):
        return self.filter(content_type=ContentType.objects.get_for_model(model))

    def due(self, now):
        return self.filter(publish_at__lte=now)


class Draft(models.Model):
    """Unpublished changes to one lecture, section or quiz: learners keep reading the live row until
    it is published (``course.drafts``). Not a learner's record, and not content: saving one changes
    no page, so it is not watched by the content version.

    ``data`` holds the object's own fields that the draft changes, as its admin form sets them
    ({field name: value}, a foreign key as its id); related rows (a lecture's sections, a quiz's
    questions) are never in it.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    data = models.JSONField(encoder=DjangoJSONEncoder)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment = models.CharField(_("메모"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("만든 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)
    publish_at = models.DateTimeField(_("공개 예약 시각"), null=True, blank=True)

    objects = DraftQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = pgettext_lazy("model", "초안")
        verbose_name_plural = pgettext_lazy("model plural", "초안")
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="draft_one_per_object"),
        ]
        indexes = [models.Index(fields=["publish_at"], name="draft_publish_at")]

    def __str__(self):
        return f"{self.content_type.name} #{self.object_id}"

    @classmethod
    def of(cls, obj):
        """The draft of ``obj``, or None."""
        return cls.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk).first()

    def apply_to(self, obj):
        """Set the draft's values on ``obj`` (in memory); fields the model no longer has are skipped."""
        for name, value in self.data.items():
            try:
                field = obj._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            setattr(obj, field.attname, field.to_python(value))
        return obj

    @staticmethod
    def values_of(obj, names):
        """What a draft of ``obj`` keeps: its concrete fields among ``names``, as JSON can hold them."""
        return {field.name: field.value_from_object(obj) for field in obj._meta.concrete_fields if field.name in names}

    def live_object(self):
        """The row this draft changes, as it is now (None once deleted)."""
        model = self.content_type.model_class()
        return model._default_manager.filter(pk=self.object_id).first()

    def drafted_object(self):
        """The row with the draft's values on it, unsaved; None once the row is deleted."""
        obj = self.live_object()
        return obj and self.apply_to(obj)
