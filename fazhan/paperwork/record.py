"""What the forms read: one person's record gathered once (case, the records that count, the people and orgs
the details name, the numbered form, the notices) and turned into facts — plain Chinese strings, dates written
2018年3月1日 — that the form declarations pick their fields from."""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fazhan.core.dates import date_cn
from fazhan.notices.models import EntryResult, NoticeEntry, NoticeKind
from fazhan.organizations.models import Org, OrgKind
from fazhan.organizations.selectors import org_ancestors
from fazhan.paperwork.rendering import Picture
from fazhan.people.models import Person
from fazhan.people.photos import person_photo_bytes
from fazhan.prereview.selectors import form_issued_to
from fazhan.procedure.definition import CHOICE_LABELS, PHASES, STEPS, STEPS_BY_CODE
from fazhan.procedure.details import flag_label
from fazhan.procedure.models import Case, StepRecord

# The five stages as the 全程纪实表 heads them.
STAGE_TITLES = {
    "I": gettext_lazy("入党申请人"),
    "II": gettext_lazy("入党积极分子"),
    "III": gettext_lazy("发展对象"),
    "IV": gettext_lazy("预备党员接收"),
    "V": gettext_lazy("预备党员教育考察和转正"),
}
NUMERALS = "一二三四五六七八九十"


@dataclass
class PersonRecord:
    person: Person
    case: Case | None
    id_number: str  # clear or masked, as the reader's role allows
    records: dict[str, list[StepRecord]] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)  # pid → name
    orgs: dict[str, str] = field(default_factory=dict)  # code → name
    committee: Org | None = None
    form_number: str = ""
    notices: dict[str, tuple[datetime.date, datetime.date]] = field(default_factory=dict)  # kind → period

    def first(self, step: str) -> StepRecord | None:
        """The record that made the step happen: the first passing one where the step has a result."""
        rows = self.records.get(step, [])
        passing = STEPS_BY_CODE[step].passing
        if passing:
            key, values = passing
            rows = [r for r in rows if r.details.get(key) in values]
        return rows[0] if rows else None

    def last(self, step: str) -> StepRecord | None:
        rows = self.records.get(step, [])
        passing = STEPS_BY_CODE[step].passing
        if passing:
            key, values = passing
            rows = [r for r in rows if r.details.get(key) in values]
        return rows[-1] if rows else None

    def date(self, step: str, *, last: bool = False) -> str:
        record = self.last(step) if last else self.first(step)
        return date_cn(record.date) if record else ""

    def names(self, step: str, key: str) -> str:
        record = self.first(step)
        pids = (record.details.get(key) or []) if record else []
        return "、".join(self.people.get(p, "") for p in pids if self.people.get(p))

    def org_name(self, step: str, key: str, *, last: bool = False) -> str:
        record = self.last(step) if last else self.first(step)
        code = record.details.get(key) if record else None
        return self.orgs.get(code, "") if isinstance(code, str) else ""


def person_record(person: Person, *, id_number: str) -> PersonRecord:
    """The person's record as the forms read it: the latest case and its standing (not superseded) records."""
    case = Case.objects.filter(person=person).order_by("-opened_on", "-pk").first()
    record = PersonRecord(person=person, case=case, id_number=id_number)
    committee = [o for o in org_ancestors(person.org) if o.kind == OrgKind.COMMITTEE]
    record.committee = committee[-1] if committee else None
    if case is None:
        return record
    standing = StepRecord.objects.filter(case=case, superseded_by__isnull=True).order_by("date", "pk")
    pids: set[str] = set()
    codes: set[str] = set()
    for r in standing:
        record.records.setdefault(r.step, []).append(r)
        for key, spec in STEPS_BY_CODE[r.step].details.items():
            value = r.details.get(key)
            if value in (None, "", []):
                continue
            values = value if isinstance(value, list) else [value]
            if spec.kind == "pids":
                pids.update(values)
            elif spec.kind in ("org", "orgs"):
                codes.update(v for v in values if isinstance(v, str))
    record.people = dict(Person.objects.filter(pid__in=pids).values_list("pid", "name"))
    record.orgs = dict(Org.objects.filter(code__in=codes).values_list("code", "name"))
    numbered = form_issued_to(person)
    used = record.first("S14")
    record.form_number = (used.details.get("form_number") if used else "") or (
        numbered.number if numbered else ""
    )
    for entry in (
        NoticeEntry.objects.filter(case=case, result=EntryResult.PASSED)
        .select_related("notice")
        .order_by("notice__ends_on", "pk")
    ):
        record.notices[entry.notice.kind] = (entry.notice.starts_on, entry.notice.ends_on)
    return record


