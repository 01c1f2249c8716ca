import importlib
from functools import partial

from django.db import migrations

# The same reading as course's migration, for the questions' and choices' markdown.
course_migration = importlib.import_module("course.migrations.0003_reference_uses")
FIELDS = {"question": ["prompt", "explanation"], "choice": ["text", "feedback"]}


class Migration(migrations.Migration):
    dependencies = [
        ("course", "0003_reference_uses"),
        ("quizzes", "0009_learner_owned"),
    ]

    operations = [
        migrations.RunPython(
            partial(course_migration.record_uses, app_label="quizzes", fields=FIELDS), migrations.RunPython.noop
        ),
    ]
