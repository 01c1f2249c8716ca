"""Moodle's GIFT question format, read and written in plain Python (no models, no database).

GIFT is the text format teachers use to move questions in and out of Moodle; its reference is
https://docs.moodle.org/en/GIFT_format. Questions are separated by blank lines; ``//`` lines are comments,
``$CATEGORY: path`` lines set the category of the questions after them, and a question is
``::name::[format]text {answers} more text``.

``parse`` is all-or-nothing: a malformed file (an unclosed ``{``, a stray ``}``, an unclosed ``::name``)
raises ``GiftError`` naming the line, so a caller never imports half a file. A well-formed item our site
cannot grade (an essay, a description, a form this module does not read) comes back as ``Skipped`` with a
reason in Korean, never guessed at. ``write`` is the inverse: ``parse(write(questions))`` gives the same
questions, with every special character escaped again.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from core.files import clean_text

FORMATS = ("moodle", "html", "markdown", "plain")
GAP = "{1}"  # where a missing-word question's answer block stood in its text
KINDS = ("single", "multiple", "true_false", "short", "numeric", "matching")


@dataclass
class GiftAnswer:
    text: str = ""  # the answer; for numeric answers, the value as written ("3.14:0.01", "3.141..3.142", "3")
    weight: float = 100.0  # percent of the mark
    feedback: str = ""
    match: str = ""  # matching: the right-hand side; ``text`` is the left one (empty for a distractor)
    low: float | None = None  # numeric: the accepted range
    high: float | None = None


@dataclass
class GiftQuestion:
    line: int  # where the question starts in the file, 1-based
    name: str = ""
    category: str = ""
    format: str = "moodle"
    kind: str = ""
    text: str = ""  # for a missing-word question (gap=True), GAP marks the answer block's place
    gap: bool = False
    answers: list[GiftAnswer] = field(default_factory=list)
    truth: bool | None = None  # true_false
    feedback_true: str = ""  # true_false: shown to a learner who answers "true"
    feedback_false: str = ""  # ... and to one who answers "false"
    general_feedback: str = ""


@dataclass
class Skipped:
    line: int
    reason: str


class GiftError(ValueError):
    """A malformed file; the message names the line and says what is wrong, in Korean."""

    def __init__(self, line, message):
        super().__init__(f"{line}행: {message}")
        self.line = line


class _Unsupported(Exception):
    """A well-formed item this module will not read: it becomes a Skipped with this reason."""


def parse(text: str) -> tuple[list[GiftQuestion], list[Skipped]]:
    """The questions of a GIFT file and the items skipped; raises GiftError if the file is malformed."""
    _reject_surrogates(text)
    questions, skipped, category = [], [], ""
    for chunk in _chunks(text):
        while chunk and chunk[0][1].strip().startswith("$CATEGORY:"):
            category = chunk[0][1].strip().removeprefix("$CATEGORY:").strip()
            chunk = chunk[1:]
        if not chunk:
            continue
        source = _Source(chunk)
        try:
            questions.append(_read_question(source, category))
        except _Unsupported as why:
            skipped.append(Skipped(source.numbers[0], str(why)))
    return questions, skipped


# Reading: escapes -------------------------------------------------------------------------------------

# While the structure is read, each escaped character stands in as a lone surrogate: decoded text can never
# contain one, so the stand-ins never collide with what the author wrote (see _reject_surrogates).
_ESCAPED = re.compile(r"\\([\\~=#{}:n])")
_STAND_IN = {char: chr(0xD800 + i) for i, char in enumerate("\\~=#{}:n")}
_UNESCAPE = {ord(stand_in): "\n" if char == "n" else char for char, stand_in in _STAND_IN.items()}


def _hide_escapes(text):
    return _ESCAPED.sub(lambda match: _STAND_IN[match[1]], text)


def _show(text):
    return text.translate(_UNESCAPE)


def _reject_surrogates(text):
    if found := re.search("[\ud800-\udfff]", text):
        raise GiftError(text.count("\n", 0, found.start()) + 1, "UTF-8로 읽을 수 없는 문자가 있습니다.")


# Reading: file structure ------------------------------------------------------------------------------


def _chunks(text):
    """Groups of (line number, line) between blank lines, comment lines left out."""
    chunk = []
    lines = clean_text(text).split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            if chunk:
                yield chunk
            chunk = []
        elif not line.lstrip().startswith("//"):
            chunk.append((number, line))
    if chunk:
        yield chunk


class _Source:
    """One question's lines joined, escapes hidden, with the file line of any position."""

    def __init__(self, chunk):
        self.numbers = [number for number, _line in chunk]
        self.text = _hide_escapes("\n".join(line for _number, line in chunk))

    def line_at(self, position):
        return self.numbers[self.text.count("\n", 0, position)]


