"""Customer insight profiles customers (scores, segments, survey answers): the register
gets a retention rule for that category and a purpose for customer analytics. Both are
starting points the DPO edits; an existing rule or purpose is left alone."""

from django.db import migrations

PURPOSE = {
    "code": "customer-analytics",
    "name": "Customer analytics and satisfaction surveys",
    "description": "Scoring customers from their purchases (RFM, lifetime value, loyalty and profitability) and asking them how satisfied they are, to serve and address them better.",
    "legal_basis": "legitimate_interest",
    "basis_detail": "Our legitimate interest in understanding and keeping our customers. Balancing: only purchase data and answers the customers gave us are used, no automated decision with legal effects is taken, scores are shown to staff with their reasons, and every customer can object at any time.",
    "data_subjects": "customers and their contact persons",
    "data_categories": ["identity", "contact", "profiling"],
    "recipients": "Our employees according to their role.",
    "security_measures": "Role-based access, audit trail, per-customer scores dropped with old snapshots.",
}


def create(apps, schema_editor):
    Purpose = apps.get_model("privacy", "Purpose")
    RetentionRule = apps.get_model("privacy", "RetentionRule")
    RetentionRule.objects.get_or_create(
        category="profiling",
        defaults={
            "days": 730,
            "justification": "Scores and survey answers older than two years no longer describe the customer; profiling is kept short (Art. 5(1)(c) and (e)).",
        },
    )
    Purpose.objects.get_or_create(code=PURPOSE["code"], defaults=PURPOSE)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0006_key_rotations")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
