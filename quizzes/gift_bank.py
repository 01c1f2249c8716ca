"""GIFT files in and out of the question bank: ``quizzes.gift`` reads and writes the format,
this module turns its questions into ours and back.

Import is all-or-nothing, like the TOML loader: a malformed file, or a question the target
quiz cannot hold, raises ContentError and nothing changes. A question we cannot grade the way
Moodle would (an essay, an unknown form, weights we would grade differently) is skipped and
reported with its line. A question's identity is its GIFT name, or its text when it has none,
so importing the same file twice changes nothing. Text goes into the markdown fields and
through the one sanitising pipeline when saved.
"""

import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.cache import one_content_change
from core.files import ContentError, LoadReport
from course.models import Lecture
from quizzes import gift
from quizzes.kinds import KINDS, Unsupported, kind_of
from quizzes.kinds.base import gift_markdown as _markdown
from quizzes.loader import QuestionEntry, _load_question
from quizzes.models import Choice, Question, Quiz

# What one import takes, the admin upload and the command alike: a file holds one quiz's worth of
# questions, not a database's (150,000 choices held SQLite's write lock for minutes).
MAX_BYTES = 1_000_000
MAX_QUESTIONS = 1_000
MAX_ANSWERS = 50  # choices, pairs or accepted answers in one question


@dataclass
class GiftReport(LoadReport):
    skipped: list[str] = field(default_factory=list)  # "12행: why"


def _key(question):
    """The name as a slug; without a name, the text (and kind, so Moodle's own examples of one
    sentence asked two ways stay two questions)."""
    key = slugify(question.name, allow_unicode=True)[:100]
    return key or "gift-" + hashlib.sha256(f"{question.kind}:{question.text}".encode()).hexdigest()[:12]


def _entry(question):
    """Our QuestionEntry for a GIFT question; Unsupported when we cannot grade it as Moodle does."""
    text = _markdown(question.text, question.format)
    kind, accepted, choices = _answers(question)
    if question.gap and not getattr(KINDS.get(kind), "has_blanks", False):
        text = text.replace(gift.GAP, "\\_\\_\\_\\_\\_")
    values = {
        "kind": kind,
        "prompt": text,
        "explanation": _markdown(question.general_feedback, question.format),
        "accepted_answers": "\n".join(accepted),
    }
    limit = Choice._meta.get_field("text").max_length
    if any(len(part) > limit for choice in choices for part in (choice[0], *choice[3:])):
        raise Unsupported(_("선택지가 %(n)d자를 넘어 가져올 수 없습니다.") % {"n": limit})
    probe = Question(**values)
    if problems := probe.choice_problems([(c[1], c[0], *c[3:]) for c in choices]):
        raise Unsupported(" ".join(str(p) for p in problems))
    return QuestionEntry(_key(question), values, "", choices, [], _("%(line)d행") % {"line": question.line})


def _answers(question):
    """(our kind, accepted answer lines, choices) for a GIFT question's answers: the kind of the
    same name reads them."""
    if question.kind not in KINDS:
        return question.kind, [], []
    return kind_of(question.kind).from_gift(question)


def _target_quiz(lecture, category, quiz_slug):
    slug = quiz_slug or category.rsplit("/", 1)[-1].strip()
    quiz = lecture.quizzes.filter(slug=slug).first() if slug else None
    if quiz is None and quiz_slug:
        raise ContentError(_("이 강의에 없는 퀴즈입니다: %(slug)s") % {"slug": quiz_slug})
    if quiz is None:
        quiz = lecture.quizzes.filter(kind=Quiz.Kind.REVIEW).first()
    if quiz is None:
        raise ContentError(_("%(n)d강에 복습 퀴즈가 없습니다. --quiz로 넣을 퀴즈를 고르세요.") % {"n": lecture.number})
    return quiz