_FORMAT = re.compile(r"\[(moodle|html|markdown|plain)\]")
_BRACE = re.compile("[{}]")


def _read_question(source, category):
    start = len(source.text) - len(source.text.lstrip())
    name, position = _read_name(source, start)
    blocks = _find_blocks(source, position)
    if not blocks:
        raise _Unsupported("답 블록 {…} 이 없는 설명 글이라 문제로 가져오지 않고 건너뜁니다.")
    if len(blocks) > 1:
        raise _Unsupported("답 블록 {…} 이 둘 이상인 문제(Cloze 형식)는 읽지 않고 건너뜁니다.")
    open_at, close_at = blocks[0]
    question_format, before = _read_format(source.text[position:open_at])
    after = source.text[close_at + 1 :]
    gap = bool(after.strip())
    text = _show((before + GAP + after if gap else before).strip())
    if not text:
        raise _Unsupported("문제 글이 비어 있어 건너뜁니다.")
    question = GiftQuestion(
        line=source.numbers[0], name=name, category=category, format=question_format, text=text, gap=gap
    )
    _read_block(source.text[open_at + 1 : close_at], question)
    return question


def _read_name(source, start):
    """The ``::name::`` at the start, if any, and where the rest begins."""
    if not source.text.startswith("::", start):
        return "", start
    end = source.text.find("::", start + 2)
    if end < 0:
        raise GiftError(source.line_at(start), "문제 이름을 여는 :: 를 닫는 :: 가 없습니다.")
    return _show(source.text[start + 2 : end].strip()), end + 2


def _find_blocks(source, position):
    """(start, end) of each ``{…}``; a stray, nested or unclosed brace is a malformed file."""
    blocks, open_at = [], None
    for brace in _BRACE.finditer(source.text, position):
        at = brace.start()
        if brace[0] == "{" and open_at is not None:
            raise GiftError(source.line_at(at), "앞의 { 가 닫히기 전에 { 가 또 나옵니다. 글자 { 는 \\{ 로 씁니다.")
        if brace[0] == "}" and open_at is None:
            raise GiftError(source.line_at(at), "여는 { 없이 } 가 나옵니다. 글자 } 는 \\} 로 씁니다.")
        if brace[0] == "{":
            open_at = at
        else:
            blocks.append((open_at, at))
            open_at = None
    if open_at is not None:
        raise GiftError(source.line_at(open_at), "{ 를 닫는 } 가 없습니다 (문제 사이의 빈 줄 앞에서 닫아야 합니다).")
    return blocks


def _read_format(text):
    stripped = text.lstrip()
    if match := _FORMAT.match(stripped):
        return match[1], stripped[match.end() :]
    return "moodle", text


def _part(raw, question_format):
    """An answer or feedback, unescaped. Moodle lets each part carry its own [format]; we keep one per question."""
    raw = raw.strip()
    if match := _FORMAT.match(raw):
        if match[1] != question_format:
            raise _Unsupported(f"답이나 피드백에 문제와 다른 형식 [{match[1]}] 이 붙어 있어 건너뜁니다.")
        raw = raw[match.end() :].strip()
    return _show(raw)


# Reading: the answer block ----------------------------------------------------------------------------

_TRUTH = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_MARK = re.compile(r"([=~])")
_WEIGHT = re.compile(r"%\s*(-?\d+(?:\.\d+)?)\s*%")


