"""`make demo-accounts`: an editor and a learner with printed passwords, for trying the site."""

import io
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from course.apps import EDITORS_GROUP

pytestmark = pytest.mark.django_db


def demo_accounts():
    """Run the command; the password it printed for each account."""
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    return dict(re.findall(r"^  (demo-\w+)  (\S+)$", out.getvalue(), re.MULTILINE))


def logged_in(username, password):
    """A client after a real login through the login page, or None if the login was refused."""
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    return client if response.status_code == 302 else None


def test_the_command_makes_an_editor_and_a_learner_whose_printed_passwords_log_in():
    passwords = demo_accounts()
    assert set(passwords) == {"demo-editor", "demo-learner"}
    editor, learner = User.objects.get(username="demo-editor"), User.objects.get(username="demo-learner")
    assert editor.is_staff and not editor.is_superuser
    assert list(editor.groups.values_list("name", flat=True)) == [EDITORS_GROUP]
    assert editor.has_perm("course.change_section") and editor.has_perm("quizzes.change_question")
    assert not learner.is_staff and not learner.is_superuser and not learner.groups.exists()
    as_editor = logged_in("demo-editor", passwords["demo-editor"])
    as_learner = logged_in("demo-learner", passwords["demo-learner"])
    assert as_editor and as_learner
    assert as_editor.get(reverse("admin:index")).status_code == 200
    refused = as_learner.get(reverse("admin:index"))
    assert refused.status_code == 302 and refused["Location"].startswith(reverse("admin:login"))
    assert as_learner.get(reverse("learners:dashboard")).status_code == 200


def test_running_it_again_resets_the_passwords_and_keeps_the_accounts():
    first = demo_accounts()
    ids = dict(User.objects.values_list("username", "pk"))
    User.objects.filter(username="demo-learner").update(is_staff=True)  # whatever happened since
    second = demo_accounts()
    assert dict(User.objects.values_list("username", "pk")) == ids
    assert all(first[name] != second[name] for name in first)
    assert not logged_in("demo-editor", first["demo-editor"])
    assert logged_in("demo-editor", second["demo-editor"]) and logged_in("demo-learner", second["demo-learner"])
    assert not User.objects.get(username="demo-learner").is_staff


def test_the_command_needs_the_editors_group_that_migrate_makes():
    Group.objects.filter(name=EDITORS_GROUP).delete()
    with pytest.raises(CommandError, match="migrate"):
        call_command("demo_accounts", stdout=io.StringIO())
    assert not User.objects.exists()
