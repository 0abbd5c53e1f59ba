-- Fact rows whose date dim_dates cannot hold: a non-NULL instant keyed to the unknown day -1
-- (infinity, year 1, BC, or outside var('date_spine_start')..var('date_spine_end')). The rows
-- are kept; this warns with how many there are, per fact and column.
{{ config(severity='warn', fail_calc='coalesce(sum(undated_rows), 0)') }}

with

undated as (

    select
        'fct_rentals' as fact,
        'rented_at' as date_column,
        count(*) as undated_rows
    from {{ ref('fct_rentals') }}
    where rented_at is not null and rental_date_key = -1
    union all
    select
        'fct_rentals' as fact,
        'returned_at' as date_column,
        count(*) as undated_rows
    from {{ ref('fct_rentals') }}
    where returned_at is not null and return_date_key = -1
    union all
    select
        'fct_payments' as fact,
        'paid_at' as date_column,
        count(*) as undated_rows
    from {{ ref('fct_payments') }}
    where paid_at is not null and payment_date_key = -1
    union all
    select
        'fct_ratings' as fact,
        'rated_at' as date_column,
        count(*) as undated_rows
    from {{ ref('fct_ratings') }}
    where rated_at is not null and rated_date_key = -1
    union all
    select
        'fct_ratings' as fact,
        'updated_at' as date_column,
        count(*) as undated_rows
    from {{ ref('fct_ratings') }}
    where updated_at is not null and updated_date_key = -1

),

final as (

    select * from undated
    where undated_rows > 0

)

select * from final
