import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('marketing', '0002_subscriptionrequest'),
        ('sequences', '0002_enter_segment'),
    ]

    operations = [
        migrations.AddField(
            model_name='sequence',
            name='enter_list',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='+', to='marketing.staticlist'),
        ),
    ]
