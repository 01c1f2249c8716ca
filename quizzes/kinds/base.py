"""What every question kind shares, and the registry the kinds enter (``register``).

A kind is one class in its own module of this package (Moodle's ``question/type/<qtype>/``):
how a POST is read, how an answer is marked, how a definition is checked, how its choices are
shown, how it maps to and from GIFT, and what the item analysis counts for it. ``Question``
keeps the data and asks its kind (``Question.kind_class``); nothing else asks which kind it is.
"""

import random
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core import files
from quizzes import gift

KINDS = {}  # name → the kind's one instance, in the order the kinds were registered

TYPED_ANSWER_LENGTH = 200  # a typed answer or cloze blank: the form, the check and the stored column

NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
RANGE_RE = re.compile(rf"\s*({NUMBER})\s*(?:(?:±|\+-|\+/-)\s*({NUMBER})|\.\.\s*({NUMBER}))?\s*")
WEIGHT_RE = re.compile(r"\s*%(\d{1,3}(?:\.\d+)?)%\s*")
BLANK_RE = re.compile(r"\{(\d{1,2})\}")
MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")


def register(cls):
    """Class decorator: enter the kind in ``KINDS`` under its ``name``, in the order of ``position``."""
    kinds = sorted({**KINDS, cls.name: cls()}.items(), key=lambda pair: pair[1].position)
    KINDS.clear()
    KINDS.update(kinds)
    return cls


class AnswerError(Exception):
    """Input that cannot be recorded; the message is shown next to the question."""


class Unsupported(Exception):
    """A GIFT question we would grade differently from Moodle: skipped, with the reason."""


def numeric_range(line):
    """(low, high) from "3", "99.7±0.05" or "3.141..3.142"; None if the line is none of these."""
    match = RANGE_RE.fullmatch(line)
    if not match:
        return None
    value = float(match[1])
    if match[2] is not None:
        return value - abs(float(match[2])), value + abs(float(match[2]))
    if match[3] is not None:
        return min(value, float(match[3])), max(value, float(match[3]))
    return value, value


def weighted(line):
    """(share of the point, answer) for an accepted line: "%50% 1822±2" earns half; a plain line all of it."""
    match = WEIGHT_RE.match(line)
    return (float(match[1]) / 100, line[match.end() :]) if match else (1.0, line)


NUMBER_WITH_UNIT_RE = re.compile(rf"({NUMBER})([^\W\d]{{1,12}}|%)?")


def split_number(text):
    """(value, unit) of a typed number with an optional counter or unit after it ("1개", "3 pods",
    "99.7 %"): width-folded, spaces and thousands commas allowed, the unit case-folded; None otherwise."""
    text = unicodedata.normalize("NFKC", text or "").replace(" ", "").replace(",", "")
    match = NUMBER_WITH_UNIT_RE.fullmatch(text)
    return (float(match[1]), (match[2] or "").casefold()) if match else None


def parse_number(text):
    """A typed number, whatever counter or unit follows it; None if it is not one."""
    number = split_number(text)
    return number[0] if number else None


def same_unit(typed, unit):
    """Whether a typed unit is the question's: the same letters, or the English plural ("pods")."""
    unit = unicodedata.normalize("NFKC", unit).replace(" ", "").casefold()
    return typed in (unit, unit + "s", unit + "es")


def normalise_answer(text):
    """Fold width, case, whitespace and punctuation so "Ｋubernetes ", "kubernetes" compare equal."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch)[0] in "PS"))


def gift_markdown(text, text_format):
    """GIFT text as our markdown: markdown as it is, plain text escaped, HTML and Moodle's
    auto-format kept (the pipeline sanitises HTML when the question is saved)."""
    if text_format != "plain":
        return text.strip()
    return gift.GAP.join(MARKDOWN_SPECIALS.sub(r"\\\1", part) for part in text.split(gift.GAP)).strip()


def item(label, given, expected, right):
    """One item of an ordering, matching or cloze answer, as kept on the answer for its feedback.
    ``label`` is the matching term; positions and blanks are named when shown (``item_name``),
    in the reader's language."""
    return {"label": label, "given": given, "expected": expected, "right": bool(right)}


@dataclass
class Mark:
    """How right an answer is: ``credit`` from 0 to 1, and per item (ordering, matching, cloze) what was given."""

    credit: float
    items: list = field(default_factory=list)

    @property
    def is_correct(self):
        return self.credit >= 1


def check_typed(text):
    text = (text or "").strip()
    if len(text) > TYPED_ANSWER_LENGTH:
        raise AnswerError(_("답이 너무 깁니다. %(n)d자 안으로 적어 주세요.") % {"n": TYPED_ANSWER_LENGTH})
    if any(unicodedata.category(char) == "Cc" for char in text):  # NUL and the like: PostgreSQL refuses them
        raise AnswerError(_("답에 쓸 수 없는 제어 문자가 들어 있습니다. 글자만 적어 주세요."))
    return text


