"""A contact linked to a company on creation had its job title copied into the link;
the job title may be confidential on the contact, so the copies go (pages show the
contact's own job title, as the viewer may see it)."""

from django.db import migrations
from django.db.models import F


def forward(apps, schema_editor):
    Affiliation = apps.get_model("contacts", "Affiliation")
    Affiliation.objects.exclude(job_title="").filter(job_title=F("contact__job_title")).update(
        job_title=""
    )


class Migration(migrations.Migration):
    dependencies = [("contacts", "0005_external_ids")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
