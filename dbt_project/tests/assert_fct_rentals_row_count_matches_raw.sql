-- fct_rentals holds every rental of raw_pagila.rental, once. Returns a row when counts differ.
with

raw_rentals as (

    select count(*) as row_count from {{ source('pagila', 'rental') }}

),

fact_rentals as (

    select count(*) as row_count from {{ ref('fct_rentals') }}

),

final as (

    select
        raw_rentals.row_count as raw_row_count,
        fact_rentals.row_count as fact_row_count
    from raw_rentals
    cross join fact_rentals
    where raw_rentals.row_count != fact_rentals.row_count

)

select * from final