def chosen(question, tokens, among=None):
    """The question's choices for the posted tokens, in the order posted. ``among`` narrows them
    to the role the tokens are posted as (a matching term, never a description or a distractor)."""
    by_token = {c.token: c for c in (question.choices.all() if among is None else among)}
    if any(t not in by_token for t in tokens):
        raise AnswerError(_("이 문제의 선택지가 아닌 값이 왔습니다. 페이지를 새로 고친 뒤 다시 골라 주세요."))
    return [by_token[t] for t in tokens]


def blank_choice(choices):
    """The message for a definition with a choice without text, or None."""
    if any(not text.strip() for _c, text, _m in choices):
        return _("내용이 빈 선택지가 있습니다.")
    return None


class Kind:
    """A question kind. Subclasses set ``name`` and ``label`` and fill in what differs.

    ``counts`` says what the item analysis counts for it: "choices" (how often each choice was
    picked), "typed" (the answers given, most given first) or "items" (per item, how many got it
    right). ``itemised`` kinds are marked item by item and reviewed so."""

    name = ""
    label = ""
    position = 100  # where the kind is listed among the others
    counts = "choices"
    itemised = False
    has_choices = True  # answered by picking among the question's choices, not by typing
    has_blanks = False  # its prompt keeps a GIFT missing-word gap as a blank of its own ({1})
    gift_note = ""  # a line for the GIFT import report when a question of this kind is imported

    def __str__(self):
        return str(self.label)

    @property
    def template(self):
        """The kind's template: its form (``part`` "form") and its review (``part`` "review")."""
        return f"quizzes/kinds/_{self.name}.html"

    def prompt(self, question):
        """The prompt's HTML as a learner reads it."""
        return question.prompt_html

    def bank_choices(self, entry, where):
        """The choices of a question bank entry (``quizzes.loader``): [text, correct, feedback[, match]]."""
        tables = files.tables(entry, "choice", where, shown="quiz.question.choice")
        # The match is listed only when there is one, so that choices of other kinds keep the
        # fingerprint they were loaded with (core.sync).
        return [
            [
                files.text(c, "text", place),
                files.boolean(c, "correct", place, default=False),
                files.text(c, "feedback", place),
                *filter(None, [files.text(c, "match", place)]),
            ]
            for c, place in tables
        ]

    def parse(self, question, tokens=(), text="", parts=()):
        """The POST as ``mark`` takes it (choices in the order posted, text, parts); AnswerError when
        it cannot be graded."""
        raise NotImplementedError

    def mark(self, question, *, choices=(), text="", parts=()):
        """The answer's ``Mark``."""
        raise NotImplementedError

    def problems(self, question, choices):
        """Messages for (is_correct, text, match) choices that cannot make the question gradable."""
        raise NotImplementedError

    def resend(self, question, answer, picked):
        """An answer given to an older version, as ``parse`` reads a POST to this one, for a regrade.
        ``picked``: (the choice as the answer kept it, the current choice standing for it or None)."""
        return {"tokens": [choice.token if choice else "" for _record, choice in picked]}

    def arrange(self, question, choices, seed, shuffle=True):
        """(choices, pairs) in the order shown; by default the choices shuffled from the secret seed."""
        choices = list(choices)
        if shuffle:
            random.Random(f"{seed}:{question.pk}").shuffle(choices)
        return choices, []

    def solution(self, question):
        """The right answer item by item, for an itemised question left unanswered."""
        return [item("", "", c.plain, False) for c in question.choices.all()]

    def item_name(self, number, label):
        """What an item is called in the reader's language: a position, a blank, or the matching term."""
        return label

    def choice_label(self, text):
        """A choice's stored text (or an answer's ``given``) as a reader reads it, when the kind
        names its choices itself (true/false: "참" reads "True" in English); None for text an
        author wrote, shown as written, in the content's language."""
        return None

    def item_count(self, question, choices):
        return len(choices)

    def example_post(self, question):
        """A wholly right answer as the form posts it: for tests and load runs."""
        raise NotImplementedError

    def to_gift(self, question, out):
        """Fill in the GIFT question ``out`` (its text, name and feedback already set); Unsupported
        when GIFT has no way to say it."""
        raise Unsupported(
            _("GIFT에는 이런 문제(%(kind)s)를 적을 방법이 없습니다.") % {"kind": question.get_kind_display()}
        )

    def from_gift(self, question):
        """(our kind's name, accepted answer lines, choices) for a GIFT question of this kind."""
        raise Unsupported(_("GIFT에는 이런 문제(%(kind)s)를 적을 방법이 없습니다.") % {"kind": self.label})