def _period(record: PersonRecord, step: str, notice_kind: str) -> tuple[str, str]:
    """The 公示 period of a step: what its record carries, else the notice that passed the person."""
    r = record.last(step)
    if r and r.details.get("publicity_from") and r.details.get("publicity_to"):
        return (
            date_cn(datetime.date.fromisoformat(r.details["publicity_from"])),
            date_cn(datetime.date.fromisoformat(r.details["publicity_to"])),
        )
    period = record.notices.get(notice_kind)
    return (date_cn(period[0]), date_cn(period[1])) if period else ("", "")


def _votes(record: PersonRecord, step: str, prefix: str) -> dict[str, str]:
    r = record.last(step)
    details = r.details if r else {}
    return {f"{prefix}{k}": str(details[k]) if k in details else "" for k in VOTE_KEYS}


VOTE_KEYS = ("entitled", "present", "for", "against", "abstain")


def _add_months(day: datetime.date, months: int) -> datetime.date:
    import calendar

    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def half_years(record: PersonRecord, *, start_step: str, steps: tuple[str, ...], end_step: str) -> list[dict]:
    """The half-year periods from `start_step`'s date (Art.11; B0.5), each with its examinations and reports
    as readable lines: the 培养考察登记 and the 预备党员考察."""
    start = record.first(start_step)
    if start is None:
        return []
    end_record = record.first(end_step)
    events = [r for s in steps for r in record.records.get(s, [])]
    last_day = max([start.date, *(r.date for r in events)] + ([end_record.date] if end_record else []))
    rows, k, begin = [], 0, start.date
    while begin <= last_day and k < 40:
        finish = _add_months(start.date, 6 * (k + 1)) - datetime.timedelta(days=1)
        inside = sorted((r for r in events if begin <= r.date <= finish), key=lambda r: (r.date, r.pk))
        rows.append(
            {
                "period": _("第%(n)s个半年") % {"n": NUMERALS[k] if k < 10 else str(k + 1)},
                "from": date_cn(begin),
                "to": date_cn(finish),
                "events": "；".join(f"{date_cn(r.date)}{sentence(record, r)}" for r in inside)
                or _("（本期无记录）"),
            }
        )
        k, begin = k + 1, finish + datetime.timedelta(days=1)
    return rows


EDUCATION_SENTENCES = {
    "examination": gettext_lazy("党支部进行培养教育考察"),
    "thought_report": gettext_lazy("递交思想汇报"),
    "training": gettext_lazy("参加培训学习"),
}


