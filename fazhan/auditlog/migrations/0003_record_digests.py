# Events carry the keyed digest of the records they wrote (issue 11, item 5). Both new columns join an
# event's hash only when set, so every event written before this migration hashes as it always did: no
# re-chaining. The rows stored before it enter the trail once, through the baseline that `fazhan migrate`
# writes afterwards (auditlog.services.trail_baseline, run on post_migrate).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('auditlog', '0002_event_time_hashed'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='digest',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='seal',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.CreateModel(
            name='AuditSeal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('model', models.CharField(max_length=60)),
                ('target_id', models.BigIntegerField()),
                ('digest', models.CharField(max_length=64)),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='seals', to='auditlog.auditevent')),
            ],
            options={
                'ordering': ['id'],
                'constraints': [models.UniqueConstraint(fields=('event', 'model', 'target_id'), name='auditseal_one_per_record')],
            },
        ),
    ]
