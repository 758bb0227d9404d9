"""One tag per key and workspace, held by the database (its own migration: on PostgreSQL the
merge's deletes leave deferred checks pending, and a table cannot be altered until they run)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0008_tag_key"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="tag",
            name="tag_unique_name",
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.UniqueConstraint(fields=("workspace", "key"), name="tag_unique_key"),
        ),
    ]
