"""Matching: pick each term's description; each term matched right earns its share."""

import random

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quizzes import gift
from quizzes.kinds.base import AnswerError, ItemisedKind, chosen, gift_markdown, item, register


@register
class Matching(ItemisedKind):
    name = "matching"
    label = gettext_lazy("짝 짓기")
    position = 70

    def parse(self, question, tokens=(), text="", parts=()):
        tokens = [t for t in tokens if t]
        terms = chosen(question, tokens, among=[c for c in question.choices.all() if c.text])
        if len(set(tokens)) != len(tokens) or len(terms) != sum(1 for c in question.choices.all() if c.text):
            raise AnswerError(_("항목이 빠졌거나 두 번 왔습니다. 페이지를 새로 고친 뒤 다시 답해 주세요."))
        if len(parts) != len(terms) or not all(parts):
            raise AnswerError(_("항목마다 짝을 골라 주세요."))
        if not set(parts) <= {c.pair_token for c in question.choices.all() if c.match}:
            raise AnswerError(_("이 문제의 보기가 아닌 값이 왔습니다. 페이지를 새로 고친 뒤 다시 골라 주세요."))
        return {"choices": terms, "parts": list(parts)}

    def resend(self, question, answer, picked):
        """Each term with its pick, the description found again by its text."""
        given = {item["label"]: item["given"] for item in answer.given}
        pairs = {c.match: c.pair_token for c in question.choices.all() if c.match}
        return {
            "tokens": [choice.token if choice else "" for _record, choice in picked],
            "parts": [pairs.get(given.get(record["plain"]), "") for record, _choice in picked],
        }

    def items(self, question, choices, parts):
        pairs = {c.pair_token: c for c in question.choices.all() if c.match}
        picked = dict(zip((c.pk for c in choices), parts, strict=True))
        return [
            item(term.plain, pairs[picked[term.pk]].match, term.match, pairs[picked[term.pk]].pk == term.pk)
            for term in question.choices.all()
            if term.text
        ]

    def item_problems(self, question, choices):
        texts = [text.strip() for _c, text, _m in choices if text.strip()]
        matches = [match.strip() for _c, _t, match in choices if match.strip()]
        if any(text.strip() and not match.strip() for _c, text, match in choices):
            return [_("짝 짓기 문제의 항목마다 짝을 적어야 합니다 (짝만 있고 항목이 빈 선택지는 오답 보기가 됩니다).")]
        if len(texts) < 2:
            return [_("짝 짓기 문제는 항목과 짝이 두 쌍 이상 있어야 합니다.")]
        if len(set(matches)) != len(matches) or len(set(texts)) != len(texts):
            return [_("짝 짓기 문제에 같은 항목이나 같은 짝이 두 번 있습니다.")]
        return []

    def arrange(self, question, choices, seed, shuffle=True):
        """The terms, and the descriptions to pick from in an order of their own; always shuffled."""
        choices = list(choices)
        pairs = [c for c in choices if c.match]
        choices = [c for c in choices if c.text]
        random.Random(f"{seed}:{question.pk}").shuffle(choices)
        random.Random(f"{seed}:{question.pk}:pairs").shuffle(pairs)
        return choices, pairs

    def solution(self, question):
        return [item(c.plain, "", c.match, False) for c in question.choices.all() if c.text]

    def example_post(self, question):
        terms = [c for c in question.choices.all() if c.text]
        return {"choice": [c.token for c in terms], "part": [c.pair_token for c in terms]}

    def to_gift(self, question, out):
        out.kind = self.name
        out.answers = [gift.GiftAnswer(text=c.text, match=c.match) for c in question.choices.all()]

    def from_gift(self, question):
        return self.name, [], [[gift_markdown(a.text, question.format), False, "", a.match] for a in question.answers]
