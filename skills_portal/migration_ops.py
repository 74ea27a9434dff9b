"""Operations shared by migrations that move models between apps (their tables keep their
names; only the migration state and the content types move)."""

from django.db import migrations


def move_content_types(old_app: str, new_app: str, models: list[str]) -> migrations.RunPython:
    """Point the moved models' content types (and so their permissions and admin log entries)
    at the new app; reversible. On a fresh database there are none yet: nothing to do."""

    def move(source, target):
        def run(apps, schema_editor):
            content_type = apps.get_model("contenttypes", "ContentType")
            for model in models:
                if not content_type.objects.filter(app_label=target, model=model).exists():
                    content_type.objects.filter(app_label=source, model=model).update(
                        app_label=target)
        return run

    return migrations.RunPython(move(old_app, new_app), move(new_app, old_app))
