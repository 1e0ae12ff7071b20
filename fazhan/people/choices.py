"""Code lists of interchange.md and the statistical categories of procedure.md (E)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The 56 nationalities in the order of GB 3304.
ETHNICITIES = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
]
ETHNICITY_CHOICES = [(e, e) for e in ETHNICITIES]


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Education(models.TextChoices):
    GRADUATE = "研究生", _("研究生")
    BACHELOR = "大学本科", _("大学本科")
    COLLEGE = "大学专科", _("大学专科")
    SECONDARY_VOCATIONAL = "中专", _("中专")
    HIGH_SCHOOL = "高中", _("高中")
    JUNIOR_OR_BELOW = "初中及以下", _("初中及以下")


COLLEGE_AND_ABOVE = {Education.GRADUATE, Education.BACHELOR, Education.COLLEGE}


class Occupation(models.TextChoices):
    WORKER = "工人", _("工人")
    FARMER = "农牧渔民", _("农牧渔民")
    PROFESSIONAL = "专业技术人员", _("专业技术人员")
    MANAGER = "管理人员", _("管理人员")
    CIVIL_SERVANT = "党政机关工作人员", _("党政机关工作人员")
    STUDENT = "学生", _("学生")
    RETIRED = "离退休人员", _("离退休人员")
    OTHER = "其他", _("其他")


FOCUS_TAGS = [
    "产业工人",
    "青年农民",
    "高知识群体",
    "少数民族",
    "非公有制经济组织",
    "社会组织",
    "农民工",
    "劳务派遣工",
    "本地大学毕业生",
    "复员退伍军人",
    "村级后备干部",
    "返乡创业",
]
FOCUS_TAG_CHOICES = [(t, t) for t in FOCUS_TAGS]


class PartyStatus(models.TextChoices):
    CANDIDATE = "", _("非党员")
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("正式党员")


class MemberRole(models.TextChoices):
    BRANCH_SECRETARY = "branch_secretary", _("支部书记")
    BRANCH_COMMITTEE = "branch_committee", _("支委")
    ORGANIZER = "organizer", _("组织员")
    COMMITTEE_MEMBER = "committee_member", _("党委委员")


class KinRelation(models.TextChoices):
    SPOUSE = "spouse", _("配偶")
    PARENT = "parent", _("父母")
    CHILD = "child", _("子女")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER_CLOSE = "other_close", _("其他近亲属")


class DisciplineKind(models.TextChoices):
    INVESTIGATION = "investigation", _("立案审查")
    SANCTION = "sanction", _("纪律处分")
    CRIMINAL = "criminal", _("刑事处罚")
    PARTY_PROBATION = "party_probation", _("留党察看")
