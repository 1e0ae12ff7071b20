from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "fazhan.people"

    def ready(self) -> None:
        from fazhan.auditlog.registry import trail_register
        from fazhan.people.models import DisciplineRecord, Kinship, Person, Transfer

        # Identity (the ID number only as its keyed look-up digest), place and membership: what the rules
        # and the registers read of a person. The phone and the derived search fields are left out.
        trail_register(
            Person,
            fields=(
                *("pid", "name", "id_number_key", "id_number_valid", "gender", "birth_date", "ethnicity"),
                *("education", "occupation", "tags", "household_place", "residence", "floating"),
                *("work_unit", "position", "native_place", "work_started_on"),
                *("front_line", "league_member", "org", "work_unit_org", "planned_departure"),
                *("party_status", "joined_on", "full_since"),
            ),
            names={"pid": "pid"},
        )
        trail_register(
            Transfer,
            fields=("person", "date", "from_org", "to_org", "materials_transferred"),
            names={"person": "person__pid", "date": "date"},
        )
        trail_register(Kinship, fields=("a", "b", "relation"), names={"a": "a__pid", "b": "b__pid"})
        trail_register(
            DisciplineRecord,
            fields=("person", "kind", "date_from", "date_to", "rights_restored_on", "note"),
            names={"person": "person__pid", "from": "date_from"},
        )
