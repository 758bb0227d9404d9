"""Each tag stores its key (`tag_key`: the casefolded name), which 0009 makes unique.

Tags whose names are one key ('Ü' and 'ü', which SQLite's ASCII-only `iexact` let through, or
two concurrent creates) are merged first: per workspace and key the oldest tag stays, the
others' contact, company and ticket links move to it (a record linked to both keeps one link)
and they are deleted. The merge is not undone by reversing the migration.
"""

from collections import defaultdict

from django.db import migrations, models


def _key(name: str) -> str:
    return name.casefold()  # `contacts.models.tag_key`, as of this migration


def _move_links(Tag, survivor: int, others: list[int]) -> None:
    """Every many-to-many link to `others` (contacts, companies, tickets: whichever apps' link
    tables exist at this point of the migration plan) becomes a link to `survivor`."""
    for rel in Tag._meta.related_objects:
        if not rel.many_to_many:
            continue
        through = rel.through
        owner = f"{rel.field.m2m_field_name()}_id"
        tag = f"{rel.field.m2m_reverse_field_name()}_id"
        links = through._base_manager
        moving = links.filter(**{f"{tag}__in": others})
        kept = set(links.filter(**{tag: survivor}).values_list(owner, flat=True))
        wanted = set(moving.values_list(owner, flat=True)) - kept
        links.bulk_create([through(**{owner: pk, tag: survivor}) for pk in sorted(wanted)])
        moving.delete()


def merge_and_key_tags(apps, schema_editor):
    """Merge before writing any key, so no two rows ever hold one (the real models' test runs
    this with the constraint in place)."""
    Tag = apps.get_model("contacts", "Tag")
    tags = Tag._base_manager
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for pk, workspace_id, name in tags.order_by("pk").values_list("pk", "workspace_id", "name"):
        groups[(workspace_id, _key(name))].append(pk)
    for survivor, *others in groups.values():
        if others:
            _move_links(Tag, survivor, others)
            tags.filter(pk__in=others).delete()
    keyed = [Tag(pk=pks[0], key=key) for (_, key), pks in groups.items()]
    tags.bulk_update(keyed, ["key"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0007_contactphone_extension"),
        ("tenancy", "0002_workspace_data_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="tag",
            name="key",
            field=models.CharField(default="", editable=False, max_length=150),
            preserve_default=False,
        ),
        migrations.RunPython(merge_and_key_tags, migrations.RunPython.noop, elidable=True),
    ]
