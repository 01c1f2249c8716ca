"""Quizzes: a knowledge check per section, a review quiz per lecture, and learners' attempts.

Grading happens here, on the server. An attempt keeps each answer as given and
whether it was right at the time, and snapshots the pass mark, so later edits to a
question cannot rewrite a learner's history.
"""

import hashlib
import html
import json
import re
import secrets
from dataclasses import dataclass

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, router, transaction
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.deletion import Collector, ProtectedError
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import revisions
from core.cache import cached_fragment
from core.models import LearnerOwned, OwnedQuerySet
from course.models import Lecture, Pattern, Publishable, PublishedQuerySet, RendersMarkdown, Scheduled, Section
from quizzes.kinds import KINDS, kind_of
from quizzes.kinds.base import (  # noqa: F401 (the answer helpers' old home: tests and scripts import them here)
    BLANK_RE,
    TYPED_ANSWER_LENGTH,
    normalise_answer,
    numeric_range,
    parse_number,
    weighted,
)


class QuizQuerySet(PublishedQuerySet):
    pass


class Quiz(Publishable, Scheduled):
    """A set of questions: a knowledge check at the end of a section, or a lecture's review quiz."""

    publish_chain = ("", "lecture__", "lecture__course__")

    class Kind(models.TextChoices):
        CHECK = "check", _("확인 문제")
        REVIEW = "review", _("복습 퀴즈")

    lecture = models.ForeignKey(Lecture, on_delete=models.CASCADE, related_name="quizzes", verbose_name=_("강의"))
    section = models.ForeignKey(
        Section,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quizzes",
        verbose_name=_("절"),
        help_text=_("확인 문제는 이 절의 끝에 나옵니다. 복습 퀴즈는 비워 둡니다."),
    )
    kind = models.CharField(_("종류"), max_length=10, choices=Kind.choices, default=Kind.CHECK)
    slug = models.SlugField(_("슬러그"), max_length=200, unique=True, allow_unicode=True)
    title = models.CharField(_("제목"), max_length=200)
    pass_mark = models.PositiveSmallIntegerField(_("통과 기준(%)"), default=70)
    shuffle = models.BooleanField(_("선택지 섞기"), default=True)
    source_hash = models.CharField(max_length=64, blank=True, editable=False)  # see core.sync
    is_published = models.BooleanField(_("공개"), default=True)

    objects = QuizQuerySet.as_manager()

    class Meta:
        ordering = ["lecture", "kind", "section__order", "id"]
        verbose_name = pgettext_lazy("model", "퀴즈")
        verbose_name_plural = pgettext_lazy("model plural", "퀴즈")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="check") & Q(section__isnull=False)) | (Q(kind="review") & Q(section__isnull=True)),
                name="quiz_check_has_section_review_has_none",
            ),
            models.UniqueConstraint(
                fields=["section"],
                condition=Q(kind="check"),
                name="quiz_one_check_per_section",
                violation_error_message=_("이 절에는 이미 확인 문제가 있습니다."),
            ),
            models.UniqueConstraint(
                fields=["lecture"],
                condition=Q(kind="review"),
                name="quiz_one_review_per_lecture",
                violation_error_message=_("이 강의에는 이미 복습 퀴즈가 있습니다."),
            ),
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="quiz_pass_mark_is_a_percentage"),
            Scheduled.order_constraint(),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        if self.kind == self.Kind.CHECK and self.section_id:
            return self.section.get_absolute_url() + "#quiz"
        return reverse("quizzes:quiz-detail", args=[self.slug])

    def clean(self):
        super().clean()
        if self.kind == self.Kind.CHECK and not self.section_id:
            raise ValidationError({"section": _("확인 문제는 절을 골라야 합니다.")})
        if self.kind == self.Kind.REVIEW and self.section_id:
            raise ValidationError({"section": _("복습 퀴즈는 절을 비워 둡니다.")})
        if self.section_id and self.section.lecture_id != self.lecture_id:
            raise ValidationError({"section": _("이 강의의 절이 아닙니다.")})

    @classmethod
    def published_q(cls, prefix="", now=None):
        """Published (and live) with its lecture, and a knowledge check with its section too."""
        now = now or timezone.now()
        section = Q(**{f"{prefix}section__isnull": True}) | Section.published_q(f"{prefix}section__", now)
        return super().published_q(prefix, now) & section

    def is_readable(self, now=None):
        now = now or timezone.now()
        return super().is_readable(now) and (self.section is None or self.section.is_readable(now))

    @property
    def audit_course(self):
        return self.lecture.course


