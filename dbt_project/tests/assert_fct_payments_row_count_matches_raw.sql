-- fct_payments holds every payment of raw_pagila.payment, once: the row counts are equal.
-- Returns a row (fails) when they differ.
with

raw_payments as (

    select count(*) as row_count from {{ source('pagila', 'payment') }}

),

fact_payments as (

    select count(*) as row_count from {{ ref('fct_payments') }}

),

final as (

    select
        raw_payments.row_count as raw_row_count,
        fact_payments.row_count as fact_row_count
    from raw_payments
    cross join fact_payments
    where raw_payments.row_count != fact_payments.row_count

)

select * from final
