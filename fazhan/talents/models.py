"""Key talents (重点人才, the 2018 notice's 五 高知识群体): key units and key persons marked as such,
the separate plan line reserved for them (单列计划), the party leaders assigned to them
(“一对一”“多对一”联系服务) and the leaders' dated contacts. Marks and links end by a date, never by
deletion: the trail keeps every act."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitCategory(models.TextChoices):
    """The kinds of key unit the notice names: 人才富集的高等院校、科研机构、高新技术企业."""

    UNIVERSITY = "university", _("高等院校")
    INSTITUTE = "institute", _("科研院所")
    HIGH_TECH = "high_tech", _("高新技术企业")


class PersonCategory(models.TextChoices):
    """The kinds of key person the notice names (重点培养对象)."""

    TALENT_PROGRAM = "talent_program", _("人才计划入选者")
    LAB_HEAD = "lab_head", _("国家重点实验室负责人")
    ACADEMIC_LEADER = "academic_leader", _("学术带头人")
    HIGH_SKILL = "high_skill", _("高技能人才")
    ENTREPRENEUR = "entrepreneur", _("创业领军人")


class ContactWay(models.TextChoices):
    VISIT = "visit", _("走访面谈")
    TALK = "talk", _("谈心谈话")
    PHONE = "phone", _("电话联系")
    MEETING = "meeting", _("座谈交流")
    OTHER = "other", _("其他")


class KeyUnit(models.Model):
    """An org marked a key unit (重点单位) from `since`; unmarked, `until` is the last day it was one."""

    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("单位党组织"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("类别"), max_length=20, choices=UnitCategory.choices)
    since = models.DateField(_("确定日期"))
    until = models.DateField(_("取消日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    marked_by = models.ForeignKey(
        "accounts.User", verbose_name=_("确定人"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    unmarked_by = models.ForeignKey(
        "accounts.User", verbose_name=_("取消人"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["org__path", "since", "pk"]
        verbose_name = _("重点单位")
        verbose_name_plural = _("重点单位")
        constraints = [
            models.UniqueConstraint(
                fields=["org"], condition=models.Q(until__isnull=True), name="key_unit_one_current"
            )
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.category}"


class KeyPerson(models.Model):
    """A person marked a key person (重点培养对象) from `since`; unmarked, `until` is the last day."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="talent_marks"
    )
    category = models.CharField(_("类别"), max_length=20, choices=PersonCategory.choices)
    since = models.DateField(_("确定日期"))
    until = models.DateField(_("取消日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    marked_by = models.ForeignKey(
        "accounts.User", verbose_name=_("确定人"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    unmarked_by = models.ForeignKey(
        "accounts.User", verbose_name=_("取消人"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["person__org__path", "since", "pk"]
        verbose_name = _("重点培养对象")
        verbose_name_plural = _("重点培养对象")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(until__isnull=True), name="key_person_one_current"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.category}"


class TalentPlan(models.Model):
    """单列计划: how many of an org's quota for a year are reserved for key persons (TAL-PLAN)."""

    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    reserved = models.PositiveIntegerField(_("单列计划数"))
    set_by = models.ForeignKey(
        "accounts.User", verbose_name=_("填报人"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["year", "org__path"]
        verbose_name = _("高知识群体单列计划")
        verbose_name_plural = _("高知识群体单列计划")
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="talent_plan_org_year_unique")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.year}: {self.reserved}"


class LeaderLink(models.Model):
    """A party leader (党员领导干部, a full member) assigned to a key person from `start` to `end` (open while
    current). One leader may have several key persons, and a key person several leaders (一对一、多对一)."""

    key = models.ForeignKey(
        KeyPerson, verbose_name=_("重点培养对象"), on_delete=models.PROTECT, related_name="links"
    )
    leader = models.ForeignKey(
        "people.Person", verbose_name=_("联系领导干部"), on_delete=models.PROTECT, related_name="+"
    )
    start = models.DateField(_("联系开始日期"))
    end = models.DateField(_("联系结束日期"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        "accounts.User", verbose_name=_("确定人"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["key_id", "start", "pk"]
        verbose_name = _("联系领导干部")
        verbose_name_plural = _("联系领导干部")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "leader"], condition=models.Q(end__isnull=True), name="leader_link_one_current"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key_id} ← {self.leader_id}"


class Contact(models.Model):
    """One dated contact of a leader with a key person (联系服务记录), recorded under the leader's link."""

    link = models.ForeignKey(
        LeaderLink, verbose_name=_("联系"), on_delete=models.PROTECT, related_name="contacts"
    )
    date = models.DateField(_("联系日期"))
    way = models.CharField(_("联系方式"), max_length=20, choices=ContactWay.choices)
    note = models.CharField(_("联系内容"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", verbose_name=_("登记人"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("联系服务记录")
        verbose_name_plural = _("联系服务记录")

    def __str__(self) -> str:
        return f"{self.link_id} {self.date}"
