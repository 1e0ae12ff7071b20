from django.db.models import QuerySet

from fazhan.accounts.models import Role
from fazhan.accounts.selectors import user_assignments, user_roles_at
from fazhan.organizations.models import Org, OrgKind
from fazhan.paperwork.declarations import FORMS, Form
from fazhan.paperwork.models import FormTemplate
from fazhan.people.models import Person
from fazhan.people.selectors import person_list_for_user
from fazhan.procedure.definition import STEPS, CaseStage
from fazhan.procedure.models import Case, StepRecord

# Who replaces a template: the district's reviewer (区委组织部), for the whole district.
TEMPLATE_ROLES = frozenset({Role.DISTRICT_REVIEWER})


def template_active(form: Form, org: Org) -> FormTemplate | None:
    """The template that governs `org`'s prints of `form`: the active upload of the nearest org above it."""
    codes = [c for c in org.path.strip("/").split("/") if c]
    uploads = FormTemplate.objects.filter(form=form.code, org__code__in=codes, active=True).select_related(
        "org"
    )
    return max(uploads, key=lambda t: t.org.depth, default=None)


def template_bytes(form: Form, org: Org) -> bytes:
    upload = template_active(form, org)
    return bytes(upload.content) if upload else form.default_template()


def template_orgs_for_user(user) -> list[Org]:
    """The districts whose templates this user may replace."""
    return [
        a.org
        for a in user_assignments(user)
        if a.role in TEMPLATE_ROLES and a.org.kind == OrgKind.DISTRICT_COMMITTEE
    ]


def user_may_replace_templates(user, org: Org) -> bool:
    return org.kind == OrgKind.DISTRICT_COMMITTEE and bool(user_roles_at(user, org) & TEMPLATE_ROLES)


def template_uploads(org: Org) -> QuerySet[FormTemplate]:
    return FormTemplate.objects.filter(org=org).select_related("uploaded_by").order_by("form", "-uploaded_at")


STAGES = {
    "applicant": CaseStage.APPLICANT,
    "activist": CaseStage.ACTIVIST,
    "target": CaseStage.TARGET,
    "probationary": CaseStage.PROBATIONARY,
}


def batch_persons_of_org(user, org: Org, stage: str) -> list[Person]:
    """Everyone in the org's subtree (within the user's reach; the console's operator, user None, reaches the
    whole tree) whose open case is at `stage`."""
    people = person_list_for_user(user) if user is not None else Person.objects.all()
    cases = Case.objects.filter(
        person__in=people.filter(org__path__startswith=org.path),
        stage=STAGES[stage],
        closed_on__isnull=True,
    ).select_related("person__org")
    return sorted({c.person for c in cases}, key=lambda p: (p.org.path, p.pid))


def person_step_forms(person: Person) -> list[dict]:
    """The person page's offer: for each step of the person's latest case that has been recorded, the forms
    of that step (the 全程纪实表 with the last), with the step's first date."""
    case = Case.objects.filter(person=person).order_by("-opened_on", "-pk").first()
    if case is None:
        return []
    dates: dict[str, object] = {}
    for code, day in (
        StepRecord.objects.filter(case=case, superseded_by__isnull=True)
        .order_by("date", "pk")
        .values_list("step", "date")
    ):
        dates.setdefault(code, day)
    groups = []
    for step in STEPS:
        forms = [f for f in FORMS if step.code in f.steps and f.code != "record_table"]
        if forms and step.code in dates:
            groups.append({"step": step, "date": dates[step.code], "forms": forms})
    return groups
