from django.db import migrations

# procedure.due: the writes told apart by the case they change (stamp_case): a number every such statement
# takes in turn, and one row per statement naming the case, its person and, where the person's row was
# written, the person's org. No model, as the stamp has none.
CREATE = [
    "ALTER TABLE procedure_write_stamp ADD COLUMN seq bigint NOT NULL DEFAULT 0",
    "CREATE TABLE procedure_write_case (seq bigint PRIMARY KEY, token varchar(32) NOT NULL,"
    " case_id bigint NOT NULL, pid varchar(64) NOT NULL, org_code varchar(64) NOT NULL)",
]
DROP = ["DROP TABLE procedure_write_case", "ALTER TABLE procedure_write_stamp DROP COLUMN seq"]


class Migration(migrations.Migration):
    dependencies = [
        ("procedure", "0007_write_stamp"),
    ]

    operations = [
        migrations.RunSQL(CREATE, reverse_sql=DROP),
    ]
