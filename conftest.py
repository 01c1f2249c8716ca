"""Shared fixtures."""

import pytest


@pytest.fixture
def shipped_course(db):
    """The course shipped in content/, loaded the way `make run` loads it."""
    from django.core.management import call_command

    call_command("load_course", verbosity=0, stdout=open("/dev/null", "w"))
    from course.models import Course

    return Course.objects.get(slug="cloud-native-patterns")