GLUED_TO_BLANK = re.compile(r"[^\s<]*")


class Question(RendersMarkdown):
    """One question of a quiz, with its markdown prompt and explanation."""

    markdown_fields = {"prompt": False, "explanation": False}

    # The kinds registered in quizzes.kinds, in their order: Kind.SINGLE == "single", …
    Kind = models.TextChoices("Kind", [(name.upper(), (name, kind.label)) for name, kind in KINDS.items()])

    TYPED_ANSWER_LENGTH = TYPED_ANSWER_LENGTH  # for templates
    ITEMISED = tuple(name for name, kind in KINDS.items() if kind.itemised)  # several items, each earning a share

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions", verbose_name=_("퀴즈"))
    key = models.SlugField(_("키"), max_length=100, help_text=_("문제 은행 파일에서 이 문제를 가리키는 이름"))
    order = models.PositiveIntegerField(_("순서"), default=0)
    kind = models.CharField(_("종류"), max_length=12, choices=Kind.choices, default=Kind.SINGLE)
    prompt = models.TextField(_("문제 (마크다운)"))
    prompt_html = models.TextField(editable=False, blank=True)
    explanation = models.TextField(_("해설 (마크다운)"), blank=True)
    explanation_html = models.TextField(editable=False, blank=True)
    accepted_answers = models.TextField(
        _("정답으로 인정할 답 (단답형, 수치, 빈칸 채우기)"),
        blank=True,
        help_text=_(
            "한 줄에 하나씩. 단답형은 대소문자, 전각/반각, 공백, 문장 부호를 무시하고 비교합니다. "
            "수치는 값(3), 허용 오차(99.7±0.05) 또는 범위(3.141..3.142)로 적습니다. "
            "줄 앞에 %50% 처럼 적으면 그 답은 부분 점수를 받습니다. "
            "빈칸 채우기는 빈칸마다 한 줄, 인정할 답을 | 로 나눠 적고 문제에는 빈칸 자리에 {1}, {2}를 씁니다."
        ),
    )
    unit = models.CharField(
        _("단위 (수치)"),
        max_length=20,
        blank=True,
        help_text=_("수치 문제의 답 칸 옆에 보이는 단위(%, 개, ms). 학습자는 숫자만 적거나 이 단위를 붙여 적습니다."),
    )
    section = models.ForeignKey(
        Section,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("다시 읽을 절"),
    )
    source_hash = models.CharField(max_length=64, blank=True, editable=False)  # see core.sync
    patterns = models.ManyToManyField(Pattern, blank=True, related_name="questions", verbose_name=_("관련 패턴"))

    class Meta:
        ordering = ["quiz", "order", "id"]
        verbose_name = pgettext_lazy("model", "문제")
        verbose_name_plural = pgettext_lazy("model plural", "문제")
        constraints = [models.UniqueConstraint(fields=["quiz", "key"], name="question_unique_key_per_quiz")]

    def __str__(self):
        text = BLANK_RE.sub("___", strip_tags(self.prompt_html or self.prompt))
        return Truncator(re.sub(r"\s+", " ", text).strip()).chars(80)

    @property
    def accepted_list(self):
        return [line.strip() for line in self.accepted_answers.splitlines() if line.strip()]

    @property
    def accepted_shown(self):
        """The accepted answers as a learner reads them after answering: "1822, 1822±2 (50%)"."""
        return ", ".join(
            answer if share >= 1 else f"{answer} ({share:.0%})" for share, answer in map(weighted, self.accepted_list)
        )

    @property
    def key_shown(self):
        """A typed question's right answer as shown after answering (``TypedKind.key_shown``)."""
        return self.kind_class.key_shown(self)

    def get_kind_display(self):
        """The kind's name for a reader; a kind registered after this class was made shows too."""
        kind = KINDS.get(self.kind)
        return kind.label if kind else self.kind

    @property
    def kind_class(self):
        """The kind (``quizzes.kinds``): it reads, marks, checks and shows this question."""
        return kind_of(self.kind)

    @property
    def kind_template(self):
        """The kind's template: its form and its review."""
        return self.kind_class.template

    @property
    def has_choices(self):
        """Answered by picking among its choices (not typed)."""
        return self.kind_class.has_choices

    @property
    def is_itemised(self):
        """Marked and reviewed item by item (ordering, matching, cloze)."""
        return self.kind_class.itemised

    @property
    def prompt_shown(self):
        """The prompt's HTML as a learner reads it (a cloze's with its gaps drawn)."""
        return self.kind_class.prompt(self)

    @property
    def blanks(self):
        """A cloze question's accepted answers, one list per blank: "쿠버네티스 | Kubernetes" → two."""
        return [[part.strip() for part in line.split("|") if part.strip()] for line in self.accepted_list]

    @property
    def prompt_with_blanks(self):
        """The prompt's HTML with each {n} drawn as a numbered gap the learner can see."""
        pieces, rest = self.prompt_pieces()
        gaps = (
            f'{before}<span class="cloze-blank"><span class="cloze-gap">({n}) <span class="cloze-gap__line"></span>'
            f"</span>{glued}</span>"
            for before, n, glued in pieces
        )
        return "".join(gaps) + rest

    @property
    def has_blanks(self):
        """A cloze: its blanks are typed inside the sentence."""
        return self.kind_class.has_blanks

    def prompt_pieces(self):
        """The prompt's HTML cut at its blanks: [(HTML before, blank number, what is glued to the blank's
        end)], and the HTML after the last. The glued text, a particle such as 을(를), stays on the
        blank's line: a reader must not find "(를)" alone at the start of the next one."""
        parts = BLANK_RE.split(self.prompt_html)
        pieces, before = [], parts[0]
        for n, after in zip(parts[1::2], parts[2::2], strict=True):
            glued = GLUED_TO_BLANK.match(after)[0]
            pieces.append((before, int(n), glued))
            before = after[len(glued) :]
        return pieces, before

    def shown(self, choices, pairs=()):
        """What a learner is shown and graded against, as an answer keeps it (``Answer.shown``):
        the prompt, the choices in the order shown, and the key."""
        return {
            "kind": self.kind,
            "prompt": self.prompt_html,
            "explanation": self.explanation_html,
            "accepted": self.accepted_answers,
            **({"unit": self.unit} if self.unit else {}),
            "choices": [choice.shown() for choice in choices],
            "pairs": [choice.shown() for choice in pairs],
            "key": [choice.token for choice in self.choices.all()],
        }

    def version_content(self):
        """What a version of this question keeps (``QuestionVersion``): everything a learner reads
        and is graded against, with the choices in their authored order."""
        return {
            "kind": self.kind,
            "prompt": self.prompt_html,
            "explanation": self.explanation_html,
            "accepted": self.accepted_answers,
            "choices": [choice.shown() for choice in self.choices.all()],
        } | ({"unit": self.unit} if self.unit else {})  # a version made before units keeps its digest

    def as_shown(self, shown):
        """(question, choices, pairs) as the learner saw them when they answered, from ``Answer.shown``,
        whatever was edited since. Only the links (its section, its patterns) are today's."""
        seen = Question(
            pk=self.pk,
            quiz_id=self.quiz_id,
            key=self.key,
            order=self.order,
            kind=shown["kind"],
            prompt_html=shown["prompt"],
            explanation_html=shown["explanation"],
            accepted_answers=shown["accepted"],
            unit=shown.get("unit", ""),
            section_id=self.section_id,
        )
        if Question.section.is_cached(self):
            seen.section = self.section
        if "patterns" in getattr(self, "_prefetched_objects_cache", {}):
            seen._prefetched_objects_cache = {"patterns": self._prefetched_objects_cache["patterns"]}
        choices = [Choice.from_shown(seen, record) for record in shown["choices"]]
        # Its choices are those it showed, not today's rows: a kind's solution() reads choices.all().
        kept = Choice.objects.none()
        kept._result_cache, kept._prefetch_done = choices, True
        seen._prefetched_objects_cache = {**getattr(seen, "_prefetched_objects_cache", {}), "choices": kept}
        return seen, choices, [Choice.from_shown(seen, record) for record in shown.get("pairs", [])]

    def as_version(self, version):
        """(question, choices, pairs) as ``version`` holds it (a ``QuestionVersion``), choices in
        their authored order: the key an answer regraded against that version was marked with."""
        return self.as_shown({**version.content, "pairs": []})

    def save(self, *args, **kwargs):
        # A question being created has no choices or patterns yet: its revision, made as it is
        # saved, need not ask the database (an import of a thousand questions saves two thousand
        # queries). Adding patterns clears the cached empty list; choices join the revision as
        # they are saved (or, written in bulk, as the loader adds them).
        self.created_by_save = self._state.adding
        if self.created_by_save:
            none = Pattern.objects.none()
            none._result_cache, none._prefetch_done = [], True  # as prefetch_related leaves a fetched list
            self._prefetched_objects_cache = {"patterns": none}
        super().save(*args, **kwargs)

    @property
    def current_choices(self):
        """The choices a revision of the question holds (``follow`` in quizzes.apps): not the retired
        ones, and without the ordering, whose joins up to the course cost more than the query itself."""
        if getattr(self, "created_by_save", False):
            return None  # nothing to follow
        return Choice.objects.filter(question=self).order_by()

    def restore(self, values, version):
        """Back to a stored revision (``core.revisions.revert``): the fields through ``save()``, the
        choices through ``Choice.revise`` and ``Choice.remove``, so a choice a learner picked is never
        rewritten or deleted (it is retired and a new one made). Choices are matched by id; one gone
        or retired since comes back as a new choice. Everything is checked before anything is written."""
        old = self.stored_choices(version)
        before = list(self.choices.all())
        revisions.restore_fields(
            self, values, check=lambda: self.choice_problems([(c["is_correct"], c["text"], c["match"]) for c in old])
        )
        current = Choice.all_objects.in_bulk([c["pk"] for c in old])
        for stored in old:
            authored = {name: stored[name] for name in Choice.AUTHORED}
            choice = current.get(stored["pk"])
            if choice is None or choice.retired or choice.question_id != self.pk:
                Choice(question=self, **authored).save()
            else:
                choice.revise(authored)
        for choice in before:
            if choice.pk not in current:
                choice.remove()

    def stored_choices(self, version):
        """The choices ``version``'s revision holds for this question (not those it had retired), in order."""
        found = revisions.revision_versions(version, Choice, question=self.pk)
        stored = [values | {"pk": pk} for pk, values in found if not values.get("retired")]
        return sorted(stored, key=lambda c: (c["order"], c["pk"]))

    def revision_texts(self, version=None):
        """The choices in a revision's comparison, one line each."""
        if version is None:
            choices = [{name: getattr(c, name) for name in Choice.AUTHORED} for c in self.choices.all()]
        else:
            choices = self.stored_choices(version)
        return {str(_("선택지")): "\n".join(map(_choice_line, choices))}

    def example_answer(self):
        """A right answer as a learner would type it (short and numeric questions): for tests and load runs."""
        return self.kind_class.example_answer(self)

    def example_post(self):
        """A wholly right answer as the form posts it: for tests and load runs."""
        return self.kind_class.example_post(self)

    @property
    def numeric_ranges(self):
        """The accepted (low, high) ranges of a numeric question; None if a line cannot be read."""
        ranges = [numeric_range(weighted(line)[1]) for line in self.accepted_list]
        return None if None in ranges else ranges

    def arrange(self, choices, seed, shuffle=True):
        """(choices, pairs): the choices in the order a learner sees them, and for matching the
        descriptions to pick from, in an order of their own. Both come from ``seed``, a secret."""
        return self.kind_class.arrange(self, choices, seed, shuffle)

    def choice_problems(self, choices):
        """Messages for a set of (is_correct, text[, match]) choices that cannot make this question gradable."""
        return self.kind_class.problems(
            self, [(is_correct, text, *(rest or [""])) for is_correct, text, *rest in choices]
        )

    def mark(self, *, choices=(), text="", parts=()):
        """The answer's ``Mark``: choices all-or-nothing, short answers after normalising, numbers
        inside an accepted range; ordering, matching and cloze earn a share per item right."""
        return self.kind_class.mark(self, choices=choices, text=text, parts=parts)

    def grade(self, **answer):
        """True when the answer is wholly right."""
        return self.mark(**answer).is_correct

    def solution(self):
        """The right answer item by item, for a question left unanswered in a finished attempt."""
        return self.kind_class.solution(self)

    def item_name(self, number, label):
        """What an item is called in the reader's language: a position, a blank, or the matching term."""
        return self.kind_class.item_name(number, label)

    @property
    def audit_course(self):
        return self.quiz.lecture.course


