"""The everyday words clerks write in a ledger's coded columns, and the code-list value each one means: the
one table the ledger import reads them by (interchange.md, Excel ledgers). A value that is neither a
code-list value nor a word here is refused with the allowed values listed."""

import re

from fazhan.people.choices import ETHNICITIES, Education, Gender, Occupation

# column → {word as written → value of the code list}
WORDS: dict[str, dict[str, str]] = {
    "gender": {"男": Gender.MALE, "男性": Gender.MALE, "女": Gender.FEMALE, "女性": Gender.FEMALE},
    "education": {
        "博士": Education.GRADUATE,
        "博士研究生": Education.GRADUATE,
        "硕士": Education.GRADUATE,
        "硕士研究生": Education.GRADUATE,
        "研究生": Education.GRADUATE,
        "本科": Education.BACHELOR,
        "大本": Education.BACHELOR,
        "大学": Education.BACHELOR,
        "大专": Education.COLLEGE,
        "专科": Education.COLLEGE,
        "高职": Education.COLLEGE,
        "中专": Education.SECONDARY_VOCATIONAL,
        "中技": Education.SECONDARY_VOCATIONAL,
        "技校": Education.SECONDARY_VOCATIONAL,
        "职高": Education.SECONDARY_VOCATIONAL,
        "中职": Education.SECONDARY_VOCATIONAL,
        "高中": Education.HIGH_SCHOOL,
        "普通高中": Education.HIGH_SCHOOL,
        "初中": Education.JUNIOR_OR_BELOW,
        "小学": Education.JUNIOR_OR_BELOW,
        "初中以下": Education.JUNIOR_OR_BELOW,
    },
    "occupation": {
        "农民": Occupation.FARMER,
        "牧民": Occupation.FARMER,
        "渔民": Occupation.FARMER,
        "农牧民": Occupation.FARMER,
        "务农": Occupation.FARMER,
        "村民": Occupation.FARMER,
        "职工": Occupation.WORKER,
        "产业工人": Occupation.WORKER,
        "农民工": Occupation.WORKER,
        "技术人员": Occupation.PROFESSIONAL,
        "专技人员": Occupation.PROFESSIONAL,
        "教师": Occupation.PROFESSIONAL,
        "医生": Occupation.PROFESSIONAL,
        "护士": Occupation.PROFESSIONAL,
        "管理": Occupation.MANAGER,
        "企业管理人员": Occupation.MANAGER,
        "公务员": Occupation.CIVIL_SERVANT,
        "机关干部": Occupation.CIVIL_SERVANT,
        "机关工作人员": Occupation.CIVIL_SERVANT,
        "在校学生": Occupation.STUDENT,
        "大学生": Occupation.STUDENT,
        "退休": Occupation.RETIRED,
        "退休人员": Occupation.RETIRED,
        "离退休": Occupation.RETIRED,
    },
    # A nationality written without 族 (汉, 蒙古): see `standard`.
    "ethnicity": {},
}
ALLOWED: dict[str, list[str]] = {
    "gender": [str(label) for label in Gender.labels],
    "education": list(Education.values),
    "occupation": list(Occupation.values),
    "ethnicity": list(ETHNICITIES),
}
GENDER_OF_LABEL = {str(label): value for value, label in Gender.choices}
_SPACE = re.compile(r"\s+")


def standard(column: str, text: str) -> str | None:
    """The code-list value `text` means in `column` (gender as its code, M or F); None when it means none."""
    word = _SPACE.sub("", text)
    if column == "gender":
        value = WORDS["gender"].get(word)
        return str(value) if value is not None else None
    if word in ALLOWED[column]:
        return word
    if column == "ethnicity" and f"{word}族" in ALLOWED[column]:
        return f"{word}族"
    value = WORDS[column].get(word)
    return str(value) if value is not None else None


def allowed_text(column: str) -> str:
    """The allowed values of a coded column, as a refusal lists them."""
    return "、".join(ALLOWED[column])
