"""Demo data for ``crmlens demo``: a coherent, reproducible synthetic CRM in every canonical table.

``generate_demo(con, customers=20_000, seed=42)`` drops and refills the canonical tables of a DuckDB
connection with three years (2023-2025) of customers, orders, web events, surveys, reviews, tickets,
campaigns, B2B deals and competitor prices, and records ``as_of`` = 2025-12-31 in the meta table.
"""

from crmlens.engine.demo.catalog import COMPETITOR_NAMES, OUR_BRAND
from crmlens.engine.demo.generate import MAX_CUSTOMERS, DemoReport, generate_demo
from crmlens.engine.demo.timeline import DEMO_END, DEMO_START

__all__ = [
    "COMPETITOR_NAMES",
    "DEMO_END",
    "DEMO_START",
    "MAX_CUSTOMERS",
    "OUR_BRAND",
    "DemoReport",
    "generate_demo",
]
