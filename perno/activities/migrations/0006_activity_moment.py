from django.db import migrations, models

# Adding the column directly: on SQLite, Django would rebuild the activities table.
ADD = "ALTER TABLE activities_activity ADD COLUMN moment varchar(8) DEFAULT '' NOT NULL"
DROP = "ALTER TABLE activities_activity DROP COLUMN moment"


class Migration(migrations.Migration):
    dependencies = [("activities", "0005_survey_kind")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(ADD, DROP)],
            state_operations=[
                migrations.AddField(
                    model_name="activity",
                    name="moment",
                    field=models.CharField(
                        blank=True,
                        choices=[
                            ("", "—"),
                            ("positive", "Strongly positive"),
                            ("negative", "Strongly negative"),
                        ],
                        db_default="",
                        help_text="Flag an interaction that strongly shaped how the customer feels (a complaint, a rescue, praise): it is listed on the contact's page.",
                        max_length=8,
                        verbose_name="moment of truth",
                    ),
                )
            ],
        )
    ]
