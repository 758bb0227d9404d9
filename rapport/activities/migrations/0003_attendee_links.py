"""Links made through attendees are marked (`ActivityContact.via_attendee`), and meetings'
attendee emails get a table of their own (`AttendeeEmail`), filled here from the meetings
already stored.

Links made before this migration stay marked as chosen: which of them came from attendees was
not recorded, so dropping such an attendee keeps its link, as it did before.
"""

import django.db.models.deletion
import django.db.models.manager
from django.db import migrations, models


def attendee_emails_fill(apps, schema_editor):
    """One pass over the meetings (read in chunks), the emails written in batches."""
    Activity = apps.get_model("activities", "Activity")
    AttendeeEmail = apps.get_model("activities", "AttendeeEmail")
    meetings = Activity._base_manager.filter(kind="meeting").order_by("pk")
    batch = []
    for pk, workspace_id, attendees in meetings.values_list(
        "pk", "workspace_id", "attendees"
    ).iterator(chunk_size=2000):
        # `attendees.attendee_emails`, as of this migration
        emails = {a.strip().lower() for a in attendees or [] if isinstance(a, str) and "@" in a}
        batch += [AttendeeEmail(workspace_id=workspace_id, activity_id=pk, email=e) for e in emails]
        if len(batch) >= 2000:
            AttendeeEmail._base_manager.bulk_create(batch)
            batch = []
    AttendeeEmail._base_manager.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ('activities', '0002_segment_covering_indexes'),
        ('tenancy', '0004_time_zone_validators'),
    ]

    operations = [
        migrations.AddField(
            model_name='activitycontact',
            name='via_attendee',
            field=models.BooleanField(default=False),
        ),
        migrations.CreateModel(
            name='AttendeeEmail',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('email', models.CharField(max_length=254)),
                ('activity', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='attendee_emails', to='activities.activity')),
                ('workspace', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.workspace')),
            ],
            options={
                'indexes': [models.Index(fields=['workspace', 'email'], name='attendeeemail_email_idx')],
                'constraints': [models.UniqueConstraint(fields=('activity', 'email'), name='attendeeemail_unique')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('unscoped', django.db.models.manager.Manager()),
            ],
        ),
        migrations.RunPython(attendee_emails_fill, migrations.RunPython.noop),
    ]
