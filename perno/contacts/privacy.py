from perno.contacts.models import Address, Affiliation, Company, Contact, CustomFieldDefinition
from perno.core.privacy import declare

declare(
    Contact,
    subject="the contact itself",
    personal={
        "first_name": "identity",
        "last_name": "identity",
        "email": "contact",
        "phone": "contact",
        "mobile": "contact",
        "job_title": "professional",
        "language": "preferences",
        "country": "address",
        "notes": "free_text",
        "custom_fields": "free_text",
        "external_id": "identity",
    },
    erasure="delete",
    retain_from="updated_at",
    about=("pk",),
)
declare(
    Company,
    subject="sole traders and the people named in notes",
    personal={
        "email": "contact",
        "phone": "contact",
        "notes": "free_text",
        "custom_fields": "free_text",
        "name": "identity",
        "vat_number": "identity",
        "website": "contact",
        "external_id": "identity",
    },
    not_personal={"industry", "country"},
    erasure="delete",
    retain_from="updated_at",
    about_note="a company is the contact's employer, not the contact: its links (affiliations) are exported and erased",
)
declare(
    Address,
    subject="the contact (or sole trader) it belongs to",
    personal={
        "street": "address",
        "city": "address",
        "postal_code": "address",
        "region": "address",
        "country": "address",
    },
    not_personal={"kind"},
    erasure="delete",
    retain_from="updated_at",
    about=("contact",),
)
declare(
    Affiliation,
    subject="the contact",
    personal={"job_title": "professional"},
    erasure="delete",
    retained_with="contact",
    about=("contact",),
)
declare(
    CustomFieldDefinition,
    personal={},
    not_personal={"entity", "key", "label", "field_type", "choices"},
)
