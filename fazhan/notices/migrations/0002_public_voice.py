"""The public's voice (issue 15): each notice gets its unguessable public address, feedback a channel for the
public page and an optional contact. Existing notices are given a token of their own before it turns unique."""

import secrets

from django.db import migrations, models

import fazhan.notices.models


def fill_tokens(apps, schema_editor):
    Notice = apps.get_model("notices", "Notice")
    for notice in Notice.objects.filter(token__isnull=True).only("pk"):
        notice.token = secrets.token_urlsafe(18)
        notice.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [("notices", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="token",
            field=models.CharField(max_length=32, null=True, editable=False),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="notice",
            name="token",
            field=models.CharField(
                default=fazhan.notices.models.public_token, editable=False, max_length=32, unique=True
            ),
        ),
        migrations.AddField(
            model_name="noticefeedback",
            name="contact",
            field=models.CharField(blank=True, max_length=100, verbose_name="联系方式"),
        ),
        migrations.AlterField(
            model_name="noticefeedback",
            name="channel",
            field=models.CharField(
                choices=[
                    ("phone", "来电"),
                    ("letter", "来信"),
                    ("visit", "来访"),
                    ("online", "网络"),
                    ("public", "网上公示页"),
                    ("other", "其他"),
                ],
                max_length=10,
                verbose_name="反映方式",
            ),
        ),
    ]
