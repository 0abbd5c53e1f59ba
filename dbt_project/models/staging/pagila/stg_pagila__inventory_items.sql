with

source as (

    select * from {{ source('pagila', 'inventory') }}

),

final as (

    select
        cast(inventory_id as integer) as inventory_id,
        cast(film_id as integer) as film_id,
        cast(store_id as integer) as store_id,
        cast(last_update as timestamp with time zone) as updated_at,
        cast(_loaded_at as timestamp with time zone) as _loaded_at,
        cast(_batch_id as text) as _batch_id
    from source

)

select * from final
