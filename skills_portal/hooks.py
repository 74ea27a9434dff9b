"""Extension points: how a lower layer lets an upper one take part in its work without
importing it (docs/architecture.md).

A hook is a named slot with a fixed set of functions. The upper app that implements it fills it
in its `AppConfig.ready()` (`hooks.audit.provide(record=..., ...)`); the lower layer calls
`hooks.audit.record(...)`. A hook nobody filled is an error when called, never a silent no-op:
a save must not skip its audit entry or its lock check because an app was left out.
`tests/skills_portal/test_hooks.py` checks that every hook is filled once the apps are ready.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured


class Hook:
    def __init__(self, name: str, purpose: str, functions: tuple[str, ...]):
        self.name = name
        self.purpose = purpose
        self.functions = functions
        self.provider: str | None = None
        self._impl: dict[str, Callable] = {}

    def provide(self, *, by: str, **functions: Callable) -> None:
        """Fill the hook (once, from the providing app's ready()) with every one of its
        functions."""
        if set(functions) != set(self.functions):
            raise ImproperlyConfigured(
                f"Hook {self.name!r} takes exactly {sorted(self.functions)}; "
                f"{by} gave {sorted(functions)}.")
        if self.provider is not None and self.provider != by:
            raise ImproperlyConfigured(
                f"Hook {self.name!r} is already provided by {self.provider}; {by} cannot "
                "provide it too.")
        self.provider = by
        self._impl = dict(functions)

    @property
    def filled(self) -> bool:
        return self.provider is not None

    def __getattr__(self, name: str) -> Callable:
        if name.startswith("_") or name not in self.functions:
            raise AttributeError(name)
        try:
            return self._impl[name]
        except KeyError:
            raise ImproperlyConfigured(
                f"Hook {self.name!r} ({self.purpose}) has no provider: is its app installed?"
            ) from None

    def __repr__(self):
        return f"<Hook {self.name} by {self.provider or 'nobody'}>"


audit = Hook(
    "audit", "the audit trail of every write (audit app)",
    ("record", "record_change", "snapshot", "stored_snapshot", "change_row", "record_many",
     "key_texts"),
)
entry_lock = Hook(
    "entry_lock", "approved months and closed entry windows refuse writes (reporting app)",
    ("assert_record_open", "assert_entry_open", "entry_problems", "locked_cells",
     "record_cells"),
)
rollup = Hook(
    "rollup", "changed figures mark their unit-months for the roll-up (progress app)",
    ("mark_for_rollup",),
)
month_rolled_up = Hook(
    "month_rolled_up", "what follows the roll-up of a finished month: the bulletins "
    "(dashboard app), queued for a worker or, from the roll-up command, issued at once",
    ("month_rolled_up", "issue_now"),
)
grid_workbook = Hook(
    "grid_workbook", "an entry grid's month as a workbook to fill in offline (imports app)",
    ("grid_workbook",),
)

progress = Hook(
    "progress", "the latest progress of targets, for pages below the roll-up (progress app)",
    ("latest_of",),
)

definitions_changed = Hook(
    "definitions_changed", "a target, a decomposition or an indicator changed: the months "
    "already rolled up with the old definition are rolled up again (progress app); "
    "changed(plan_ids=…, months=(first, last), why='target' | 'decomposition' | 'indicator')",
    ("changed",),
)

ALL = (audit, entry_lock, rollup, month_rolled_up, grid_workbook, progress, definitions_changed)
