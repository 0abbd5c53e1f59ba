-- One row per (customer, film) the customer has rented at least once: the input of the
-- "customers who rented this also rented" recommendations.
with

rentals as (

    select * from {{ ref('int_rentals_resolved') }}

),

final as (

    select
        customer_id,
        film_id,
        count(*) as rental_count,
        min(rented_at) as first_rented_at,
        max(rented_at) as last_rented_at
    from rentals
    where
        customer_id is not null
        -- a copy missing from the inventory names no film
        and film_id is not null
    group by
        customer_id,
        film_id

)

select * from final
