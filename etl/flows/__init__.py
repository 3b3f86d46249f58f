"""The flow registry: every flow module declares its `FLOW` (etl/flows/flow.py); here they are listed.

A new flow is its module with a `FLOW = Flow(...)` and one line below (plus its source layout, target
layout, template and schemas).
"""

from __future__ import annotations

from etl.flows import (
    articles,
    catalog,
    cross_selling,
    customers,
    documents,
    erp_orders,
    orders,
    payment_requests,
    shipments,
    stock,
)
from etl.flows.flow import Flow, Media

FLOWS: dict[str, Flow] = {module.FLOW.name: module.FLOW for module in (
    orders,
    customers,
    catalog,
    articles,
    stock,
    shipments,
    documents,
    erp_orders,
    cross_selling,
    payment_requests,
)}

__all__ = ["FLOWS", "Flow", "Media"]
