from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicantsConfig(AppConfig):
    name = "fazhan.applicants"
    verbose_name = _("网上入党申请")

    def ready(self) -> None:
        from fazhan.applicants.models import Applicant, InviteCode, Submission
        from fazhan.auditlog.registry import trail_register

        # Every code, registration and submission carries its row's digest in the trail (verifytrail). Left
        # out: the PIN's hash, the sign-in epoch and the failed tries (they move with every sign-in, which is
        # not an event), the phone (a person's, as people leaves it out) and the photo (its SHA-256 stands).
        trail_register(
            InviteCode,
            fields=("org", "digest", "hint", "issued_by", "issued_at", "expires_at", "used_at"),
            names={"org": "org__code", "hint": "hint"},
        )
        trail_register(
            Applicant,
            fields=(
                *("org", "code", "name", "id_number_key", "birth_date", "gender", "ethnicity"),
                *("education", "occupation", "registered_at", "person"),
            ),
            names={"name": "name", "org": "org__code"},
        )
        trail_register(
            Submission,
            fields=(
                *("applicant", "text", "photo_sha256", "submitted_at", "state", "step_record"),
                *("return_reason", "decided_by", "decided_at"),
            ),
            names={"applicant": "applicant__name", "submitted_at": "submitted_at"},
        )
