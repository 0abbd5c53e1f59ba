-- The revenue of fct_payments is exactly the revenue of raw_pagila.payment (exact decimals:
-- not a cent lost or gained). Returns a row (fails) when the sums differ.
with

raw_payments as (

    select coalesce(sum(amount), 0) as total_amount from {{ source('pagila', 'payment') }}

),

fact_payments as (

    select coalesce(sum(amount), 0) as total_amount from {{ ref('fct_payments') }}

),

final as (

    select
        raw_payments.total_amount as raw_total_amount,
        fact_payments.total_amount as fact_total_amount
    from raw_payments
    cross join fact_payments
    where raw_payments.total_amount != fact_payments.total_amount

)

select * from final
