"""Content revisions (django-reversion): what each one stores, reading them, comparing and reverting.

Every registered model keeps what an editor writes and what identifies a row (``KEPT``); what a
save computes (``*_html``, outlines, timestamps) or what is large and kept elsewhere (a diagram's
image) is left out. A revert therefore goes through the model's ``save()``, which renders the
markdown again and sends the signals that re-index search and make cached pages stale, never
through ``Version.revert()``, which writes the stored row raw.

A model may define ``restore(values, version)`` (a question restores its choices through
``Choice.revise``); otherwise ``restore_fields`` does it. Either checks everything first and raises
``RevertRefused`` naming what is missing, inside the revert's transaction, so a refused revert
changes nothing.
"""

import difflib
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

import reversion
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reversion.models import Version

from core import audit

# Non-editable fields a revision still keeps: the loader's fingerprint, the image's identity,
# a choice's token (what answers and forms name it by) and whether it is retired.
KEPT = ("source_hash", "image_hash", "token", "retired")
CONTEXT_LINES = 2


class RevertRefused(Exception):
    """The revert would point at something deleted since, or break a rule; nothing was changed."""

    def __init__(self, messages):
        super().__init__(" ".join(messages))
        self.messages = list(messages)


def register(model, follow=()):
    """Keep revisions of ``model``: its editable fields and ``KEPT``, not what its save computes."""
    exclude = [f.name for f in model._meta.local_fields + model._meta.local_many_to_many if not stored(f)]
    reversion.register(model, exclude=exclude, follow=follow)


def stored(field):
    return field.editable or field.name in KEPT


def versions_of(obj):
    """The object's versions, oldest first, with who made each revision."""
    return Version.objects.get_for_object(obj).select_related("revision__user").order_by("pk")


# Restoring -------------------------------------------------------------------


def _last_name(model, pk):
    """What a row is called, or was called before it was deleted (its latest version's name)."""
    large = [f.name for f in model._meta.fields if isinstance(f, models.BinaryField)]
    if (obj := model._base_manager.defer(*large).filter(pk=pk).first()) is not None:
        return str(obj)
    registered = reversion.is_registered(model)
    version = Version.objects.get_for_object_reference(model, pk).order_by("-pk").first() if registered else None
    return version.object_repr if version else _("번호 %(pk)s") % {"pk": pk}


def fields_by_attname(model):
    """The model's fields and many-to-many fields by the name a version's ``field_dict`` uses."""
    return {f.attname: f for f in model._meta.fields + model._meta.many_to_many}


def missing_targets(model, values):
    """A message for each foreign key or many-to-many link in ``values`` whose row is gone."""
    messages = []
    fields = fields_by_attname(model)
    for attname, value in values.items():
        field = fields.get(attname)
        if field is None or not field.is_relation or value in (None, []):
            continue
        wanted = set(value) if field.many_to_many else {value}
        found = set(field.related_model._base_manager.filter(pk__in=wanted).values_list("pk", flat=True))
        for pk in sorted(wanted - found):
            messages.append(
                _("%(field)s 「%(name)s」이(가) 지워져서 이 리비전으로 되돌릴 수 없습니다.")
                % {"field": field.verbose_name, "name": _last_name(field.related_model, pk)}
            )
    return messages


def _validation_messages(obj, error):
    if not hasattr(error, "error_dict"):
        return error.messages
    labels = {f.name: f.verbose_name for f in obj._meta.fields}
    return [
        f"{labels[name]}: {message}" if name in labels else message
        for name, messages in error.message_dict.items()
        for message in messages
    ]


def restore_fields(obj, values, *, keep=(), check=None):
    """Give ``obj`` the stored ``values`` (but ``keep``) and save it; raise RevertRefused, before
    writing anything, if a link points at a deleted row or the row would not validate. ``check``
    returns further problems once the values are set (a question's choices)."""
    values = {name: value for name, value in values.items() if name not in keep}
    if problems := missing_targets(type(obj), values):
        raise RevertRefused(problems)
    fields, links = fields_by_attname(type(obj)), {}
    for attname, value in values.items():
        if attname not in fields:
            continue  # a field removed since the revision was stored
        if fields[attname].many_to_many:
            links[fields[attname].name] = value
        else:
            setattr(obj, attname, value)
    try:
        # Not the fields a revision leaves out: a deferred image is not read for nothing.
        obj.full_clean(exclude=[f.name for f in obj._meta.fields if not stored(f)])
    except ValidationError as error:
        raise RevertRefused(_validation_messages(obj, error)) from error
    if check and (problems := check()):
        raise RevertRefused([str(p) for p in problems])
    obj.save()
    for name, pks in links.items():
        getattr(obj, name).set(pks)


