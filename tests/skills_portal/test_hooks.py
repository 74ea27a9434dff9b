"""The hook registry (skills_portal.hooks): how lower layers let upper apps take part."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from skills_portal import hooks

PROVIDERS = {
    "audit": "audit",
    "entry_lock": "reporting",
    "rollup": "progress",
    "month_rolled_up": "dashboard",
    "grid_workbook": "imports",
    "progress": "progress",
    "definitions_changed": "progress",
}


def test_every_hook_is_filled_by_its_app_once_the_apps_are_ready():
    assert {hook.name: hook.provider for hook in hooks.ALL} == PROVIDERS
    for hook in hooks.ALL:
        for name in hook.functions:
            assert callable(getattr(hook, name)), f"{hook.name}.{name}"


def test_the_hooks_call_the_providing_apps_functions():
    from audit import services as audit_services
    from progress import services as progress_services
    from reporting import services as reporting_services

    assert hooks.audit.record is audit_services.record
    assert hooks.entry_lock.assert_entry_open is reporting_services.assert_entry_open
    assert hooks.rollup.mark_for_rollup is progress_services.mark_for_rollup
    assert hooks.definitions_changed.changed is progress_services.definitions_changed


def test_an_unfilled_hook_refuses_to_be_called_rather_than_skipping_silently():
    hook = hooks.Hook("example", "an example", ("run",))
    with pytest.raises(ImproperlyConfigured, match="has no provider"):
        hook.run()
    with pytest.raises(AttributeError):
        hook.not_a_function  # noqa: B018 - the attribute access is what is tested


def test_a_provider_gives_exactly_the_hooks_functions_and_only_one_app_provides():
    hook = hooks.Hook("example", "an example", ("run", "stop"))
    with pytest.raises(ImproperlyConfigured, match="takes exactly"):
        hook.provide(by="one", run=print)
    hook.provide(by="one", run=print, stop=print)
    hook.provide(by="one", run=repr, stop=repr)  # the same app again (a reloaded ready())
    assert hook.run is repr
    with pytest.raises(ImproperlyConfigured, match="already provided by one"):
        hook.provide(by="two", run=print, stop=print)