def _check_size(questions, skipped):
    if len(questions) + len(skipped) > MAX_QUESTIONS:
        raise ContentError(
            _("문제가 %(n)s개입니다. 한 번에 %(max)s개까지 가져옵니다: 파일을 나눠 주세요.")
            % {"n": f"{len(questions) + len(skipped):,}", "max": f"{MAX_QUESTIONS:,}"}
        )
    for question in questions:
        if len(question.answers) > MAX_ANSWERS:
            raise ContentError(
                _("%(line)d행: 답이 %(n)s개입니다. 한 문제에 %(max)d개까지 가져옵니다.")
                % {"line": question.line, "n": f"{len(question.answers):,}", "max": MAX_ANSWERS}
            )


class QuizQuestions:
    """A quiz's questions by key, read once with their choices and patterns, and the next free place."""

    def __init__(self, quiz):
        self.quiz = quiz
        questions = quiz.questions.select_related("section").prefetch_related("choices", "patterns")
        self.by_key = {question.key: question for question in questions}
        self.next_order = max((q.order for q in self.by_key.values()), default=0) + 1


def _import_question(question, entry, lecture, target, report):
    existing = target.by_key.get(entry.key)
    if existing:  # GIFT has no place for these: keep what the question had
        order = existing.order
        entry.section = existing.section.slug if existing.section else ""
        entry.patterns = sorted(p.slug for p in existing.patterns.all())
    else:
        order, target.next_order = target.next_order, target.next_order + 1
    changed = report.changed
    _load_question(target.quiz, lecture, entry, order, report, force=False, question=existing)
    if report.changed > changed and (note := kind_of(entry.values["kind"]).gift_note):
        report.lines.append(note % {"line": question.line})


def import_gift(text, *, course, lecture_number, quiz_slug=""):
    """Import a GIFT file's questions into a lecture's quiz (``quiz_slug``, else the quiz its
    $CATEGORY names, else the lecture's review quiz). Returns a GiftReport.

    A fixed number of queries per question, whatever its number of choices: the target quizzes
    and their questions are read once, new choices are written in one query each."""
    if len(text.encode()) > MAX_BYTES:
        raise ContentError(_("파일이 너무 큽니다 (%(n)s바이트까지).") % {"n": f"{MAX_BYTES:,}"})
    try:
        questions, skipped = gift.parse(text)
    except gift.GiftError as error:
        raise ContentError(str(error)) from error
    _check_size(questions, skipped)
    report = GiftReport(skipped=[f"{s.line}행: {s.reason}" for s in skipped])
    with one_content_change(), transaction.atomic():
        lecture = Lecture.objects.filter(course=course, number=lecture_number).first()
        if lecture is None:
            raise ContentError(_("강좌에 %(n)d강이 없습니다.") % {"n": lecture_number})
        seen, targets = {}, {}
        for question in questions:
            try:
                entry = _entry(question)
            except Unsupported as why:
                report.skipped.append(f"{question.line}행: {why}")
                continue
            # One text asked twice in a file (Moodle's own examples do it): the second is "-2".
            seen[entry.key] = seen.get(entry.key, 0) + 1
            if seen[entry.key] > 1:
                entry.key = f"{entry.key[:95]}-{seen[entry.key]}"
            if question.category not in targets:
                quiz = _target_quiz(lecture, question.category, quiz_slug)
                targets[question.category] = next((t for t in targets.values() if t.quiz.pk == quiz.pk), None) or (
                    QuizQuestions(quiz)
                )
            _import_question(question, entry, lecture, targets[question.category], report)
    return report


def export_gift(questions):
    """GIFT text for the questions, and the (question, reason) pairs GIFT cannot express."""
    written, left_out = [], []
    for question in questions:
        try:
            out = _gift_question(question)
            gift.write([out])  # refuses what GIFT cannot say, e.g. a gap at the very end of the text
            written.append(out)
        except (Unsupported, ValueError) as why:
            left_out.append((question, str(why)))
    return gift.write(written), left_out


def _gift_question(question):
    """The GIFT question for ours, as its kind writes it; Unsupported when GIFT cannot say it."""
    out = gift.GiftQuestion(
        line=0,
        name=question.key,
        category=question.quiz.slug,
        format="markdown",
        text=question.prompt,
        general_feedback=question.explanation,
    )
    question.kind_class.to_gift(question, out)
    return out
