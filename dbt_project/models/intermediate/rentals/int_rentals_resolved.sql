-- One row per rental, with the film and store of the rented copy and the film's rental
-- duration: the rental -> inventory -> film lookup that the rental and payment facts and the
-- film recommendations share. film_id and store_id are null when the copy is not (yet) in the
-- inventory, rental_duration_days when its film is not in the catalogue.
with

rentals as (

    select * from {{ ref('stg_pagila__rentals') }}

),

inventory_items as (

    select * from {{ ref('stg_pagila__inventory_items') }}

),

films as (

    select * from {{ ref('stg_pagila__films') }}

),

final as (

    select
        rentals.rental_id,
        rentals.inventory_id,
        rentals.customer_id,
        inventory_items.film_id,
        inventory_items.store_id,
        rentals.staff_id,
        films.rental_duration_days,
        rentals.rented_at,
        rentals.returned_at,
        rentals.updated_at,
        rentals._loaded_at,
        rentals._batch_id
    from rentals
    left join inventory_items
        on rentals.inventory_id = inventory_items.inventory_id
    left join films
        on inventory_items.film_id = films.film_id

)

select * from final
