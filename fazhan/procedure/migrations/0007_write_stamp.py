from django.db import migrations

# procedure.due: the token every write to the record changes (no model: no flush, no admin, no ORM save).
CREATE = [
    "CREATE TABLE procedure_write_stamp (id integer PRIMARY KEY, token varchar(32) NOT NULL)",
    "INSERT INTO procedure_write_stamp (id, token) VALUES (1, 'initial')",
]


class Migration(migrations.Migration):
    dependencies = [
        ("procedure", "0006_step_person_identity"),
    ]

    operations = [
        migrations.RunSQL(CREATE, reverse_sql=["DROP TABLE procedure_write_stamp"]),
    ]
