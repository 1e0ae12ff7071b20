from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from fazhan.accounts.selectors import user_assignments
from fazhan.core.forms import form_to_service
from fazhan.organizations.models import Org
from fazhan.organizations.selectors import org_subtree
from fazhan.people.models import Person
from fazhan.people.selectors import person_list_for_user
from fazhan.plans.services import plan_may_allocate
from fazhan.talents.forms import (
    AssignForm,
    ContactForm,
    PersonMarkForm,
    PlanLineForm,
    UnitMarkForm,
    UnmarkForm,
)
from fazhan.talents.models import LeaderLink
from fazhan.talents.rules import QUARTER_MONTHS
from fazhan.talents.selectors import (
    TALENT_READERS,
    key_person_get_for_user,
    key_persons_current,
    key_unit_get_for_user,
    key_units_current,
    link_get_for_user,
    talent_coverage,
    talent_plan_lines,
    talents_org_for_user,
)
from fazhan.talents.services import (
    contact_record,
    key_person_mark,
    key_person_unmark,
    key_unit_mark,
    key_unit_unmark,
    leader_release,
    leaders_assign,
    talent_may_mark,
    talent_may_record_contact,
    talent_plan_set,
)

MIN_YEAR, MAX_YEAR = 2000, 2100


def talents_index(request):
    """The key-talent page of the user's highest org that may read it, for this year."""
    tops = [a.org for a in user_assignments(request.user) if a.role in TALENT_READERS]
    if not tops:
        raise PermissionDenied
    top = min(tops, key=lambda o: o.depth)
    return redirect("talents:page", code=top.code, year=timezone.localdate().year)


def _org(request, code: str, year: int) -> tuple[Org, int]:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404
    return talents_org_for_user(request.user, code), year


def _mark_orgs(user, org: Org) -> list[Org]:
    return [o for o in org_subtree(org).order_by("path") if talent_may_mark(user, o)]


def _persons_to_mark(user, org: Org) -> list[Person]:
    marked = key_persons_current(org, timezone.localdate()).values_list("person_id", flat=True)
    people = person_list_for_user(user).filter(
        org__path__startswith=org.path, party_status__in=["", "probationary"]
    )
    return [p for p in people.exclude(pk__in=list(marked)) if talent_may_mark(user, p.org)]


def _links(user, org: Org) -> list[LeaderLink]:
    links = LeaderLink.objects.filter(
        end__isnull=True, key__until__isnull=True, key__person__org__path__startswith=org.path
    )
    chosen = links.select_related("leader", "key__person__org").order_by("key__person__pid", "pk")
    return [x for x in chosen if talent_may_record_contact(user, x.key.person.org)]


def _render(request, org: Org, year: int, **forms):
    user, today = request.user, timezone.localdate()
    coverage = talent_coverage(org, today)
    keys = [r.key for r in coverage.rows if talent_may_mark(user, r.key.person.org)]
    if "unit_form" not in forms and (orgs := _mark_orgs(user, org)):
        forms["unit_form"] = UnitMarkForm(orgs=orgs, initial={"since": today})
    if "person_form" not in forms and (persons := _persons_to_mark(user, org)):
        forms["person_form"] = PersonMarkForm(persons=persons, initial={"since": today})
    if "assign_form" not in forms and keys:
        forms["assign_form"] = AssignForm(keys=keys, initial={"start": today})
    if "contact_form" not in forms and (links := _links(user, org)):
        forms["contact_form"] = ContactForm(links=links, initial={"date": today})
    planners = [o for o in [org, *(c.org for c in coverage.children)] if plan_may_allocate(user, o)]
    if "plan_form" not in forms and planners:
        forms["plan_form"] = PlanLineForm(orgs=planners, initial={"org": org.code})
    lines = talent_plan_lines([org, *(c.org for c in coverage.children)], year, today=today)
    return render(
        request,
        "talents/page.html",
        {
            "org": org,
            "year": year,
            "years": range(year - 2, year + 2),
            "today": today,
            "coverage": coverage,
            "line": lines[0],
            "lines": lines[1:],
            "units": list(key_units_current(org, today)),
            "may_mark": talent_may_mark(user, org),
            "quarter_months": QUARTER_MONTHS,
            **forms,
        },
    )


def _back(org: Org, year: int, anchor: str):
    return redirect(reverse("talents:page", args=[org.code, year]) + anchor)


def talents_page(request, code: str, year: int):
    """An org's key units and key persons, their leaders and contacts, the coverage and the plan line."""
    org, year = _org(request, code, year)
    return _render(request, org, year)


@dataclass(frozen=True)
class MarkKind:
    """What differs between marking a key unit and a key person on the page; the rest is `_mark`'s."""

    anchor: str  # the page's section
    form_name: str  # the form's name in the page's context (shown again with its errors)
    form_class: Callable[..., forms.Form]
    choices: Callable[[Any, Org], list]  # the orgs or persons the user may mark under the page's org
    choice: Callable[[Any], str]  # one of them as the form's choice names it
    field: str  # the form's field naming it, and the service's argument
    mark: Callable[..., Any]
    unmark: Callable[..., Any]
    get: Callable[[Any, int], Any]  # a mark by its id, within the user's scope
    unmark_arg: str  # the service's argument naming the mark