def sentence(record: PersonRecord, r: StepRecord) -> str:
    """What a record says, as one readable sentence (the 纪实表 and the examination lists)."""
    d = r.details
    people = record.people
    orgs = record.orgs

    def who(key: str) -> str:
        return "、".join(people.get(p, "") for p in d.get(key) or [] if people.get(p))

    def org(key: str) -> str:
        value = d.get(key)
        return orgs.get(value, "") if isinstance(value, str) else ""

    def label(value) -> str:
        return str(CHOICE_LABELS.get(value, value))

    name = record.person.name
    match r.step:
        case "S01":
            return _("%(n)s递交入党申请书。") % {"n": name}
        case "S02":
            return _("党组织派%(w)s同志与其谈话。") % {"w": who("talkers") or _("专人")}
        case "S03":
            how = label(d["method"]) if d.get("method") else _("推荐")
            by = label(d["decided_by"]) if d.get("decided_by") else _("支委会")
            return _("经%(how)s，%(by)s研究确定为入党积极分子。") % {"how": how, "by": by}
        case "S04" | "S18":
            return _("报%(o)s备案。") % {"o": org("filed_with") or _("上级党委")}
        case "S05":
            return _("指定%(w)s同志为培养联系人。") % {"w": who("contacts")}
        case "S06" | "S21":
            return str(EDUCATION_SENTENCES.get(d.get("kind", ""), _("培养教育考察"))) + "。"
        case "S07":
            heard = "、".join(label(v) for v in d.get("opinions_heard") or [])
            text = _("听取%(h)s意见，") % {"h": heard} if heard else ""
            if d.get("publicity_from") and d.get("publicity_to"):
                text += _("经公示（%(a)s至%(b)s），") % {
                    "a": date_cn(datetime.date.fromisoformat(d["publicity_from"])),
                    "b": date_cn(datetime.date.fromisoformat(d["publicity_to"])),
                }
            return text + _("支委会研究确定为发展对象。")
        case "S08":
            agreed = _("，上级党委同意") if d.get("agreed") else ""
            return _("报%(o)s备案%(a)s。") % {"o": org("filed_with") or _("上级党委"), "a": agreed}
        case "S09":
            return _("确定%(w)s同志为入党介绍人。") % {"w": who("introducers")}
        case "S10":
            return _("进行政治审查，结论为%(r)s。") % {"r": label(d.get("result", ""))}
        case "S11":
            by = org("provider")
            text = _("参加%(o)s举办的集中培训") % {"o": by} if by else _("参加集中培训")
            if d.get("days") or d.get("hours"):
                text += _("（%(d)s天，%(h)s学时）") % {"d": d.get("days", "—"), "h": d.get("hours", "—")}
            return text + "。"
        case "S12":
            return _("支部委员会审查，同意报上级党委预审。")
        case "S13":
            return _("%(o)s预审，结果为%(r)s。") % {
                "o": org("reviewer") or _("上级党委"),
                "r": label(d.get("result", "")),
            }
        case "S14":
            return _("在入党介绍人指导下填写入党志愿书（编号%(n)s）。") % {"n": d.get("form_number", "")}
        case "S15" | "S23":
            votes = _("应到有表决权党员%(e)s名，实到%(p)s名，赞成%(f)s票，反对%(a)s票，弃权%(b)s票") % {
                "e": d.get("entitled", "—"),
                "p": d.get("present", "—"),
                "f": d.get("for", "—"),
                "a": d.get("against", "—"),
                "b": d.get("abstain", "—"),
            }
            if r.step == "S15":
                return _("支部大会讨论，%(v)s，通过接收为预备党员的决议。") % {"v": votes}
            return _("支部大会讨论，%(v)s，决定%(d)s。") % {"v": votes, "d": label(d.get("decision", ""))}
        case "S16":
            return _("上级党委派%(w)s同志谈话。") % {"w": who("talkers") or _("专人")}
        case "S17" | "S24":
            return _("%(o)s审批，%(r)s。") % {
                "o": org("approver") or _("上级党委"),
                "r": label(d.get("result", "")),
            }
        case "S19":
            return _("编入%(o)s和党小组。") % {"o": org("branch") or _("党支部")}
        case "S20":
            return _("面向党旗进行入党宣誓。")
        case "S22":
            return _("提出书面转正申请。")
        case "S25":
            number = d.get("archive_no", "")
            return _("材料归档（档案号%(n)s）。") % {"n": number} if number else _("材料归档。")
    return str(STEPS_BY_CODE[r.step].name) + "。"


def stage_rows(record: PersonRecord) -> list[dict]:
    """The 全程纪实表's rows by the five stages: the stage named on its first row, then step, date, what
    happened, and empty cells for the handler's signature and the org's opinion and seal."""
    rows: list[dict] = []
    for stage in PHASES:
        steps = [s for s in STEPS if s.stage == stage.code]
        first = True
        for step in steps:
            for r in record.records.get(step.code, []):
                rows.append(
                    {
                        "stage": f"{NUMERALS[PHASES.index(stage)]}、{STAGE_TITLES[stage.code]}"
                        if first
                        else "",
                        "step": f"{step.number}. {step.name}",
                        "date": date_cn(r.date),
                        "content": sentence(record, r),
                    }
                )
                first = False
    return rows


