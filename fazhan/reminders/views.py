from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fazhan.core.forms import form_to_service
from fazhan.reminders.forms import PreferenceForm
from fazhan.reminders.selectors import preference_for
from fazhan.reminders.services import reminder_preference_set


def reminder_settings(request):
    """提醒设置: the user's own choice of the daily digest; nobody else's can be reached from here."""
    preference = preference_for(request.user)
    initial = {"email_digest": preference.email_digest, "message_digest": preference.message_digest}
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST":
        saved = form_to_service(
            form,
            lambda data: reminder_preference_set(
                actor=request.user, email_digest=data["email_digest"], message_digest=data["message_digest"]
            ),
        )
        if saved:
            messages.success(request, _("提醒设置已保存。"))
            return redirect("reminders:settings")
    return render(request, "reminders/settings.html", {"form": form, "email": request.user.email})
