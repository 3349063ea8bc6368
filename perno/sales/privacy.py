from perno.core.privacy import declare
from perno.sales.models import (
    CustomerCost,
    Deal,
    Lead,
    Order,
    OrderLine,
    Pipeline,
    Product,
    Stage,
)

declare(
    Lead,
    subject="the prospect itself",
    personal={
        "first_name": "identity",
        "last_name": "identity",
        "company_name": "identity",
        "job_title": "professional",
        "email": "contact",
        "phone": "contact",
        "country": "address",
        "notes": "free_text",
    },
    not_personal={"source", "status"},
    erasure="delete",
    retain_from="updated_at",
    about=("converted_contact",),
)
declare(
    Deal,
    subject="its contact",
    personal={
        "notes": "free_text",
        "close_reason": "free_text",
        "custom_fields": "free_text",
        "title": "free_text",
    },
    not_personal={"currency", "status", "expected_close_date"},
    erasure="anonymize",
    reason="a deal's amounts and dates are business records kept for accounting; what names or describes the person is blanked",
    anonymized={"title": "—"},
    retain_from="updated_at",
    about=("contact",),
    shared=("company",),  # a company's deal is the company's: only the person's names go
    redacted={"title"},  # a kept deal keeps its title, without the person's names
)
declare(Product, personal={}, not_personal={"name", "sku", "description", "currency"})
declare(Pipeline, personal={}, not_personal={"name"})
declare(Stage, personal={}, not_personal={"name", "kind"})
declare(
    Order,
    subject="its buyer, when a person",
    personal={"contact": "identity"},
    not_personal={"number", "currency", "status", "source", "ordered_on"},
    erasure="anonymize",
    reason="orders are accounting records the law keeps (10 years in Italy and Romania); the link to the person is cut, the amounts stay",
    retain_from="ordered_on",
    about=("contact",),
)
declare(OrderLine, personal={}, not_personal={"description"})
declare(
    CustomerCost,
    subject="the customer it was spent on, when a person",
    personal={"contact": "profiling", "description": "free_text"},
    not_personal={"incurred_on"},
    erasure="delete",
    retain_from="incurred_on",
    about=("contact",),
)