def _read_block(block, question):
    answers, has_general, general = block.partition("####")
    question.general_feedback = _part(general, question.format) if has_general else ""
    body = answers.strip()
    if not body:
        raise _Unsupported("서술형(에세이) 문제는 채점할 수 없어 건너뜁니다.")
    if body.startswith("#"):
        _read_numeric(body[1:], question)
    elif body.partition("#")[0].strip().upper() in _TRUTH:
        _read_true_false(body, question)
    else:
        _read_answers(body, question)


def _unknown(body):
    return _Unsupported(f"알 수 없는 형식이라 건너뜁니다: {{{_show(body)}}}")


def _read_true_false(body, question):
    word, *feedback = body.split("#")
    if word.strip() not in _TRUTH:
        raise _Unsupported(f"참/거짓은 {{T}}, {{TRUE}}, {{F}}, {{FALSE}} 처럼 대문자로 씁니다: {{{_show(body)}}}")
    if len(feedback) > 2:
        raise _unknown(body)
    wrong, right = [_part(text, question.format) for text in feedback] + [""] * (2 - len(feedback))
    question.kind = "true_false"
    question.truth = _TRUTH[word.strip()]
    # GIFT gives the feedback for a wrong answer first, then for a right one.
    question.feedback_true, question.feedback_false = (right, wrong) if question.truth else (wrong, right)


def _split_answers(body):
    """(mark, text, feedback) for each answer. Text before the first mark is one more "=" answer, as Moodle
    reads it (``{four}`` is a short answer), except beside "~" choices, where it has no clear meaning."""
    lead, *rest = _MARK.split(body)
    marked = list(zip(rest[::2], rest[1::2], strict=True))
    if lead.strip():
        if "~" in rest:
            raise _unknown(body)
        marked.insert(0, ("=", lead))
    return [(mark, *raw.partition("#")[::2]) for mark, raw in marked]


def _read_answers(body, question):
    answers = _split_answers(body)
    if any("->" in text for _mark, text, _feedback in answers):
        _read_matching(body, answers, question)
    elif any(mark == "~" for mark, _text, _feedback in answers):
        _read_choice(answers, question)
    else:
        _read_short(answers, question)


def _weight(mark, text):
    """An answer's weight and the rest of its text: "=" is worth 100%, "~" nothing, unless a %weight% says."""
    text = text.strip()
    if not (match := _WEIGHT.match(text)):
        return (100.0 if mark == "=" else 0.0), text
    if not -100 <= float(match[1]) <= 100:
        raise _Unsupported(f"가중치 {match[1]}% 는 -100%에서 100% 사이여야 합니다.")
    return float(match[1]), text[match.end() :].strip()


def _weighted(mark, text, feedback, question_format):
    """A choice or typed answer."""
    weight, text = _weight(mark, text)
    answer = GiftAnswer(_part(text, question_format), weight, _part(feedback, question_format))
    if not answer.text:
        raise _Unsupported("내용이 빈 답이 있어 건너뜁니다.")
    return answer


def _read_choice(marked, question):
    answers = [_weighted(*answer, question.format) for answer in marked]
    full = sum(1 for answer in answers if answer.weight == 100)
    positive = [answer.weight for answer in answers if answer.weight > 0]
    if len(answers) < 2:
        raise _Unsupported("선택지가 하나뿐인 선택형 문제라 건너뜁니다.")
    if not positive:
        raise _Unsupported("정답이 없는 선택형 문제라 건너뜁니다.")
    if full == 1:
        question.kind = "single"
    elif full == 0 and abs(sum(positive) - 100) < 0.01:
        question.kind = "multiple"  # Moodle's multiple answer: the right answers' weights add up to 100%
    else:
        raise _Unsupported(
            "100%인 정답이 하나도 아니고, 양수 가중치의 합이 100%도 아니어서 "
            "하나 고르기로도 모두 고르기로도 읽을 수 없어 건너뜁니다."
        )
    question.answers = answers


