"""Pin every answer given before question versions existed to a version: one per distinct
content the answers of a question were shown (``Answer.shown``), numbered by when first answered."""

import hashlib
import json

from django.db import migrations


def content_of(shown):
    records = {record["token"]: record for record in shown.get("choices", []) + shown.get("pairs", [])}
    key = shown.get("key") or list(records)
    ordered = [records[token] for token in key if token in records]
    ordered += [record for token, record in records.items() if token not in key]
    return {
        "kind": shown["kind"],
        "prompt": shown["prompt"],
        "explanation": shown["explanation"],
        "accepted": shown["accepted"],
        "choices": ordered,
    }


def pin(apps, schema_editor):
    QuestionVersion = apps.get_model("quizzes", "QuestionVersion")
    answers = [
        *apps.get_model("quizzes", "Answer").objects.filter(version=None).exclude(shown={}),
        *apps.get_model("learners", "ReviewAnswer").objects.filter(version=None).exclude(shown={}),
    ]
    versions = {}  # (question, digest) → version
    for answer in sorted(answers, key=lambda a: (a.answered_at, a.pk)):
        question_id = answer.question_id if hasattr(answer, "question_id") else answer.card.question_id
        content = content_of(answer.shown)
        digest = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        if (question_id, digest) not in versions:
            number = 1 + sum(1 for q, _d in versions if q == question_id)
            versions[question_id, digest] = QuestionVersion.objects.create(
                question_id=question_id, number=number, content=content, content_hash=digest
            )
        answer.version = versions[question_id, digest]
        answer.save(update_fields=["version"])


class Migration(migrations.Migration):
    dependencies = [("learners", "0010_question_versions")]

    operations = [migrations.RunPython(pin, migrations.RunPython.noop)]
