"""The lists a plan names, read as data (#26): what the grids, filters, templates, imports and
the API offer and accept is the option set's current content, not a list fixed in code.

- `choices(code)` and `values(code)` are lazy: they read the set when used (cached for a few
  seconds per process, and at once after a change in this process), so a value an
  administrator adds shows in the next page of every process without a restart.
- `check(code, value, month=None)` says why a value is not one of the set's (in Chinese for
  users), or that it is retired for that month.
- `register_usage(code, model, field)`: each app says, in its `ready()`, which fields store a
  set's codes, so that a value in use is retired, never deleted (`usage`).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator

from django.apps import apps
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from skills_portal.memo import Memo

TTL_SECONDS = 3.0
_usages: dict[str, list[tuple[str, str]]] = {}
_counters: dict[str, list] = {}
# The month a page or a save is about: lists offer the values in use then (a retired value
# is still a row of an old month's grid).
_month: contextvars.ContextVar[dt.date | None] = contextvars.ContextVar("option_month",
                                                                        default=None)


@contextlib.contextmanager
def as_of(month: dt.date | None):
    token = _month.set(month)
    try:
        yield
    finally:
        _month.reset(token)


def register_usage(code: str, model: str, field: str) -> None:
    """`model` ("training.TrainingFigure") stores codes of option set `code` in `field`."""
    if (model, field) not in _usages.setdefault(code, []):
        _usages[code].append((model, field))


def register_counter(code: str, counter) -> None:
    """`counter(value) -> (what, how many)` counts other uses of a set's values (an upper app's
    rows that keep codes in JSON, such as indicators' filters)."""
    if counter not in _counters.setdefault(code, []):
        _counters[code].append(counter)


def usages(code: str) -> list[tuple[str, str]]:
    return list(_usages.get(code, []))


def _read_options(code: str) -> list[dict]:
    # The model by name: org.models imports this module (its values' checks).
    option = apps.get_model("org", "Option")
    return list(option.unscoped.filter(option_set__code=code).order_by("position", "pk").values(
        "code", "name", "name_en", "synonyms", "active_from", "active_to", "flag"))


# A value added, renamed or retired is offered by the next page of this process; the others
# re-read within TTL_SECONDS.
_options = Memo(_read_options, seconds=TTL_SECONDS, models=("org.Option", "org.OptionSet"))


def forget() -> None:
    """Drop this process's copy (after a change here; other processes re-read within
    TTL_SECONDS)."""
    _options.forget()


def options(code: str) -> list[dict]:
    """Every value of the set, retired ones too, in order: dicts of code, name, name_en,
    synonyms, active_from, active_to, flag."""
    return _options.get(code)


def _in_use(row: dict, month: dt.date | None) -> bool:
    if month is None:
        month = _month.get()
    if month is None:
        from skills_portal import clock
        month = clock.today()
    month = month.replace(day=1)
    return (row["active_from"] is None or row["active_from"] <= month) and (
        row["active_to"] is None or month <= row["active_to"])


def _label(row: dict) -> str:
    english = (get_language() or "").startswith("en")
    return row["name_en"] if english and row["name_en"] else row["name"]


def set_name(code: str) -> str:
    sets = apps.get_model("org", "OptionSet").unscoped
    return sets.filter(code=code).values_list("name", flat=True).first() or code


class LazyChoices:
    """(code, label) pairs of the values in use today (or in the month of `as_of`), read when
    iterated: stands where a tuple of choices stood (grids, filters, import columns, forms)."""

    def __init__(self, code: str, *, blank: tuple[str, str] | None = None):
        self.code = code
        self.blank = blank

    def _pairs(self) -> list[tuple[str, str]]:
        rows = options(self.code)
        key = (id(rows), get_language(), _month.get())
        if getattr(self, "_memo", (None,))[0] != key:  # an import reads it once per cell
            pairs = [(r["code"], _label(r)) for r in rows if _in_use(r, None)]
            self._memo = (key, [self.blank, *pairs] if self.blank else pairs)
        return self._memo[1]

    def every(self) -> list[tuple[str, str]]:
        """Every value with its label, retired ones too (an import matches them, then checks
        each row's month)."""
        return [(r["code"], _label(r)) for r in options(self.code)]

    def synonyms(self) -> dict[str, str]:
        """{another way of writing a value: its code} (the Excel import matches them)."""
        return {word: r["code"] for r in options(self.code) for word in r["synonyms"] or ()}

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._pairs())

    def __len__(self) -> int:
        return len(self._pairs())

    def __getitem__(self, index):
        return self._pairs()[index]

    def __bool__(self) -> bool:
        return bool(self._pairs())

    def __repr__(self) -> str:
        return f"<choices of {self.code}>"


class LazyValues:
    """The codes of a set (retired ones included: old records keep them), read when used: stands
    where a tuple of allowed values stood (measure dimensions)."""

    def __init__(self, code: str):
        self.code = code

    def _codes(self) -> list[str]:
        return [r["code"] for r in options(self.code)]

    def __iter__(self):
        return iter(self._codes())

    def __contains__(self, value) -> bool:
        return value in self._codes()

    def __len__(self) -> int:
        return len(self._codes())

    def __repr__(self) -> str:
        return f"<values of {self.code}>"


