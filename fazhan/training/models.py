from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    """The role a person attended a training as (通知六: 党组织书记和培养联系人、入党介绍人)."""

    BRANCH_SECRETARY = "branch_secretary", _("党组织书记")
    CONTACT = "contact", _("培养联系人")
    INTRODUCER = "introducer", _("入党介绍人")


class TrainingSession(models.Model):
    """A training of those who do the work of developing members (业务培训, notice 六): its topic, date and
    hours, the org that held it, and who attended (TRN-STAFF reads the attendance)."""

    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="trainings"
    )
    topic = models.CharField(_("培训主题"), max_length=200)
    date = models.DateField(_("培训日期"))
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("录入人"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-date", "id"]
        verbose_name = _("业务培训")
        verbose_name_plural = _("业务培训")

    def __str__(self) -> str:
        return f"{self.date} {self.topic}"


class Attendance(models.Model):
    """One person's attendance at a session, in the role they attended as."""

    session = models.ForeignKey(
        TrainingSession, verbose_name=_("培训"), on_delete=models.CASCADE, related_name="attendance"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("参训人员"), on_delete=models.PROTECT, related_name="trainings"
    )
    role = models.CharField(_("参训身份"), max_length=20, choices=StaffRole.choices)

    class Meta:
        ordering = ["session", "person__pid"]
        verbose_name = _("参训记录")
        verbose_name_plural = _("参训记录")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="attendance_session_person_unique")
        ]

    def __str__(self) -> str:
        return f"{self.session_id} {self.person_id} {self.role}"


class NegativeItem(models.Model):
    """One item of an org's negative list (政治上不合格的具体清单, notice 四): the notice asks each org to
    draw up its own, so the list is data. An org without items of its own uses its nearest ancestor's; with
    none in the tree, the notice's items (training.selectors.NOTICE_ITEMS)."""

    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="negative_items"
    )
    key = models.SlugField(_("代码"), max_length=40)
    label = models.CharField(_("情形"), max_length=300)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["org__path", "position", "id"]
        verbose_name = _("负面清单项")
        verbose_name_plural = _("负面清单")
        constraints = [models.UniqueConstraint(fields=["org", "key"], name="negative_item_org_key_unique")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.key}"
