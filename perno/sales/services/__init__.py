"""Every write to pipelines, leads, deals, products and orders.

One module per entity; the names are re-exported here, so callers keep writing
``from perno.sales import services`` and ``services.deal_create(...)``."""

from perno.sales.services.costs import customer_cost_add
from perno.sales.services.deals import (
    DEAL_FIELDS,
    deal_create,
    deal_delete,
    deal_move,
    deal_update,
    default_pipeline,
)
from perno.sales.services.leads import (
    LEAD_FIELDS,
    lead_convert,
    lead_create,
    lead_delete,
    lead_update,
)
from perno.sales.services.orders import (
    CENT,
    LINE_FIELDS,
    ORDER_FIELDS,
    order_create,
    order_delete,
    order_update,
)
from perno.sales.services.pipelines import (
    pipeline_create,
    pipeline_delete,
    pipeline_update,
    stage_add,
    stage_delete,
    stage_update,
    stages_reorder,
)
from perno.sales.services.products import (
    PRODUCT_FIELDS,
    product_create,
    product_delete,
    product_update,
)

__all__ = [
    "CENT",
    "DEAL_FIELDS",
    "LEAD_FIELDS",
    "LINE_FIELDS",
    "ORDER_FIELDS",
    "PRODUCT_FIELDS",
    "customer_cost_add",
    "deal_create",
    "deal_delete",
    "deal_move",
    "deal_update",
    "default_pipeline",
    "lead_convert",
    "lead_create",
    "lead_delete",
    "lead_update",
    "order_create",
    "order_delete",
    "order_update",
    "pipeline_create",
    "pipeline_delete",
    "pipeline_update",
    "product_create",
    "product_delete",
    "product_update",
    "stage_add",
    "stage_delete",
    "stage_update",
    "stages_reorder",
]