def facts(record: PersonRecord) -> dict:
    """Every fact a form may ask, by its field name (paperwork.declarations picks each form's own)."""
    p = record.person
    target_from, target_to = _period(record, "S07", NoticeKind.TARGET)
    admission_from, admission_to = _period(record, "S12", NoticeKind.ADMISSION)
    conversion_from, conversion_to = _period(record, "S23", NoticeKind.CONVERSION)
    meeting = record.first("S15")
    probation_end = ""
    if meeting:
        extension = sum(
            int(r.details.get("extend_months") or 0)
            for r in record.records.get("S23", [])
            if r.details.get("decision") == "extend"
        )
        probation_end = date_cn(_add_months(meeting.date, 12 + extension))
    review = record.first("S10")
    negative = review.details.get("negative_list") or {} if review else {}
    applying = [flag_label("negative_list", k) for k, v in negative.items() if v]
    training = record.first("S11")
    decision = record.last("S23")
    recommended = record.first("S03")
    work_unit_position = " ".join(x for x in (p.work_unit, p.position) if x)
    return {
        "name": p.name,
        "gender": str(p.get_gender_display()),
        "birth_date": date_cn(p.birth_date),
        "ethnicity": p.ethnicity,
        "native_place": p.native_place,
        "education": p.education,
        "occupation": p.occupation,
        "work_unit": p.work_unit,
        "position": p.position,
        "work_unit_position": work_unit_position,
        "work_started_on": date_cn(p.work_started_on),
        "id_number": record.id_number,
        "residence": p.residence,
        "branch_name": p.org.name,
        "photo": Picture(photo) if (photo := person_photo_bytes(p)) else "",
        "committee_name": record.committee.name if record.committee else "",
        "application_date": record.date("S01"),
        "talk_date": record.date("S02"),
        "talkers": record.names("S02", "talkers"),
        "activist_date": record.date("S03"),
        "recommendation": str(CHOICE_LABELS.get(recommended.details.get("method", ""), ""))
        if recommended
        else "",
        "activist_filed_date": record.date("S04"),
        "activist_filed_with": record.org_name("S04", "filed_with"),
        "contacts_date": record.date("S05"),
        "contacts": record.names("S05", "contacts"),
        "cultivation_periods": half_years(record, start_step="S03", steps=("S06",), end_step="S07"),
        "target_date": record.date("S07"),
        "target_publicity_from": target_from,
        "target_publicity_to": target_to,
        "target_filed_date": record.date("S08"),
        "target_filed_with": record.org_name("S08", "filed_with"),
        "introducers_date": record.date("S09"),
        "introducers": record.names("S09", "introducers"),
        "review_date": record.date("S10"),
        "review_result": str(CHOICE_LABELS.get(review.details.get("result", ""), "")) if review else "",
        "review_negative": (_("负面清单所列情形：") + "、".join(applying))
        if applying
        else (_("经逐项核查，负面清单所列情形均不存在") if review else ""),
        "training_date": record.date("S11"),
        "training_provider": record.org_name("S11", "provider"),
        "training_days": str(training.details.get("days", "")) if training else "",
        "training_hours": str(training.details.get("hours", "")) if training else "",
        "committee_review_date": record.date("S12"),
        "admission_publicity_from": admission_from,
        "admission_publicity_to": admission_to,
        "prereview_date": record.date("S13", last=True),
        "prereview_org": record.org_name("S13", "reviewer", last=True),
        "form_number": record.form_number,
        "form_date": record.date("S14"),
        "meeting_date": record.date("S15"),
        **_votes(record, "S15", "meeting_"),
        "committee_talk_date": record.date("S16"),
        "committee_talkers": record.names("S16", "talkers"),
        "approval_date": record.date("S17"),
        "approver": record.org_name("S17", "approver"),
        "probation_start": record.date("S15"),
        "probation_end": probation_end,
        "approval_filed_date": record.date("S18"),
        "approval_filed_with": record.org_name("S18", "filed_with"),
        "placed_date": record.date("S19"),
        "oath_date": record.date("S20"),
        "probation_periods": half_years(record, start_step="S15", steps=("S21",), end_step="S22"),
        "conversion_application_date": record.date("S22", last=True),
        "conversion_meeting_date": record.date("S23", last=True),
        **_votes(record, "S23", "conversion_"),
        "conversion_decision": str(CHOICE_LABELS.get(decision.details.get("decision", ""), ""))
        if decision
        else "",
        "conversion_publicity_from": conversion_from,
        "conversion_publicity_to": conversion_to,
        "conversion_approval_date": record.date("S24", last=True),
        "conversion_approver": record.org_name("S24", "approver", last=True),
        "archive_date": record.date("S25"),
        "stage_rows": stage_rows(record),
    }
