# Countries are picked from a list of ISO 3166 codes: existing values are rewritten to
# their code where they can be placed (it -> IT, UK -> GB); the rest are kept and shown
# marked in the forms, to be fixed by hand.

from django.db import migrations, models

from perno.core.countries import recode_countries


def recode(apps, schema_editor):
    for name in ("Company", "Contact", "Address"):
        recode_countries(apps.get_model("contacts", name))


class Migration(migrations.Migration):

    dependencies = [
        ('contacts', '0006_affiliation_job_title_not_copied'),
    ]

    operations = [
        migrations.AlterField(
            model_name='company',
            name='country',
            field=models.CharField(blank=True, max_length=2, verbose_name='country'),
        ),
        migrations.RunPython(recode, migrations.RunPython.noop),
    ]
