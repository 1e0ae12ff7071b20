from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fazhan.core.models import TimeStampedModel
from fazhan.people.choices import (
    ETHNICITY_CHOICES,
    DisciplineKind,
    Education,
    Gender,
    KinRelation,
    MemberRole,
    Occupation,
    PartyStatus,
)
from fazhan.people.cipher import EncryptedIdNumberField, SealedDateField, SealedTextField
from fazhan.people.idnumber import birth_month_of


class Person(TimeStampedModel):
    """A person known to the record: a candidate on the way in, or an existing member.

    The ID number is stored with a keyed digest (`id_number_key`) that every look-up uses, with a keyed
    digest of its last four characters for search (`id_tail_key`), and with whether it passes procedure.md
    F (`id_number_valid`); the number itself is encrypted at rest with SM4 (people.cipher), so the column
    can never be queried: people.identity is the one place that looks a number up. What the number gives
    away — birth date, sex — and the household place (which names the county) are SM4-sealed too; only the
    birth year-month is kept in clear, for the statistics (README, security: the table field by field).
    """

    pid = models.CharField(_("人员编号"), max_length=40, unique=True)
    name = models.CharField(_("姓名"), max_length=60)
    name_initials = models.CharField(max_length=60, db_index=True, editable=False)
    id_number = EncryptedIdNumberField(_("身份证号"))
    id_number_key = models.CharField(max_length=64, unique=True, editable=False)
    id_tail_key = models.CharField(max_length=64, db_index=True, editable=False, default="")
    # The verdict of procedure.md F on the number when it was stored (people.identity sets both): the
    # whole-tree inspection reads ELIG-NAT from it instead of decrypting every number of a district.
    id_number_valid = models.BooleanField(default=True, editable=False)
    gender = SealedTextField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = SealedDateField(_("出生日期"))
    birth_month = models.CharField(_("出生年月"), max_length=7, blank=True, db_index=True, editable=False)
    ethnicity = models.CharField(_("民族"), max_length=10, choices=ETHNICITY_CHOICES, default="汉族")
    education = models.CharField(_("学历"), max_length=10, choices=Education.choices)
    occupation = models.CharField(_("职业"), max_length=20, choices=Occupation.choices)
    tags = models.JSONField(_("重点群体"), default=list, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    household_place = SealedTextField(_("户籍所在地"), max_length=200, blank=True)
    residence = models.CharField(_("现居住地"), max_length=200, blank=True)
    # What the forms ask of a person (发展党员工作预审表, 志愿书 draft, 纪实表): read by no rule.
    work_unit = models.CharField(_("工作单位"), max_length=200, blank=True)
    position = models.CharField(_("职务"), max_length=100, blank=True)
    native_place = models.CharField(_("籍贯"), max_length=100, blank=True)
    work_started_on = models.DateField(_("参加工作时间"), null=True, blank=True)
    floating = models.BooleanField(_("流动人员"), default=False)
    front_line = models.BooleanField(_("生产、工作一线"), default=False)
    league_member = models.BooleanField(_("共青团员"), default=False)
    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("所在党组织"), on_delete=models.PROTECT, related_name="persons"
    )
    work_unit_org = models.ForeignKey(
        "organizations.Org",
        verbose_name=_("工作单位党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    planned_departure = models.DateField(_("计划离开单位日期"), null=True, blank=True)
    party_status = models.CharField(_("党员身份"), max_length=20, choices=PartyStatus.choices, blank=True)
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    full_since = models.DateField(_("转正日期"), null=True, blank=True)

    class Meta:
        ordering = ["org__path", "name_initials", "pid"]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(party_status="") | models.Q(joined_on__isnull=False),
                name="member_has_joined_on",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.pid}）"

    def save(self, *args, **kwargs):
        self.birth_month = birth_month_of(self.birth_date)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "birth_date" in update_fields:
            kwargs["update_fields"] = {*update_fields, "birth_month"}
        super().save(*args, **kwargs)

    @property
    def is_member(self) -> bool:
        return bool(self.party_status)


class PersonRole(models.Model):
    """A role a member holds in the org they belong to (支部书记, 支委, 组织员, 党委委员)."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("职务"), max_length=30, choices=MemberRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "role"], name="person_role_unique")]

    def __str__(self) -> str:
        return f"{self.person.name} {self.get_role_display()}"


class Kinship(models.Model):
    """A declared kinship: `b` is `a`'s <relation>. Feeds the 近亲繁殖 detectors."""

    a = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="kin_declared"
    )
    b = models.ForeignKey(Person, verbose_name=_("亲属"), on_delete=models.CASCADE, related_name="kin_of")
    relation = models.CharField(_("关系"), max_length=20, choices=KinRelation.choices)

    class Meta:
        verbose_name = _("亲属关系")
        verbose_name_plural = _("亲属关系")
        constraints = [
            models.UniqueConstraint(fields=["a", "b", "relation"], name="kinship_unique"),
            models.CheckConstraint(condition=~models.Q(a=models.F("b")), name="kinship_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.a.name} — {self.b.name}（{self.get_relation_display()}）"


class DisciplineRecord(models.Model):
    """An investigation or sanction with its dates (the register VIO-DISCIPLINE reads)."""

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="discipline_records"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=DisciplineKind.choices)
    date_from = models.DateField(_("开始日期"))
    date_to = models.DateField(_("结束日期"), null=True, blank=True)
    rights_restored_on = models.DateField(_("恢复党员权利日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["date_from"]
        verbose_name = _("纪律记录")
        verbose_name_plural = _("纪律记录")
        constraints = [
            models.UniqueConstraint(fields=["person", "date_from", "kind"], name="discipline_unique"),
            models.CheckConstraint(
                condition=models.Q(date_to__isnull=True) | models.Q(date_to__gte=models.F("date_from")),
                name="discipline_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.get_kind_display()} {self.date_from}"


class Transfer(models.Model):
    """A person moved from one org to another. With the materials transferred, the cultivation clock keeps
    counting (Art.12); without them it starts again at the move (TGT-1YEAR)."""

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="transfers"
    )
    date = models.DateField(_("转接日期"))
    from_org = models.ForeignKey(
        "organizations.Org", verbose_name=_("转出组织"), on_delete=models.PROTECT, related_name="+"
    )
    to_org = models.ForeignKey(
        "organizations.Org", verbose_name=_("转入组织"), on_delete=models.PROTECT, related_name="+"
    )
    materials_transferred = models.BooleanField(_("材料已随转"), default=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        constraints = [models.UniqueConstraint(fields=["person", "date"], name="transfer_person_date_unique")]

    def __str__(self) -> str:
        return f"{self.person.name} {self.from_org.code}→{self.to_org.code} {self.date}"


class PersonPhoto(models.Model):
    """A person's photo for the 全程纪实表 (optional): re-encoded on upload as a JPEG of at most 2-inch size
    at 300 dpi, which drops whatever the original file carried beside the picture (EXIF, location)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="photo")
    image = models.BinaryField(_("照片"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("人员照片")
        verbose_name_plural = _("人员照片")

    def __str__(self) -> str:
        return f"{self.person_id} {self.sha256[:12]}"
