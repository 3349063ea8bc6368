# Countries are picked from a list of ISO 3166 codes: existing lead countries are
# rewritten to their code where they can be placed (it -> IT, UK -> GB); the rest are
# kept and shown marked in the forms, to be fixed by hand.

from django.db import migrations

from perno.core.countries import recode_countries


def recode(apps, schema_editor):
    recode_countries(apps.get_model("sales", "Lead"))


class Migration(migrations.Migration):

    dependencies = [
        ('sales', '0007_customer_costs'),
    ]

    operations = [
        migrations.RunPython(recode, migrations.RunPython.noop),
    ]