def version_number(version):
    """The revision's place in its object's history, counting from 1 (the oldest)."""
    return Version.objects.filter(
        content_type_id=version.content_type_id, object_id=version.object_id, db=version.db, pk__lte=version.pk
    ).count()


def revert(obj, version, *, user):
    """Bring ``obj`` back to ``version`` as a new revision, with an audit entry; returns notes for the
    editor (what was kept). Raises RevertRefused, changing nothing, when it cannot be done."""
    when = date_format(timezone.localtime(version.revision.date_created), "Y-m-d H:i")
    comment = _("리비전 %(number)d(%(when)s)으로 되돌림") % {"number": version_number(version), "when": when}
    with transaction.atomic(), reversion.create_revision():
        restore = getattr(obj, "restore", None)
        notes = restore(version.field_dict, version) if restore else restore_fields(obj, version.field_dict)
        reversion.set_user(user)
        reversion.set_comment(comment)
        reversion.add_to_revision(obj)  # after its links and choices: the revision holds the result
        audit.record(user, audit.Action.REVERTED, obj, detail=comment)
    return notes or []


def revision_versions(version, model, **values):
    """The versions of ``model`` in ``version``'s revision whose stored fields match ``values``
    (a question's choices: ``question=pk``), as (pk, field dict), in their stored order."""
    found = []
    versions = version.revision.version_set.filter(content_type__model=model._meta.model_name)
    for name, value in values.items():
        # Narrowed in the database first (an import's revision holds thousands of choices), then checked exactly.
        versions = versions.filter(serialized_data__contains=f'"{name}": {json.dumps(value)}')
    attnames = {model._meta.get_field(name).attname: value for name, value in values.items()}
    for other in versions.iterator():
        if other._model is model and all(other.field_dict.get(k) == v for k, v in attnames.items()):
            found.append((int(other.object_id), other.field_dict))
    return found


# Imports ---------------------------------------------------------------------


@dataclass
class Import:
    """What an import tells ``imported`` once it has run: whether it changed anything, and its object."""

    changed: bool = False
    obj: models.Model | None = None

    def done(self, changed, obj=None):
        self.changed, self.obj = bool(changed), obj


@contextmanager
def imported(name, *, user=None):
    """One revision for a whole import, named after the file, and one audit entry if it changed
    anything. The caller reports through the yielded ``Import``."""
    result = Import()
    with reversion.create_revision():
        reversion.set_comment(_("가져오기: %(name)s") % {"name": name})
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        yield result
        if result.changed:
            audit.record(user, audit.Action.IMPORTED, result.obj, detail=name)


# Initial revisions -------------------------------------------------------------


def initial_revisions(sender, using="default", **kwargs):
    """After migrate: a first revision for every row of a registered model of ``sender`` that has
    none (content made before revisions, or written in bulk). One revision per model."""
    for model in sender.get_models():
        if not reversion.is_registered(model):
            continue
        known = set(Version.objects.using(using).get_for_model(model).values_list("object_id", flat=True))
        rows = model._base_manager.using(using).order_by("pk")
        if model._meta.model_name == "diagram":
            rows = rows.defer("image")
        missing = [pk for pk in rows.values_list("pk", flat=True) if str(pk) not in known]
        if not missing:
            continue
        with reversion.create_revision(using=using):
            reversion.set_comment(_("처음 리비전"))
            for start in range(0, len(missing), 500):
                for obj in rows.filter(pk__in=missing[start : start + 500]):
                    reversion.add_to_revision(obj, model_db=using)


# Comparing -------------------------------------------------------------------


@dataclass
class Line:
    kind: str  # "same", "removed", "added" or "gap"
    text: str
    # A changed line paired with its counterpart: (text, changed) runs, the changed words marked.
    words: list[tuple[str, bool]] | None = None

    @property
    def segments(self):
        return self.words or [(self.text, False)]

    @property
    def label(self):
        return {"same": _("그대로"), "removed": _("지움"), "added": _("더함"), "gap": _("…")}[self.kind]


