"""Reads of the training app, always scoped by the user."""

from org.access import VIEW

from .models import TrainingCarrier


def carrier_list(user):
    return TrainingCarrier.objects.for_user(user).select_related("org_unit", "department")


def carrier_for(user, pk: int, action: str = VIEW) -> TrainingCarrier:
    """Raises TrainingCarrier.DoesNotExist outside the user's scope."""
    return TrainingCarrier.objects.for_user(user, action).select_related(
        "org_unit", "department").get(pk=pk)
