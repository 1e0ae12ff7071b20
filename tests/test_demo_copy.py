"""The copy of the demo world a test gets (tests/demo_copy.py) is the world `fazhan demo` built: every row of
every table reads back as the build left it, and the database goes on giving new ids past the copied ones."""

from fazhan.organizations.models import Org, OrgKind
from fazhan.organizations.services import org_create
from fazhan.people.models import Person
from tests.demo_copy import as_after_migrate, comparable, read_all


def test_the_copied_demo_reads_back_row_for_row_as_the_build_left_it(demo_rows, demo_world):
    assert demo_world.copied  # a test's database after migrate takes the copy, not a second build
    assert "演示数据已创建" in demo_world.output
    now = read_all()
    assert sum(len(rows) for _columns, rows in demo_rows.added.values()) > 5_000
    for table, (columns, rows) in now.items():
        _columns, before = demo_rows.before.get(table, (columns, []))
        columns_then, added = demo_rows.added.get(table, (columns, []))
        assert columns == columns_then, table
        # (a table's own columns aside, when another worker built the demo: OWN_TO_EACH_DATABASE)
        assert comparable(table, columns, rows) == comparable(table, columns, before + added), table
        assert len(rows) == len(before) + len(added), table
    assert Person.objects.filter(org__code__startswith="SZQ-LH").count() > 200


def test_a_new_record_after_the_copy_gets_a_new_id(demo_world):
    highest = Org.objects.order_by("-pk").values_list("pk", flat=True).first()
    made = org_create(actor=None, code="SZQ-XQ", name="中共新区委员会", kind=OrgKind.DISTRICT_COMMITTEE)
    assert made.pk > highest


def test_a_database_that_is_not_as_migrate_left_it_does_not_take_the_copy(db, demo_rows):
    assert as_after_migrate(demo_rows)
    org_create(actor=None, code="SZQ", name="中共市中区委员会", kind=OrgKind.DISTRICT_COMMITTEE)
    assert not as_after_migrate(demo_rows)