def choices(code: str, **kwargs) -> LazyChoices:
    return LazyChoices(code, **kwargs)


def values(code: str) -> LazyValues:
    return LazyValues(code)


def flagged(code: str) -> frozenset[str]:
    """The codes of the set's marked values (OptionSet.flag_label says what the mark means)."""
    return frozenset(r["code"] for r in options(code) if r["flag"])


def check(code: str, value: str, month: dt.date | None = None) -> str | None:
    """None when `value` is a value of the set in use in `month` (a record's month; None:
    any value not yet retired today); otherwise why not, in the user's words."""
    rows = options(code)
    row = next((r for r in rows if r["code"] == value), None)
    if row is None:
        return _("“%(value)s” is not a valid choice of %(set)s (allowed: %(allowed)s).") % {
            "value": value, "set": set_name(code),
            "allowed": "、".join(r["code"] for r in rows if _in_use(r, month))}
    if not _in_use(row, month):
        return _("%(value)s is not in use in %(month)s (in use %(since)s—%(until)s).") % {
            "value": row["name"], "month": f"{(month or dt.date.today()):%Y-%m}",
            "since": f"{row['active_from']:%Y-%m}" if row["active_from"] else "…",
            "until": f"{row['active_to']:%Y-%m}" if row["active_to"] else "…"}
    return None


def seed(option_set_model, option_model, seeded) -> int:
    """Create the sets and values of `seeded` that are missing (an administrator's changes
    stay); the number of values created. `seeded`: (code, name, TextChoices) or (code, name,
    TextChoices, meaning of the mark, marked values). Takes the models so that migrations pass
    their historical ones."""
    created = 0
    for code, name, choices, *mark in seeded:
        flag_label, marked = mark or ("", ())
        # A migration older than the mark (org 0006) passes models without it.
        set_defaults = {"name": name}
        if flag_label:
            set_defaults["flag_label"] = flag_label
        option_set, _made = option_set_model._default_manager.get_or_create(
            code=code, defaults=set_defaults)
        for position, (value, label) in enumerate(choices.choices, start=1):
            defaults = {"name": str(label), "position": position}
            if value in marked:
                defaults["flag"] = True
            _option, made = option_model._default_manager.get_or_create(
                option_set=option_set, code=value, defaults=defaults)
            created += made
    return created


def load_seeded(seeded) -> None:
    """`seed` with the current models, for the seed loader (a flushed database lacks the
    sets)."""
    if seed(apps.get_model("org", "OptionSet"), apps.get_model("org", "Option"), seeded):
        forget()


def bounded(sets: dict[str, str]) -> dict[str, set[str]]:
    """{field: the codes of its set in use only from or until some month} for `sets` (field →
    option set code): the values whose month must be checked."""
    found = {}
    for field, code in sets.items():
        codes = {r["code"] for r in options(code) if r["active_from"] or r["active_to"]}
        if codes:
            found[field] = codes
    return found


def errors(sets: dict[str, str], values: dict, month: dt.date | None = None) -> dict:
    """{field: why} for the values of `sets` (field → option set code) that are not in their
    set as it stands for `month`; blank values are left to the field's own rules."""
    found = {}
    for field, code in sets.items():
        value = values.get(field)
        message = value and check(code, value, month)
        if message:
            found[field] = message
    return found


def with_labels(model):
    """Class decorator: `get_<field>_display()` for each field of `model.OPTION_SETS` prints the
    option's name (what Django gives a field with fixed choices)."""
    for field, code in model.OPTION_SETS.items():
        def display(self, field=field, code=code) -> str:
            return label(code, getattr(self, field))
        setattr(model, f"get_{field}_display", display)
    return model


def usage(code: str, value: str) -> str:
    """Where records use `value` of set `code` ("培训统计 12 条、指标 1 个"), or ""."""
    parts = []
    for model_label, field in usages(code):
        model = apps.get_model(model_label)
        manager = getattr(model, "unscoped", model._default_manager)
        count = manager.filter(**{field: value}).count()
        if count:
            parts.append(f"{model._meta.verbose_name} {count}")
    for counter in _counters.get(code, []):
        label, count = counter(value)
        if count:
            parts.append(f"{label} {count}")
    return "、".join(parts)


def label(code: str, value: str) -> str:
    """The name a page prints for a stored code (the code itself when the set lacks it)."""
    row = next((r for r in options(code) if r["code"] == value), None)
    return _label(row) if row else value


def in_use_message(option) -> str:
    """Why `option` cannot be deleted, or "" when nothing uses it."""
    used = usage(option.option_set.code, option.code)
    if not used:
        return ""
    return _("%(value)s is in use (%(used)s): it cannot be deleted. Retire it instead by "
             "setting the last month it is in use.") % {"value": option.name, "used": used}
