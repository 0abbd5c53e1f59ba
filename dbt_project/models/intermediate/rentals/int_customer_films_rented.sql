-- One row per (customer, film) the customer has rented at least once: the input of the
-- "customers who rented this also rented" recommendations.
with

rentals as (

    select * from {{ ref('stg_pagila__rentals') }}

),

inventory_items as (

    select * from {{ ref('stg_pagila__inventory_items') }}

),

final as (

    select
        rentals.customer_id,
        inventory_items.film_id,
        count(*) as rental_count,
        min(rentals.rented_at) as first_rented_at,
        max(rentals.rented_at) as last_rented_at
    from rentals
    inner join inventory_items
        on rentals.inventory_id = inventory_items.inventory_id
    where rentals.customer_id is not null
    group by
        rentals.customer_id,
        inventory_items.film_id

)

select * from final