class ChoiceKind(Kind):
    """Answered by picking choices; all or nothing."""

    many = False  # more than one choice may be picked
    shuffles = True

    def parse(self, question, tokens=(), text="", parts=()):
        tokens = [t for t in tokens if t]
        if not tokens:
            raise AnswerError(_("답을 골라 주세요."))
        choices = chosen(question, set(tokens))
        if not self.many and len(choices) > 1:
            raise AnswerError(_("하나만 골라 주세요."))
        return {"choices": choices}

    def mark(self, question, *, choices=(), text="", parts=()):
        return Mark(float({c.pk for c in choices} == {c.pk for c in question.choices.all() if c.is_correct}))

    def problems(self, question, choices):
        if blank := blank_choice(choices):
            return [blank]
        if len(choices) < 2:
            return [_("선택지가 두 개 이상 있어야 합니다.")]
        return self.right_problems(sum(1 for is_correct, _text, _match in choices if is_correct))

    def right_problems(self, right):
        """Messages for a definition with ``right`` right choices."""
        if right != 1:
            return [
                _("하나 고르기와 참/거짓 문제는 정답 선택지가 정확히 하나여야 합니다 (지금 %(n)d개).") % {"n": right}
            ]
        return []

    def arrange(self, question, choices, seed, shuffle=True):
        return super().arrange(question, choices, seed, shuffle and self.shuffles)

    def example_post(self, question):
        return {"choice": [c.token for c in question.choices.all() if c.is_correct]}


class TypedKind(Kind):
    """Answered by typing one line, marked against the accepted answers (each may earn a share)."""

    counts = "typed"
    has_choices = False
    no_choices = ""  # the message for a definition that has choices
    rule = ""  # the message for accepted answers this kind cannot read

    def parse(self, question, tokens=(), text="", parts=()):
        text = check_typed(text)
        if not text:
            raise AnswerError(_("답을 입력해 주세요."))
        self.check_value(question, text)
        return {"text": text}

    def resend(self, question, answer, picked):
        return {"text": answer.text}

    def check_value(self, question, text):
        """Raise AnswerError when a non-empty answer cannot be this kind's."""

    def key_shown(self, question):
        """The right answer as a learner reads it after answering: the canonical one, the first
        accepted in full, not every spelling the marking forgives."""
        return next((answer for share, answer in map(weighted, question.accepted_list) if share >= 1), "")

    def mark(self, question, *, choices=(), text="", parts=()):
        return Mark(
            max(
                (share for share, answer in map(weighted, question.accepted_list) if self.matches(answer, text)),
                default=0.0,
            )
        )

    def matches(self, accepted, text):
        given = normalise_answer(text)
        return bool(given) and given == normalise_answer(accepted)

    def problems(self, question, choices):
        if blank := blank_choice(choices):
            return [blank]
        if choices:
            return [self.no_choices]
        if not self.readable(question):
            return [self.rule]
        shares = [share for share, _answer in map(weighted, question.accepted_list)]
        if not any(share >= 1 for share in shares) or any(share > 1 or share <= 0 for share in shares):
            return [
                _(
                    "정답으로 인정할 답 가운데 하나는 온전한 정답이어야 하고, 부분 점수(%50%)는 0보다 크고 100% 이하여야 합니다."
                )
            ]
        return []

    def readable(self, question):
        """Whether the accepted answers say what this kind needs."""
        return bool(question.accepted_list)

    def example_answer(self, question):
        """A right answer as a learner would type it."""
        full = [answer for share, answer in map(weighted, question.accepted_list) if share >= 1]
        return full[0] if full else ""

    def example_post(self, question):
        return {"text": self.example_answer(question)}

    def from_gift(self, question):
        # A partly right answer keeps its share: "%50% 1822±2" (weighted).
        accepted = [
            (f"%{a.weight:g}% " if a.weight < 100 else "") + self.gift_line(a)
            for a in sorted(question.answers, key=lambda a: -a.weight)
            if a.weight > 0
        ]
        return self.name, accepted, []

    def gift_line(self, answer):
        return answer.text.strip()


class ItemisedKind(Kind):
    """Several items, each earning its share of the point."""

    counts = "items"
    itemised = True

    def mark(self, question, *, choices=(), text="", parts=()):
        items = self.items(question, choices, parts)
        return Mark(sum(item["right"] for item in items) / len(items), items)

    def items(self, question, choices, parts):
        """Each item as given and marked (``item``)."""
        raise NotImplementedError

    def problems(self, question, choices):
        if question.accepted_list:
            return [_("순서 맞추기와 짝 짓기 문제는 '정답으로 인정할 답'을 비워 둡니다.")]
        return self.item_problems(question, choices)

    def item_problems(self, question, choices):
        raise NotImplementedError
