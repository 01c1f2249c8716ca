"""Loading content from files without undoing what editors changed in the admin.

Every row loaded from a file remembers a fingerprint of the values it was given
(``source_hash``). When the file is loaded again, a row whose current values no longer
match that fingerprint was edited in the admin since: it is kept as it is and reported,
unless the load is forced. Rows whose values already match are left untouched, so
loading twice changes nothing.
"""

import hashlib
import json

from django.db import models

CREATED, UPDATED, UNCHANGED, KEPT = "created", "updated", "unchanged", "kept"


def fingerprint(values):
    plain = {name: value.pk if isinstance(value, models.Model) else value for name, value in values.items()}
    return hashlib.sha256(json.dumps(plain, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _hashed(values, optional):
    """The values a fingerprint covers: an ``optional`` field left empty is not one, so a row loaded
    before the file format had that field keeps its fingerprint."""
    return {name: value for name, value in values.items() if not (name in optional and value in ("", None))}


def apply(obj, values, *, force=False, extra=None, current_extra=None, before_save=None, optional=()):
    """Give ``obj`` the file's ``values`` and save it; return CREATED, UPDATED, UNCHANGED or KEPT.

    ``extra`` and ``current_extra`` are further things the fingerprint covers that are not
    plain fields (a question's choices, say): as in the file, and as in the database now.
    ``before_save`` runs when the row is about to be written (to set what values cannot express).
    """
    current = _hashed({name: getattr(obj, name, None) for name in values}, optional) | (current_extra or {})
    wanted = fingerprint(_hashed(values, optional) | (extra or {}))
    if obj.pk is not None and not force and obj.source_hash and fingerprint(current) != obj.source_hash:
        return KEPT
    if obj.pk is not None and obj.source_hash == wanted and fingerprint(current) == wanted:
        return UNCHANGED
    created = obj.pk is None
    for name, value in values.items():
        setattr(obj, name, value)
    obj.source_hash = wanted
    if before_save:
        before_save()
    obj.save()
    return CREATED if created else UPDATED