def _choice_line(choice):
    """One choice as a line of a revision's comparison: "2. [정답] 서킷 브레이커 — 피드백"."""
    parts = [f"{choice['order']}.", f"[{_('정답')}]" if choice["is_correct"] else "", choice["text"]]
    if choice["match"]:
        parts.append(f"↔ {choice['match']}")
    if choice["feedback"]:
        parts.append("— " + " ".join(choice["feedback"].split()))
    return " ".join(filter(None, parts))


def new_token():
    return secrets.token_urlsafe(9)


def is_protected(obj):
    """Whether a learner's record protects ``obj`` (on_delete=PROTECT), whichever app holds it."""
    try:
        Collector(using=router.db_for_write(type(obj))).collect([obj])
    except ProtectedError:
        return True
    return False


class CurrentChoiceManager(models.Manager):
    """The choices a question has now: a retired choice is kept only for the answers that picked it."""

    def get_queryset(self):
        return super().get_queryset().filter(retired=False)


class Choice(RendersMarkdown):
    """An answer option; the form posts its random token, so ids reveal no authoring order.

    A choice that an answer picked is never rewritten or deleted (``revise``): it is retired,
    hidden from the question (``objects`` and ``question.choices`` skip it), and a new choice
    takes its place.
    """

    markdown_fields = {"text": True, "feedback": False}

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("문제"))
    order = models.PositiveIntegerField(_("순서"), default=0)
    text = models.CharField(
        _("선택지"),
        max_length=500,
        blank=True,
        help_text=_("순서 맞추기는 맞는 순서대로, 짝 짓기는 왼쪽 항목을 적습니다."),
    )
    text_html = models.TextField(editable=False, blank=True)
    match = models.CharField(
        _("짝 (짝 짓기)"),
        max_length=500,
        blank=True,
        help_text=_("짝 짓기에서 이 항목과 짝이 되는 설명. 항목을 비우고 짝만 적으면 오답 보기가 됩니다."),
    )
    is_correct = models.BooleanField(_("정답"), default=False)
    feedback = models.TextField(
        _("피드백"), blank=True, help_text=_("답한 뒤에 보입니다. 오답이면 왜 틀렸는지 적습니다.")
    )
    feedback_html = models.TextField(editable=False, blank=True)
    token = models.CharField(max_length=20, unique=True, default=new_token, editable=False)
    retired = models.BooleanField(default=False, editable=False)
    # The choice that took a retired one's place (``revise``): a regrade follows it to read an old
    # answer's pick against the question's new version.
    replaced_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, editable=False)

    objects = CurrentChoiceManager()
    all_objects = models.Manager()

    AUTHORED = ("order", "text", "match", "is_correct", "feedback")  # what an editor writes

    class Meta:
        ordering = ["question", "order", "id"]
        base_manager_name = "all_objects"
        verbose_name = pgettext_lazy("model", "선택지")
        verbose_name_plural = pgettext_lazy("model plural", "선택지")

    def __str__(self):
        return self.text or self.match

    @property
    def plain(self):
        """The text without markup, for a <select> option and for the answer kept on record."""
        return html.unescape(strip_tags(self.text_html or self.text))

    @property
    def label(self):
        """The text in the reader's language when the question's kind names its choices (true/false),
        None for authored text (``Kind.choice_label``). The stored text is left as it is."""
        return self.question.kind_class.choice_label(self.text)

    def is_answered(self):
        """Whether a learner's answer (a quiz or a review answer) points to this choice."""
        return self.pk is not None and is_protected(self)

    def revise(self, values):
        """Give the choice new ``values``; return the choice that now holds them. A choice that
        an answer picked keeps what the learner saw: it is retired and a new choice is made."""
        choice = self
        replacing = any(getattr(self, name) != value for name, value in values.items()) and self.is_answered()
        if replacing:
            choice = Choice(question_id=self.question_id, **{name: getattr(self, name) for name in self.AUTHORED})
        for name, value in values.items():
            setattr(choice, name, value)
        choice.save()
        if replacing:
            self.retire(replaced_by=choice)
        return choice

    def remove(self):
        """Delete the choice, or retire it if an answer picked it."""
        if self.is_answered():
            self.retire()
        else:
            self.delete()

    def retire(self, replaced_by=None):
        """Hide the choice for good, kept for the answers that picked it. A revision being made
        notes it retired, so a revert to that revision does not bring it back."""
        Choice.all_objects.filter(pk=self.pk).update(retired=True, replaced_by=replaced_by)
        self.retired, self.replaced_by = True, replaced_by
        if reversion.is_active():
            reversion.add_to_revision(self)

    def restore(self, values, version):
        """Back to a stored revision through ``revise``: a choice a learner picked is not rewritten."""
        self.revise({name: values[name] for name in self.AUTHORED if name in values})

    def shown(self):
        """The choice as an answer keeps it (``Answer.shown``)."""
        return {
            "token": self.token,
            "text": self.text_html,
            "plain": self.plain,
            "match": self.match,
            "correct": self.is_correct,
            "feedback": self.feedback_html,
        }

    @classmethod
    def from_shown(cls, question, record):
        return cls(
            question=question,
            token=record["token"],
            text_html=record["text"],
            text=record["plain"],
            match=record["match"],
            is_correct=record["correct"],
            feedback_html=record["feedback"],
        )

    @property
    def pair_token(self):
        """What a matching form posts for this choice's description: unlike ``token``, which the
        form shows beside the term, it cannot be linked to the term without the server's secret."""
        return salted_hmac("quizzes.pair", self.token).hexdigest()[:16]

    @property
    def audit_course(self):
        return self.question.quiz.lecture.course