def _read_short(marked, question):
    answers = [_weighted(*answer, question.format) for answer in marked]
    if not any(answer.weight == 100 for answer in answers):
        raise _Unsupported("100%로 인정하는 답이 없는 단답형 문제라 건너뜁니다.")
    if any(answer.weight < 0 for answer in answers):
        raise _Unsupported("단답형 답의 가중치는 0%에서 100% 사이여야 합니다.")
    question.kind, question.answers = "short", answers


def _read_matching(body, marked, question):
    if any(mark == "~" for mark, _text, _feedback in marked):
        raise _Unsupported(f"짝 맞추기(->)와 선택지(~)가 섞여 있어 건너뜁니다: {{{_show(body)}}}")
    answers = []
    for _mark, text, feedback in marked:
        left, arrow, right = text.partition("->")
        if not arrow or not right.strip():
            raise _Unsupported(f"짝 맞추기의 모든 답은 '=왼쪽 -> 오른쪽' 꼴이어야 합니다: {_show(text.strip())}")
        answers.append(
            GiftAnswer(
                text=_part(left, question.format),
                match=_part(right, question.format),
                feedback=_part(feedback, question.format),
            )
        )
    if sum(1 for answer in answers if answer.text) < 2:
        raise _Unsupported("짝 맞추기는 짝이 둘 이상 있어야 합니다 (왼쪽이 빈 짝은 헛답입니다).")
    question.kind, question.answers = "matching", answers


_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_TOLERANCE = re.compile(rf"({_NUMBER})\s*:\s*({_NUMBER})")
_RANGE = re.compile(rf"({_NUMBER})\s*\.\.\s*({_NUMBER})")


def _numeric_range(spec):
    """(low, high) from "3.14:0.01", "3.141..3.142" or "3"; None if ``spec`` is none of these."""
    if match := _TOLERANCE.fullmatch(spec):
        value, tolerance = Decimal(match[1]), Decimal(match[2])
        return (float(value - tolerance), float(value + tolerance)) if tolerance >= 0 else None
    if match := _RANGE.fullmatch(spec):
        low, high = Decimal(match[1]), Decimal(match[2])
        return (float(low), float(high)) if low <= high else None
    if re.fullmatch(_NUMBER, spec):
        return float(spec), float(spec)
    return None


def _read_numeric(body, question):
    if "~" in body:
        raise _Unsupported("수치 문제의 ~ 답(틀린 답 전체에 주는 피드백)은 지원하지 않아 건너뜁니다.")
    answers = []
    for mark, text, feedback in _split_answers(body):
        weight, spec = _weight(mark, text)
        bounds = _numeric_range(spec)  # read with escapes still hidden: an escaped ":" is no tolerance
        if bounds is None:
            raise _Unsupported(f"수치 문제의 답을 숫자로 읽을 수 없어 건너뜁니다: {_show(spec)}")
        answers.append(GiftAnswer(spec, weight, _part(feedback, question.format), low=bounds[0], high=bounds[1]))
    if not answers:
        raise _Unsupported("답이 없는 수치 문제라 건너뜁니다.")
    if not any(answer.weight == 100 for answer in answers):
        raise _Unsupported("100%로 인정하는 답이 없는 수치 문제라 건너뜁니다.")
    if any(answer.weight < 0 for answer in answers):
        raise _Unsupported("수치 답의 가중치는 0%에서 100% 사이여야 합니다.")
    question.kind, question.answers = "numeric", answers


# Writing ----------------------------------------------------------------------------------------------


def write(questions: list[GiftQuestion]) -> str:
    """GIFT text for ``questions``; raises ValueError for what GIFT cannot say (see _refuse)."""
    items, category = [], ""
    for question in questions:
        if question.category != category:
            items.append(_write_category(question.category))
            category = question.category
        items.append(_write_question(question))
    return "\n\n".join(items) + "\n" if items else ""


def _refuse(question, why):
    raise ValueError(f"GIFT로 쓸 수 없는 문제입니다 ({question.name or question.text[:40]!r}): {why}")


def _write_category(category):
    if category != category.strip() or "\n" in category:
        raise ValueError(f"분류 이름은 앞뒤 공백 없는 한 줄이어야 합니다: {category!r}")
    return f"$CATEGORY: {category}" if category else "$CATEGORY:"


