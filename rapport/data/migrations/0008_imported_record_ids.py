"""An undo record holds a list of ids: each existing record becomes a list of its one id."""

from django.db import migrations, models


def ids_listed(apps, schema_editor):
    table = schema_editor.quote_name("data_importedrecord")
    array = "jsonb_build_array" if schema_editor.connection.vendor == "postgresql" else "json_array"
    schema_editor.execute(f"UPDATE {table} SET object_ids = {array}(object_id)")


class Migration(migrations.Migration):
    dependencies = [
        ("data", "0007_import_undo_progress"),
    ]

    operations = [
        migrations.AddField(
            model_name="importedrecord",
            name="object_ids",
            field=models.JSONField(default=list),
        ),
        migrations.RunPython(ids_listed),
        migrations.RemoveField(
            model_name="importedrecord",
            name="object_id",
        ),
    ]