class QuestionVersion(models.Model):
    """One version of a question as answers were graded against it (Moodle 4's question versions).

    Made when an answer finds the question's content (``Question.version_content``) changed since
    the last version, and when an editor saves a question that has answers: so an edit after the
    first answers starts version 2, and each answer keeps the version it was graded with
    (``GradedAnswer.version``), whatever is edited, imported or reverted later. Never changed.
    """

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("판"))
    content = models.JSONField(editable=False)
    content_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["question", "number"]
        verbose_name = pgettext_lazy("model", "문제의 판")
        verbose_name_plural = pgettext_lazy("model plural", "문제의 판")
        constraints = [models.UniqueConstraint(fields=["question", "number"], name="question_version_unique_number")]

    def __str__(self):
        return _("판 %(n)d") % {"n": self.number}

    @staticmethod
    def digest(content):
        return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    @classmethod
    def latest(cls, question):
        return cls.objects.filter(question=question).order_by("-number").first()

    @classmethod
    def of(cls, question):
        """The version holding the question's content now: the latest, or a new one if it changed."""
        content = question.version_content()
        digest = cls.digest(content)
        latest = cls.latest(question)
        if latest is not None and latest.content_hash == digest:
            return latest
        try:
            with transaction.atomic():
                number = latest.number + 1 if latest else 1
                return cls.objects.create(question=question, number=number, content=content, content_hash=digest)
        except IntegrityError:  # another answer made it at the same moment
            return cls.latest(question)

    @classmethod
    def current_id(cls, question):
        """``of(question).pk``, looked up once per content version: every edit changes that version."""
        return cached_fragment("question-version", question.pk, build=lambda: cls.of(question).pk)


