from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

ORG_CODE_VALIDATOR = RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9_-]*$", _("组织代码只能包含字母、数字、-和_。"))


class OrgKind(models.TextChoices):
    PROVINCIAL_COMMITTEE = "provincial_committee", _("省委")
    DISTRICT_COMMITTEE = "district_committee", _("区委")
    COMMITTEE = "committee", _("基层党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    TEMPORARY_BRANCH = "temporary_branch", _("临时党支部")


class OrgCategory(models.TextChoices):
    TOWNSHIP = "township", _("乡镇")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    ORGAN = "organ", _("机关")
    INSTITUTION = "institution", _("事业单位")
    SOE = "soe", _("国有企业")
    PRIVATE_ENTERPRISE = "private_enterprise", _("非公有制企业")
    SOCIAL_ORG = "social_org", _("社会组织")
    SCHOOL = "school", _("学校")
    FLOATING = "floating", _("流动党员")
    OTHER = "other", _("其他")


# Which kind may sit under which: the tree (provincial committee →) district committee → committee → general
# branch → branch. A province's districts sit under its committee; a district alone is a root.
ALLOWED_PARENT_KINDS: dict[str, set[str | None]] = {
    OrgKind.PROVINCIAL_COMMITTEE: {None},
    OrgKind.DISTRICT_COMMITTEE: {None, OrgKind.PROVINCIAL_COMMITTEE},
    OrgKind.COMMITTEE: {None, OrgKind.DISTRICT_COMMITTEE, OrgKind.COMMITTEE},
    OrgKind.GENERAL_BRANCH: {OrgKind.COMMITTEE},
    OrgKind.BRANCH: {OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH},
    OrgKind.TEMPORARY_BRANCH: {OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH},
}


class Org(models.Model):
    """A party organization. `path` is a materialized path (`/SZQ/SZQ-LH/`), so a subtree is one query."""

    code = models.CharField(_("组织代码"), max_length=40, unique=True, validators=[ORG_CODE_VALIDATOR])
    name = models.CharField(_("名称"), max_length=120)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField(_("组织类型"), max_length=20, choices=OrgKind.choices)
    category = models.CharField(_("组织类别"), max_length=20, choices=OrgCategory.choices, blank=True)
    election_dates = models.JSONField(_("换届日期"), default=list, blank=True)
    path = models.CharField(max_length=500, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    class Meta:
        ordering = ["path"]
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        indexes = [models.Index(fields=["path"], name="org_path_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_branch(self) -> bool:
        return self.kind in (OrgKind.BRANCH, OrgKind.TEMPORARY_BRANCH)

    @property
    def has_approval_authority(self) -> bool:
        return self.kind == OrgKind.COMMITTEE
