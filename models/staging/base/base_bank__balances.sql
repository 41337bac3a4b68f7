{#- Every balances input row, typed, with the first quarantine rule it breaks. -#}
{{ dq_monthly_fact_config() }}
{{ dq_monthly_amounts('balances', 'balance') }}