@dataclass
class FieldChange:
    label: str
    lines: list[Line] = field(default_factory=list)


def _display(field_, value):
    if value in (None, "", []):
        return ""
    if field_.is_relation:
        pks = value if field_.many_to_many else [value]
        return "\n".join(sorted(_last_name(field_.related_model, pk) for pk in pks))
    if field_.choices:
        return str(dict(field_.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("예") if value else _("아니요")
    return str(value)


def snapshot(model, values, extra=None):
    """The stored ``values`` as text per field label, in field order, plus ``extra`` texts (what
    the model's ``revision_texts`` adds: a question's choices)."""
    fields = fields_by_attname(model)
    texts = {
        str(fields[attname].verbose_name): _display(fields[attname], value)
        for attname, value in values.items()
        # Not a field removed since the revision was stored, nor a fingerprint or token.
        if attname in fields and fields[attname].editable
    }
    return texts | (extra or {})


def current_values(obj):
    """The object's values now, keyed as a version's ``field_dict`` is."""
    values = {}
    for f in obj._meta.local_fields + obj._meta.local_many_to_many:
        if stored(f):
            many = f.many_to_many
            values[f.attname] = (
                sorted(getattr(obj, f.name).values_list("pk", flat=True)) if many else getattr(obj, f.attname)
            )
    return values


def compare(older, newer):
    """The fields that differ between two snapshots, each as a line diff with a little context."""
    changes = []
    for label in dict.fromkeys([*older, *newer]):
        before, after = older.get(label, ""), newer.get(label, "")
        if before != after:
            changes.append(FieldChange(label, diff_lines(before.splitlines(), after.splitlines())))
    return changes


def diff_lines(before, after):
    lines = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for number, group in enumerate(matcher.get_grouped_opcodes(CONTEXT_LINES)):
        if number:
            lines.append(Line("gap", ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(Line("same", text) for text in before[i1:i2])
                continue
            removed = [Line("removed", text) for text in before[i1:i2]]
            added = [Line("added", text) for text in after[j1:j2]]
            for old, new in zip(removed, added, strict=False):  # a replaced line: mark the words it changed
                old.words, new.words = diff_words(old.text, new.text)
            lines.extend(removed + added)
    return lines


def diff_words(before, after):
    """Two versions of a line as (text, changed) runs each; words are split at spaces, so a
    changed particle marks its whole eojeol, which is how Korean is read."""
    a, b = re.split(r"(\s+)", before), re.split(r"(\s+)", after)
    old, new = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        changed = tag != "equal"
        if i2 > i1:
            old.append(("".join(a[i1:i2]), changed))
        if j2 > j1:
            new.append(("".join(b[j1:j2]), changed))
    return _joined(old), _joined(new)


def _joined(runs):
    """Runs with a space between two changed ones counted as changed, and neighbours merged:
    "<mark>새 제목</mark>", not "<mark>새</mark> <mark>제목</mark>"."""
    merged = []
    for index, (text, changed) in enumerate(runs):
        between = 0 < index < len(runs) - 1 and runs[index - 1][1] and runs[index + 1][1]
        changed = changed or (between and not text.strip())
        if merged and merged[-1][1] == changed:
            merged[-1] = (merged[-1][0] + text, changed)
        else:
            merged.append((text, changed))
    return merged


# Reading the history ---------------------------------------------------------


@dataclass
class HistoryRow:
    number: int
    version: Version

    @property
    def revision(self):
        return self.version.revision


def history(obj):
    """The object's revisions, newest first, each with its number (1 is the oldest)."""
    rows = [HistoryRow(number, version) for number, version in enumerate(versions_of(obj), start=1)]
    return rows[::-1]


def texts_of(obj, version=None):
    """The object as text per field label: as ``version`` stored it, or as it is now."""
    values = version.field_dict if version is not None else current_values(obj)
    extra = obj.revision_texts(version) if hasattr(obj, "revision_texts") else None
    return snapshot(type(obj), values, extra)


def changes(obj, version, *, against_current=False):
    """What differs between ``version`` and the one before it (or, ``against_current``, between it
    and the object now): a list of ``FieldChange``."""
    if against_current:
        return compare(texts_of(obj, version), texts_of(obj))
    previous = versions_of(obj).filter(pk__lt=version.pk).last()
    return compare(texts_of(obj, previous) if previous else {}, texts_of(obj, version))
