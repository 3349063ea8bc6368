"""A new installation starts with a register a small business can adapt: four common
purposes and a retention rule per data category. The DPO edits both in the UI."""

from django.db import migrations

PURPOSES = [
    {
        "code": "customer-management",
        "name": "Customer relationship management",
        "description": "Managing customers, prospects and their contact persons: offers, orders, support, the history of our relationship.",
        "legal_basis": "contract",
        "basis_detail": "Contracts with customers and steps taken at their request before a contract; for contact persons at companies, our legitimate interest in dealing with their employer.",
        "data_subjects": "customers, prospects, contact persons at customer companies",
        "data_categories": ["identity", "contact", "address", "professional", "free_text", "file"],
        "recipients": "Our employees according to their role; the hosting provider of Perno as processor.",
        "security_measures": "Role-based access, two-factor authentication for privileged roles, encrypted transport, audit trail of reads and changes, backups.",
    },
    {
        "code": "newsletter",
        "name": "Newsletter and commercial offers",
        "description": "Sending news and offers by e-mail.",
        "legal_basis": "consent",
        "basis_detail": "Consent given with double opt-in; withdrawn at any time through the link in every e-mail.",
        "is_direct_marketing": True,
        "data_subjects": "subscribers",
        "data_categories": ["identity", "contact", "consent"],
        "recipients": "Marketing staff; the e-mail delivery provider as processor.",
        "security_measures": "Access limited to marketing roles; unsubscribe without log-in.",
    },
    {
        "code": "accounting",
        "name": "Accounting and tax records",
        "description": "Keeping invoices and accounting records as tax law requires.",
        "legal_basis": "legal_obligation",
        "basis_detail": "Tax and accounting law (e.g. art. 2220 of the Italian civil code: ten years).",
        "data_subjects": "customers",
        "data_categories": ["identity", "address"],
        "recipients": "Accountants and tax authorities.",
        "security_measures": "Access limited to administrative roles.",
    },
    {
        "code": "security",
        "name": "Security of the CRM",
        "description": "Protecting log-ins and keeping the audit trail of who read and changed personal data.",
        "legal_basis": "legitimate_interest",
        "basis_detail": "Security of processing (Art. 32) and accountability (Art. 5(2)).",
        "data_subjects": "users of Perno",
        "data_categories": ["network", "usage", "credentials", "pseudonym"],
        "recipients": "Administrators and the data protection officer.",
        "security_measures": "Append-only, hash-chained audit trail.",
    },
]

RETENTION = {
    "identity": (3650, "Ten years after the last change: the limitation period for contractual claims."),
    "contact": (3650, "Kept with the identity data."),
    "address": (3650, "Kept with the identity data."),
    "professional": (3650, "Kept with the identity data."),
    "preferences": (3650, "Kept with the identity data."),
    "free_text": (3650, "Notes and activities document the relationship; kept like it."),
    "file": (3650, "Documents of the relationship; kept like it."),
    "credentials": (None, "Kept while the user account exists."),
    "network": (180, "Security logs: six months."),
    "usage": (180, "Search history and usage: six months."),
    "consent": (None, "The proof of consent is kept while the contact exists (Art. 7(1))."),
    "pseudonym": (None, "Audit trail entries hold only pseudonyms; kept for accountability."),
}


def create(apps, schema_editor):
    Purpose = apps.get_model("privacy", "Purpose")
    RetentionRule = apps.get_model("privacy", "RetentionRule")
    Controller = apps.get_model("privacy", "Controller")
    for spec in PURPOSES:
        Purpose.objects.get_or_create(code=spec["code"], defaults=spec)
    for category, (days, why) in RETENTION.items():
        RetentionRule.objects.get_or_create(
            category=category, defaults={"days": days, "justification": why}
        )
    Controller.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
