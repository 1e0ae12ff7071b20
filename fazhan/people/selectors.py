import re

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from fazhan.accounts.selectors import user_scope_q
from fazhan.organizations.models import Org
from fazhan.people.identity import id_tail_key, person_filter_by_id_number
from fazhan.people.models import Person, PersonRole

_ID_CHARS = re.compile(r"^[0-9Xx]+$")
_LATIN = re.compile(r"^[A-Za-z]+$")


def person_list_for_user(user) -> QuerySet[Person]:
    return Person.objects.filter(user_scope_q(user, "org__path")).select_related("org")


def person_get_for_user(user, pid: str) -> Person:
    """The one way to fetch a person: 404 outside the user's subtrees."""
    return get_object_or_404(person_list_for_user(user), pid=pid)


def person_search(qs: QuerySet[Person], query: str) -> QuerySet[Person]:
    """By name, pinyin initials (zs → 张三) or the ID number's last four characters (compared by their keyed
    digest: a shorter tail cannot be searched, the database holds no clear tail) or all 18."""
    query = query.strip()
    if not query:
        return qs
    if _ID_CHARS.match(query) and len(query) == 18:
        return person_filter_by_id_number(qs, query)
    if _ID_CHARS.match(query) and len(query) == 4:
        return qs.filter(Q(id_tail_key=id_tail_key(query)) | Q(pid__iexact=query))
    if _ID_CHARS.match(query) and len(query) < 4:
        return qs.filter(pid__iexact=query)
    if _LATIN.match(query):
        return qs.filter(Q(name_initials__startswith=query.lower()) | Q(pid__iexact=query))
    return qs.filter(Q(name__contains=query) | Q(pid__iexact=query))


def org_secretaries(orgs: list[Org]) -> dict[int, str]:
    """Org id → the name of its secretary (a member holding branch_secretary there), in one query."""
    rows = PersonRole.objects.filter(person__org__in=orgs, role="branch_secretary").values_list(
        "person__org_id", "person__name"
    )
    return dict(rows)
