from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One row per state change or access to personal data. Append-only: nothing updates or deletes it.

    `hash` chains each row to the one before it (SHA-256 of the previous hash and this row's content, its
    time included), so a row removed, edited or back-dated afterwards breaks the chain where it happened;
    `fazhan verifytrail` walks it (auditlog.selectors.trail_verify).

    `digest` is the keyed digest of the declared fields of the record the event wrote (its target, when
    its model is registered: auditlog.registry), `seal` the root over the further records it wrote
    (AuditSeal rows). Both join the hash when set, so events written before them hash as they always did.
    """

    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT
    )
    action = models.CharField(_("操作"), max_length=60, db_index=True)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=60, blank=True)
    org_path = models.CharField(max_length=500, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    digest = models.CharField(max_length=64, blank=True, default="")
    seal = models.CharField(max_length=64, blank=True, default="")
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"


class AuditSeal(models.Model):
    """One record an event wrote besides its target, with the digest of its declared fields then: a bulk
    write (forms received into stock, a generated district, the baseline of an upgraded database) is one
    event sealing many records. The event's `seal` is the root over its rows, in id order
    (auditlog.registry.seal_root), so a row added, edited or removed here breaks that event's hash."""

    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="seals")
    model = models.CharField(max_length=60)
    target_id = models.BigIntegerField()
    digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "model", "target_id"], name="auditseal_one_per_record")
        ]

    def __str__(self) -> str:
        return f"#{self.event_id} {self.model}:{self.target_id}"