def questions_needed(pass_mark, total):
    """How many right answers of ``total`` pass: the pass mark as a count a learner can read."""
    return -(-pass_mark * total // 100)  # the ceiling, in whole numbers


def as_points(value):
    """Points as a learner reads them: "3", or "2.67" with partly right answers."""
    return format(round(value, 2), "g")


@dataclass
class Score:
    """An attempt's result; unanswered questions count as wrong."""

    correct: float  # points: a question wholly right is 1, partly right a share of it
    answered: int
    total: int
    pass_mark: int

    def __post_init__(self):
        self.correct = round(self.correct, 4)  # a sum of thirds is whole when it should be

    @property
    def points(self):
        return as_points(self.correct)

    @property
    def percent(self):
        return round(100 * self.correct / self.total) if self.total else 0

    @property
    def needed(self):
        return questions_needed(self.pass_mark, self.total)

    @property
    def passed(self):
        return self.total > 0 and self.correct >= self.needed


class AttemptQuerySet(OwnedQuerySet):
    def scored(self):
        """Annotate what ``Attempt.score`` needs, in the same query."""
        return self.annotate(
            right=Coalesce(
                Subquery(
                    Answer.objects.filter(attempt=OuterRef("pk"))
                    .values("attempt")
                    .annotate(s=Sum("credit"))
                    .values("s")
                ),
                0.0,
            ),
            answered=Count("answers", distinct=True),
            questions=Coalesce("question_count", Count("quiz__questions", distinct=True)),
        )


STATISTICS_PERMISSION = "quizzes.view_statistics"


def new_shuffle_seed():
    return secrets.token_hex(16)


def first_shuffle_seed(quiz):
    """The seed of a learner's first attempt, and so of the order shown before it exists.

    Derived from the secret key: the same for every learner, so the page can be shared, yet
    impossible to recompute without the server's secret.
    """
    return salted_hmac("quizzes.first-shuffle", str(quiz.pk)).hexdigest()[:32]


class Attempt(LearnerOwned):
    """One go at a quiz by a learner (a user, or a session for visitors without an account)."""

    # PROTECT: editing content never deletes a learner's history (kolibri's logger model).
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("퀴즈"))
    number = models.PositiveIntegerField(_("회차"), default=1)
    pass_mark = models.PositiveSmallIntegerField(_("통과 기준(%)"))
    shuffle_seed = models.CharField(max_length=64, default=new_shuffle_seed, editable=False)
    # What the finished attempt was graded against, so a later edit of the quiz cannot change it.
    question_count = models.PositiveIntegerField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField(_("시작"), default=timezone.now)
    finished_at = models.DateTimeField(_("끝낸 시각"), null=True, blank=True)

    objects = AttemptQuerySet.as_manager()

    class Meta(LearnerOwned.Meta):
        ordering = ["-started_at", "-id"]
        verbose_name = pgettext_lazy("model", "응시")
        verbose_name_plural = pgettext_lazy("model plural", "응시")
        # Reading learners' results in aggregate (analytics, per-question statistics): held by
        # the content editors group and superusers, not by every staff account.
        permissions = [("view_statistics", _("학습 통계를 볼 수 있음"))]
        constraints = [
            *LearnerOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["quiz", "user"],
                condition=Q(finished_at__isnull=True, user__isnull=False),
                name="attempt_one_open_per_user",
            ),
            models.UniqueConstraint(
                fields=["quiz", "session_key"],
                condition=Q(finished_at__isnull=True, user__isnull=True),
                name="attempt_one_open_per_session",
            ),
        ]

    def __str__(self):
        return f"{self.quiz} #{self.number}"

    def get_absolute_url(self):
        return reverse("quizzes:attempt-detail", args=[self.pk])

    @property
    def is_finished(self):
        return self.finished_at is not None

    def before_hand_over(self, user):
        """A visitor's open attempt closes if the account has one open for the quiz: that one stays open."""
        if (
            self.finished_at is None
            and Attempt.objects.filter(quiz=self.quiz_id, user=user, finished_at__isnull=True).exists()
        ):
            self.finished_at = timezone.now()

    @classmethod
    def renumber(cls, user, quiz_ids):
        """Number the account's attempts of these quizzes 1, 2, … by when they started."""
        for quiz_id in quiz_ids:
            attempts = cls.objects.filter(user=user, quiz=quiz_id).order_by("started_at", "id")
            for number, attempt in enumerate(attempts, start=1):
                if attempt.number != number:
                    cls.objects.filter(pk=attempt.pk).update(number=number)

    def arrange(self, question, choices):
        """The shuffle for this attempt (``Question.arrange``), from its secret seed: fixed for the
        attempt, new for the next. The seed never leaves the server, so the order cannot be
        recomputed from what a page shows."""
        return question.arrange(choices, self.shuffle_seed, self.quiz.shuffle)

    @property
    def score(self):
        """The result, from the annotations of ``Attempt.objects.scored()``."""
        return Score(correct=self.right, answered=self.answered, total=self.questions, pass_mark=self.pass_mark)


