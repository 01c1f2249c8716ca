"""What the LTI tool adds to a class page its staff see: the LMS course it came from and its roster."""

from classes.models import MANAGING_ROLES
from lti.models import ContextClass


def roster(request, klass, role):
    found = ContextClass.objects.select_related("context").filter(klass=klass).first()
    if found is None:
        return None
    return {"template": "lti/_roster.html", "context_class": found, "manages": role in MANAGING_ROLES}