UNIT = MarkKind(
    anchor="#talent-units",
    form_name="unit_form",
    form_class=UnitMarkForm,
    choices=_mark_orgs,
    choice=lambda o: o.code,
    field="org",
    mark=key_unit_mark,
    unmark=key_unit_unmark,
    get=key_unit_get_for_user,
    unmark_arg="unit",
)
PERSON = MarkKind(
    anchor="#talent-persons",
    form_name="person_form",
    form_class=PersonMarkForm,
    choices=_persons_to_mark,
    choice=lambda p: p.pid,
    field="person",
    mark=key_person_mark,
    unmark=key_person_unmark,
    get=key_person_get_for_user,
    unmark_arg="key",
)


def _mark(request, code: str, year: int, kind: MarkKind):
    org, year = _org(request, code, year)
    choices = kind.choices(request.user, org)
    if not choices:
        raise PermissionDenied
    form = kind.form_class(request.POST, **{f"{kind.field}s": choices})
    done = form_to_service(
        form,
        lambda d: kind.mark(
            actor=request.user,
            **{kind.field: next(c for c in choices if kind.choice(c) == d[kind.field])},
            category=d["category"],
            since=d["since"],
            note=d["note"],
        ),
    )
    return _back(org, year, kind.anchor) if done else _render(request, org, year, **{kind.form_name: form})


def _unmark(request, code: str, year: int, pk: int, kind: MarkKind):
    org, year = _org(request, code, year)
    mark = kind.get(request.user, pk)
    form = UnmarkForm(request.POST)
    if form_to_service(
        form, lambda d: kind.unmark(actor=request.user, **{kind.unmark_arg: mark}, until=d["until"])
    ):
        return _back(org, year, kind.anchor)
    return _render(request, org, year, unmark_errors=form.errors)


@require_POST
def unit_mark_view(request, code: str, year: int):
    return _mark(request, code, year, UNIT)


@require_POST
def unit_unmark_view(request, code: str, year: int, pk: int):
    return _unmark(request, code, year, pk, UNIT)


@require_POST
def person_mark_view(request, code: str, year: int):
    return _mark(request, code, year, PERSON)


@require_POST
def person_unmark_view(request, code: str, year: int, pk: int):
    return _unmark(request, code, year, pk, PERSON)


def _leaders(user, pids: list[str]) -> list[Person]:
    found = {p.pid: p for p in person_list_for_user(user).filter(pid__in=pids)}
    missing = [pid for pid in pids if pid not in found]
    if missing:
        raise ValidationError({"leader": f"找不到人员：{'、'.join(missing)}"})
    return [found[pid] for pid in pids]


@require_POST
def assign_view(request, code: str, year: int):
    org, year = _org(request, code, year)
    keys = [
        r.key
        for r in talent_coverage(org, timezone.localdate()).rows
        if talent_may_mark(request.user, r.key.person.org)
    ]
    if not keys:
        raise PermissionDenied
    form = AssignForm(request.POST, keys=keys)
    done = form_to_service(
        form,
        lambda d: leaders_assign(
            actor=request.user,
            key=next(k for k in keys if str(k.pk) == d["key"]),
            leaders=_leaders(request.user, d["d_leaders"]),
            start=d["start"],
        ),
        field_for=lambda name: "d_leaders" if name in ("leader", "leaders") else name,
    )
    return _back(org, year, "#talent-persons") if done else _render(request, org, year, assign_form=form)


@require_POST
def release_view(request, code: str, year: int, pk: int):
    org, year = _org(request, code, year)
    link = link_get_for_user(request.user, pk)
    form = UnmarkForm(request.POST)
    if form_to_service(form, lambda d: leader_release(actor=request.user, link=link, end=d["until"])):
        return _back(org, year, "#talent-persons")
    return _render(request, org, year, unmark_errors=form.errors)


@require_POST
def contact_view(request, code: str, year: int):
    org, year = _org(request, code, year)
    links = _links(request.user, org)
    if not links:
        raise PermissionDenied
    form = ContactForm(request.POST, links=links)
    done = form_to_service(
        form,
        lambda d: contact_record(
            actor=request.user,
            link=next(x for x in links if str(x.pk) == d["link"]),
            date=d["date"],
            way=d["way"],
            note=d["note"],
        ),
    )
    return _back(org, year, "#talent-persons") if done else _render(request, org, year, contact_form=form)


@require_POST
def plan_line_view(request, code: str, year: int):
    org, year = _org(request, code, year)
    coverage = talent_coverage(org, timezone.localdate())
    planners = [o for o in [org, *(c.org for c in coverage.children)] if plan_may_allocate(request.user, o)]
    if not planners:
        raise PermissionDenied
    form = PlanLineForm(request.POST, orgs=planners)
    done = form_to_service(
        form,
        lambda d: talent_plan_set(
            actor=request.user,
            org=next(o for o in planners if o.code == d["org"]),
            year=year,
            reserved=d["reserved"],
        ),
    )
    return _back(org, year, "#talent-plan") if done else _render(request, org, year, plan_form=form)