class GradedAnswer(models.Model):
    """An answer graded once and then locked, kept as given and as shown: quiz and review answers alike.

    ``record`` is the one place either is written. Each concrete answer adds what it belongs to
    and a many-to-many ``choices`` through a model that PROTECTs the choices picked.
    """

    text = models.CharField(max_length=TYPED_ANSWER_LENGTH, blank=True)
    given = models.JSONField(
        default=list, help_text=_("답한 그대로: 선택지 문장, 또는 순서·짝·빈칸 문제는 항목마다 낸 답과 채점")
    )
    # What was shown and graded (Question.shown) and the tokens chosen: the attempt page is drawn
    # from it, so no later edit, import or delete changes what a learner sees they answered.
    shown = models.JSONField(default=dict, editable=False)
    is_correct = models.BooleanField()
    credit = models.FloatField(_("점수"), default=0, help_text=_("0에서 1까지. 순서·짝·빈칸 문제는 맞힌 항목만큼"))
    answered_at = models.DateTimeField(default=timezone.now)
    # The version of the question it was graded against (a regrade moves it to the newer one and
    # keeps the old grade in a ``Regrade``). PROTECT: no edit, import or delete removes it.
    version = models.ForeignKey(
        QuestionVersion, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("채점한 판")
    )

    class Meta:
        abstract = True

    @classmethod
    def record(cls, **graded):
        """Store a graded answer (see ``build``)."""
        return cls.build(**graded).save_with_choices()

    @classmethod
    def build(cls, *, question, arranged, sent, mark, versioned=True, **fields):
        """A graded answer, not yet stored: ``sent`` as ``parse_answer`` read it, ``mark`` as the
        question graded it, ``arranged`` the (choices, pairs) the learner was shown. Built before
        the write transaction, so that the transaction only writes (``save_with_choices``)."""
        choices, pairs = arranged
        chosen = sent.get("choices", ())
        answer = cls(
            text=sent.get("text", ""),
            given=mark.items or [c.text for c in chosen] or [sent.get("text", "")],
            shown=question.shown(choices, pairs) | {"chosen": [c.token for c in chosen]},
            is_correct=mark.is_correct,
            credit=mark.credit,
            # ``versioned=False``: a preview's answer, stored nowhere, that must not make a version either
            version_id=QuestionVersion.current_id(question) if versioned else None,
            **fields,
        )
        answer.chosen = list(chosen)
        return answer

    def save_with_choices(self):
        """Insert the answer and its chosen choices: two statements, no reads."""
        self.save(force_insert=True)
        field = self._meta.get_field("choices")  # one insert, where choices.set() would read first
        through, name = field.remote_field.through, field.m2m_field_name()
        through.objects.bulk_create(through(**{name: self, "choice": c}) for c in self.chosen)
        return self


