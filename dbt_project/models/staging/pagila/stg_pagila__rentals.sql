with

source as (

    select * from {{ source('pagila', 'rental') }}

),

final as (

    select
        cast(rental_id as integer) as rental_id,
        cast(inventory_id as integer) as inventory_id,
        cast(customer_id as integer) as customer_id,
        cast(staff_id as integer) as staff_id,
        cast(rental_date as timestamp with time zone) as rented_at,
        cast(return_date as timestamp with time zone) as returned_at,
        cast(last_update as timestamp with time zone) as updated_at,
        cast(_loaded_at as timestamp with time zone) as _loaded_at,
        cast(_batch_id as text) as _batch_id
    from source

)

select * from final
