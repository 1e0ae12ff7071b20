"""`fazhan talents`: key talents from the console (重点人才, 通知五), through the same services as the page
(they refuse what the TAL- rules forbid, whoever calls); each write names the user it is done as.

    fazhan talents list --org C
    fazhan talents mark --pid P --category talent_program|lab_head|academic_leader|high_skill|entrepreneur
        [--date D] [--note N] --user U
    fazhan talents mark --org C --category university|institute|high_tech [--date D] [--note N] --user U
    fazhan talents unmark (--pid P | --org C) [--date D] --user U
    fazhan talents assign --pid P --leader L [--date D] --user U
    fazhan talents release --pid P --leader L [--date D] --user U
    fazhan talents contact --pid P --leader L --way visit|talk|phone|meeting|other [--date D]
        [--note N] --user U
    fazhan talents plan --org C --year Y --reserved N --user U
    fazhan talents coverage --org C [--date D] [--year Y]
"""

import datetime
import html

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.html import strip_tags

from fazhan.accounts.models import User
from fazhan.organizations.models import Org
from fazhan.people.models import Person
from fazhan.talents.models import ContactWay, KeyPerson, KeyUnit, LeaderLink, PersonCategory, UnitCategory
from fazhan.talents.selectors import key_units_current, talent_coverage, talent_plan_line
from fazhan.talents.services import (
    contact_record,
    key_person_mark,
    key_person_unmark,
    key_unit_mark,
    key_unit_unmark,
    leader_assign,
    leader_release,
    talent_plan_set,
)


def _date(text: str | None, name: str = "date") -> datetime.date:
    if not text:
        return timezone.localdate()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--{name}: {text} is not a date (YYYY-MM-DD)") from None


def _org(code: str) -> Org:
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise CommandError(f"--org: no org with code {code}")
    return org


def _person(pid: str, name: str = "pid") -> Person:
    person = Person.objects.filter(pid=pid).select_related("org").first()
    if person is None:
        raise CommandError(f"--{name}: no person {pid}")
    return person


def _key(pid: str) -> KeyPerson:
    key = KeyPerson.objects.filter(person__pid=pid, until__isnull=True).first()
    if key is None:
        raise CommandError(f"--pid: {pid} is not a key person")
    return key


def _link(pid: str, leader: str) -> LeaderLink:
    link = (
        LeaderLink.objects.filter(key__person__pid=pid, leader__pid=leader).order_by("end", "-start").first()
    )
    if link is None:
        raise CommandError(f"--leader: {leader} was never assigned to {pid}")
    return link


def _user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"--user: no active user {username}")
    return user


