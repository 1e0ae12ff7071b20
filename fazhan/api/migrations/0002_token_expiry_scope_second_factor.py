import datetime

from django.conf import settings
from django.db import migrations, models


def expire_existing(apps, schema_editor):
    """Tokens made before expiry existed run out FAZHAN_API_TOKEN_DAYS after they were made."""
    ApiToken = apps.get_model("api", "ApiToken")
    days = datetime.timedelta(days=settings.FAZHAN_API_TOKEN_DAYS)
    for token in ApiToken.objects.all().only("pk", "created_at"):
        ApiToken.objects.filter(pk=token.pk).update(expires_at=token.created_at + days)


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="有效期至"),
        ),
        migrations.RunPython(expire_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(editable=False, verbose_name="有效期至"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="read_only",
            field=models.BooleanField(default=False, verbose_name="只读"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="second_factor",
            field=models.BooleanField(default=False, editable=False, verbose_name="经两步验证"),
        ),
    ]
