import pytest

from course.tests.builders import make_lecture, make_section
from lti.tests.platform import Platform


@pytest.fixture(scope="module")
def server():
    platform = Platform()
    yield platform
    platform.close()


@pytest.fixture
def platform(server):
    server.register()
    server.scores.clear()
    server.lineitems.clear()
    server.down = 0
    server.roster = []
    return server


@pytest.fixture
def section():
    return make_section(lecture=make_lecture(), title="쿠버네티스")
