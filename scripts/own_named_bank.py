"""The demo bank as a bank that names everything its own way, for tests and the offline
Snowflake build: six tables and 21 columns renamed (vars input_tables and input_columns map
them back), customer ids as zero-padded text, months as timestamps on any day of the month,
product types spelled for people. Built from the contract tables, it must give the demo's
features, segments and marts."""

from __future__ import annotations

OWN_TABLES = {
    "customers": "crm_clients",
    "customer_activity": "client_behaviour",
    "products": "product_catalogue",
    "product_holdings": "contracts",
    "balances": "monthly_positions",
    "revenues": "monthly_income",
}
OWN_COLUMNS = {
    "customers": {
        "customer_id": "client_no",
        "birth_date": "date_of_birth",
        "customer_since": "relationship_start",
        "tier": "service_level",
        "annual_income": "income_yearly",
        "occupation": "job",
    },
    "customer_activity": {"customer_id": "client_no", "month_date": "period"},
    "products": {"product_id": "prod_code", "product_name": "label", "product_type": "category"},
    "product_holdings": {
        "customer_id": "client_no",
        "product_id": "prod_code",
        "opened_on": "start_date",
        "closed_on": "end_date",
    },
    "balances": {
        "customer_id": "client_no",
        "product_id": "prod_code",
        "month_date": "position_date",
        "balance": "amount",
        "loaded_at": "ingested_at",
    },
    "revenues": {
        "customer_id": "client_no",
        "product_id": "prod_code",
        "month_date": "booking_month",
        "revenue": "fee_income",
    },
}
OWN_PRODUCT_TYPES = {
    "current_account": "Current Account",
    "savings": "SAVINGS",
    "credit_card": "Crédit / Card",
    "mortgage": "(Mortgage)",
    "consumer_loan": "[Consumer Loan]",
    "investment": " Invèstment",
    "insurance": "Insurance/",
}
OWN_VARS = {"input_tables": OWN_TABLES, "input_columns": OWN_COLUMNS, "customer_id_type": "bigint"}
OWN_EXPRESSIONS = {
    "customer_id": "lpad(cast(customer_id as varchar), 8, '0')",
    "month_date": "cast(month_date as timestamp) - interval '20 days' + interval '9 hours'",
    "product_type": "case product_type "
    + " ".join(f"when '{name}' then '{spelling}'" for name, spelling in OWN_PRODUCT_TYPES.items())
    + " end",
    "loaded_at": "cast(current_timestamp as timestamp)",
}


def own_bank_statements(schema: str, columns: dict[str, list[str]]) -> list[str]:
    """SQL (DuckDB, Postgres and Snowflake) that turns the contract tables in schema, with the given
    columns, into the own-named bank of OWN_TABLES and OWN_COLUMNS, and drops the contract tables."""
    statements = []
    for table, own_table in OWN_TABLES.items():
        renamed = OWN_COLUMNS[table]
        names = columns[table] + (["loaded_at"] if "loaded_at" in renamed else [])
        select = ", ".join(f"{OWN_EXPRESSIONS.get(name, name)} as {renamed.get(name, name)}" for name in names)
        statements.append(f"create table {schema}.{own_table} as select {select} from {schema}.{table}")
    return statements + [f"drop table {schema}.{table}" for table in OWN_TABLES]
