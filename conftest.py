"""Shared fixtures."""

import pytest


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty shared cache (pages, fragments, content version)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def shipped_course(db):
    """The course shipped in content/, loaded the way `make run` loads it."""
    from django.core.management import call_command

    call_command("load_course", verbosity=0, stdout=open("/dev/null", "w"))
    from course.models import Course

    return Course.objects.get(slug="cloud-native-patterns")


@pytest.fixture
def editor(client):
    """A staff member in the content editors group (not a superuser), logged in on ``client``."""
    from django.contrib.auth.models import Group, User

    from course.apps import EDITORS_GROUP

    user = User.objects.create_user("editor", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    client.force_login(user)
    return user


def client_for_learner(token):
    """A test client whose session already carries a visitor's learner token."""
    from django.test import Client

    client = Client()
    session = client.session
    session["learner"] = token
    session.save()
    client.cookies["sessionid"] = session.session_key
    return client


def read_lesson(client, section):
    """What a browser does to show a lesson: the page's GET, then the visit beacon's POST."""
    from django.urls import reverse

    response = client.get(section.get_absolute_url())
    client.post(reverse("learners:section-visit", args=[section.pk]), headers={"HX-Request": "true"})
    return response