def _escape(text):
    return re.sub(r"[\\~=#{}:]", r"\\\g<0>", text).replace("\n", "\\n")


def _write_part(text, question_format):
    """An escaped answer or feedback; one that looks like it starts with a [format] gets the question's
    own in front, which the reader takes off again."""
    return (f"[{question_format}]" if _FORMAT.match(text) else "") + _escape(text)


def _write_question(question):
    if question.kind not in KINDS:
        _refuse(question, f"알 수 없는 종류 {question.kind!r}")
    before, after = question.text, ""
    if question.gap:
        if question.text.count(GAP) != 1 or not question.text.partition(GAP)[2].strip():
            _refuse(question, f"빈칸 문제의 글에는 {GAP} 가 하나 있고 그 뒤에 글이 이어져야 합니다.")
        before, _gap, after = question.text.partition(GAP)
    elif not question.text.strip():
        _refuse(question, "문제 글이 비어 있습니다.")
    name = f"::{_escape(question.name)}::" if question.name else ""
    # A [format] in front also keeps text that starts with "//" from being read as a comment line.
    shown_format = question.format != "moodle" or _FORMAT.match(before) or (not name and before.startswith("//"))
    prefix = f"[{question.format}]" if shown_format else ""
    space = "" if question.gap else " "
    return f"{name}{prefix}{_escape(before)}{space}{_write_block(question)}{_escape(after)}"


def _write_block(question):
    fmt = question.format
    general = f" ####{_write_part(question.general_feedback, fmt)}" if question.general_feedback else ""
    if question.kind == "true_false":
        if question.truth is None:
            _refuse(question, "참/거짓 문제에 정답(truth)이 없습니다.")
        right, wrong = question.feedback_true, question.feedback_false
        if not question.truth:
            right, wrong = wrong, right
        feedback = f"#{_write_part(wrong, fmt)}" if wrong or right else ""
        feedback += f"#{_write_part(right, fmt)}" if right else ""
        return f"{{{'TRUE' if question.truth else 'FALSE'}{feedback}{general}}}"
    lines = [_write_answer(question, answer) for answer in question.answers]
    if general:
        lines.append(general.strip())
    opening = "{#" if question.kind == "numeric" else "{"
    if len(lines) == 1:
        return f"{opening}{lines[0]}}}"
    return opening + "\n" + "".join(f"    {line}\n" for line in lines) + "}"


def _write_answer(question, answer):
    fmt = question.format
    feedback = f" #{_write_part(answer.feedback, fmt)}" if answer.feedback else ""
    if question.kind == "matching":
        if "->" in answer.text:
            _refuse(question, f"짝 맞추기의 왼쪽에는 -> 를 쓸 수 없습니다: {answer.text!r}")
        return f"={_write_part(answer.text, fmt)} -> {_write_part(answer.match, fmt)}{feedback}"
    if question.kind == "numeric":
        text = answer.text or _range_text(question, answer)
        if _numeric_range(text) is None:
            _refuse(question, f"수치 답으로 읽을 수 없습니다: {text!r}")
    elif "->" in answer.text:
        _refuse(question, f"-> 가 든 답은 짝 맞추기로 읽힙니다: {answer.text!r}")
    else:
        text = _write_part(answer.text, fmt)
    typed = question.kind in ("short", "numeric")
    mark, default = ("=", 100) if typed or answer.weight == 100 else ("~", 0)
    # A text that starts with "%" gets its weight written out, so the reader cannot take the text for one.
    weight = f"%{_number(answer.weight)}%" if answer.weight != default or text.startswith("%") else ""
    return f"{mark}{weight}{text}{feedback}"


def _range_text(question, answer):
    """A numeric answer built by a caller from its bounds alone."""
    if answer.low is None or answer.high is None:
        _refuse(question, "수치 답에 값도 범위도 없습니다.")
    if answer.low == answer.high:
        return _number(answer.low)
    return f"{_number(answer.low)}..{_number(answer.high)}"


def _number(value):
    """The shortest decimal that reads back as the same float, without exponent notation."""
    text = format(Decimal(repr(float(value))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