class Command(BaseCommand):
    help = "Key talents (重点人才): list, mark, unmark, assign, release, contact, plan, coverage."

    def add_arguments(self, parser):
        acts = parser.add_subparsers(dest="act", required=True)
        show = acts.add_parser("list", help="an org's key units and key persons with their leaders")
        show.add_argument("--org", required=True)
        mark = acts.add_parser("mark", help="mark a person (--pid) or a unit (--org) as key")
        unmark = acts.add_parser("unmark", help="unmark a key person (--pid) or unit (--org)")
        for sub in (mark, unmark):
            who = sub.add_mutually_exclusive_group(required=True)
            who.add_argument("--pid")
            who.add_argument("--org")
            sub.add_argument("--date", help="the day (default: today)")
            sub.add_argument("--user", required=True)
        mark.add_argument("--category", required=True, choices=[*PersonCategory.values, *UnitCategory.values])
        mark.add_argument("--note", default="")
        for name in ("assign", "release", "contact"):
            sub = acts.add_parser(name, help=f"{name} a leader of a key person")
            for arg in ("pid", "leader", "user"):
                sub.add_argument(f"--{arg}", required=True)
            sub.add_argument("--date", help="the day (default: today)")
            if name == "contact":
                sub.add_argument("--way", required=True, choices=ContactWay.values)
                sub.add_argument("--note", default="")
        plan = acts.add_parser("plan", help="set an org's 单列计划 for a year")
        for arg in ("org", "year", "user"):
            plan.add_argument(f"--{arg}", required=True)
        plan.add_argument("--reserved", type=int, required=True)
        cover = acts.add_parser("coverage", help="TAL-COVER: who is covered, by org, and who is not")
        cover.add_argument("--org", required=True)
        cover.add_argument("--date", help="the day (default: today)")
        cover.add_argument("--year", help="the plan line's year (default: the day's)")

    def handle(self, *args, act: str, **options):
        try:
            getattr(self, f"_{act}")(**options)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            text = "; ".join(f"{f}: {' '.join(m)}" if f else " ".join(m) for f, m in errors.items())
            raise CommandError(html.unescape(strip_tags(text))) from None  # a refusal is the page's HTML
        except PermissionDenied as exc:
            raise CommandError(f"--user: {exc}") from None

    def _list(self, *, org, **options):
        org, today = _org(org), timezone.localdate()
        for unit in key_units_current(org, today):
            self.stdout.write(
                f"重点单位 {unit.org.code} {unit.org.name} {unit.get_category_display()} {unit.since}"
            )
        for row in talent_coverage(org, today).rows:
            leaders = "、".join(f"{x.leader.name}（{x.leader.pid}）" for x in row.leaders) or "—"
            self.stdout.write(
                f"重点培养对象 {row.key.person.pid} {row.key.person.name} {row.key.get_category_display()} "
                f"{row.key.since} 联系领导干部：{leaders}"
            )

    def _mark(self, *, pid, org, category, date, note, user, **options):
        day, actor = _date(date), _user(user)
        if pid:
            key = key_person_mark(actor=actor, person=_person(pid), category=category, since=day, note=note)
            self.stdout.write(f"{pid} 确定为重点培养对象（{key.get_category_display()}，{key.since}）")
        else:
            unit = key_unit_mark(actor=actor, org=_org(org), category=category, since=day, note=note)
            self.stdout.write(f"{org} 确定为重点单位（{unit.get_category_display()}，{unit.since}）")

    def _unmark(self, *, pid, org, date, user, **options):
        day, actor = _date(date), _user(user)
        if pid:
            key_person_unmark(actor=actor, key=_key(pid), until=day)
            self.stdout.write(f"{pid} 取消重点培养对象（{day}）")
            return
        unit = KeyUnit.objects.filter(org=_org(org), until__isnull=True).first()
        if unit is None:
            raise CommandError(f"--org: {org} is not a key unit")
        key_unit_unmark(actor=actor, unit=unit, until=day)
        self.stdout.write(f"{org} 取消重点单位（{day}）")

    def _assign(self, *, pid, leader, date, user, **options):
        link = leader_assign(
            actor=_user(user), key=_key(pid), leader=_person(leader, "leader"), start=_date(date)
        )
        self.stdout.write(f"{leader} {link.leader.name} 联系 {pid}（自 {link.start}）")

    def _release(self, *, pid, leader, date, user, **options):
        link = leader_release(actor=_user(user), link=_link(pid, leader), end=_date(date))
        self.stdout.write(f"{leader} 结束联系 {pid}（{link.end}）")

    def _contact(self, *, pid, leader, way, date, note, user, **options):
        contact = contact_record(
            actor=_user(user), link=_link(pid, leader), date=_date(date), way=way, note=note
        )
        self.stdout.write(f"{leader} → {pid} {contact.date} {contact.get_way_display()}")

    def _plan(self, *, org, year, reserved, user, **options):
        if not str(year).isdigit():
            raise CommandError(f"--year: {year} is not a year")
        line = talent_plan_set(actor=_user(user), org=_org(org), year=int(year), reserved=reserved)
        self.stdout.write(f"{org} {line.year} 单列计划 {line.reserved}")

    def _coverage(self, *, org, date, year, **options):
        org, day = _org(org), _date(date)
        if year is not None and not str(year).isdigit():
            raise CommandError(f"--year: {year} is not a year")
        coverage = talent_coverage(org, day)
        self.stdout.write(f"{org.code} {org.name} 联系覆盖（{coverage.quarter_from} 至 {day}，TAL-COVER）")
        for row in [*coverage.children, coverage.total]:
            self.stdout.write(
                f"{row.org.code:<14} 重点培养对象 {row.total} 已覆盖 {row.covered} 未覆盖 {row.uncovered}"
            )
        for r in coverage.uncovered:
            self.stdout.write(
                f"未覆盖 {r.key.person.pid} {r.key.person.name} {r.key.person.org.code} {r.gap}"
            )
        line = talent_plan_line(org, int(year) if year else day.year, today=day)
        reserved = "—" if line.reserved is None else line.reserved
        self.stdout.write(f"{line.year} 单列计划 {reserved}，已发展重点培养对象 {len(line.developed)}")
