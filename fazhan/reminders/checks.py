"""A reminder channel named in the settings but unknown, or the webhook without its address or secret, is
refused at start-up (`fazhan check`, every command), not found out at the first morning's send."""

from django.conf import settings
from django.core import checks

from fazhan.reminders.channels import CHANNELS


@checks.register()
def reminder_channels_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for name in settings.FAZHAN_REMINDER_CHANNELS:
        if name not in CHANNELS:
            errors.append(
                checks.Error(
                    f"FAZHAN_REMINDER_CHANNELS names {name!r}, not a reminder channel",
                    hint=f"known channels: {', '.join(sorted(CHANNELS))}",
                    id="reminders.E001",
                )
            )
    if "webhook" in settings.FAZHAN_REMINDER_CHANNELS and not (
        settings.FAZHAN_REMINDER_WEBHOOK_URL and settings.FAZHAN_REMINDER_WEBHOOK_SECRET
    ):
        errors.append(
            checks.Error(
                "the webhook channel needs FAZHAN_REMINDER_WEBHOOK_URL and FAZHAN_REMINDER_WEBHOOK_SECRET",
                id="reminders.E002",
            )
        )
    return errors