class Answer(GradedAnswer):
    """A learner's answer to one question in one attempt."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    choices = models.ManyToManyField(Choice, blank=True, related_name="answers", through="AnswerChoice")

    class Meta:
        ordering = ["attempt", "question__order"]
        verbose_name = pgettext_lazy("model", "답")
        verbose_name_plural = pgettext_lazy("model plural", "답")
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="answer_one_per_question")]

    def __str__(self):
        return f"{self.attempt} · {self.question_id}"


class Regrade(models.Model):
    """An answer graded again against a newer version of its question, on an editor's request:
    the grade before and the grade after, so the attempt keeps both in its history."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="regrades")
    from_version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    to_version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    old_credit = models.FloatField()
    new_credit = models.FloatField()
    regraded_at = models.DateTimeField(default=timezone.now)
    regraded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["answer", "regraded_at", "id"]
        verbose_name = pgettext_lazy("model", "재채점")
        verbose_name_plural = pgettext_lazy("model plural", "재채점")

    def __str__(self):
        return f"{self.answer} {self.old_credit:g} → {self.new_credit:g}"


class ChosenChoice(models.Model):
    """A choice a graded answer picked. PROTECT: no edit, import or delete can remove it (``Choice.revise``).
    Each graded answer's ``choices`` goes through one of these, which adds the answer's key."""

    choice = models.ForeignKey(Choice, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    def __str__(self):
        return str(_("(학습자가 고른 기록: 지우지 않습니다)"))


class AnswerChoice(ChosenChoice):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE)

    class Meta:
        db_table = "quizzes_answer_choices"  # the table Django made for the plain many-to-many field
        unique_together = [("answer", "choice")]
        verbose_name = pgettext_lazy("model", "고른 선택지")
        verbose_name_plural = pgettext_lazy("model plural", "고른 선택지")
