"""The question kinds, one module each, and the registry they enter (``KINDS``, ``kind_of``).

Adding a kind is adding a module to this package (a class decorated with ``register``) and its
template ``templates/quizzes/kinds/_<name>.html``: every module here is imported below."""

import importlib
import pkgutil

from quizzes.kinds.base import KINDS, AnswerError, Kind, Unsupported, register

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["KINDS", "AnswerError", "Kind", "Unsupported", "kind_of", "register"]


def kind_of(name):
    """The kind registered under ``name`` (a question's ``kind``); KeyError for one that is not."""
    return KINDS[name]
