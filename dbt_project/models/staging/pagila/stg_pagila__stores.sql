with

source as (

    select * from {{ source('pagila', 'store') }}

),

final as (

    select
        cast(store_id as integer) as store_id,
        cast(manager_staff_id as integer) as manager_staff_id,
        cast(address_id as integer) as address_id,
        cast(last_update as timestamp with time zone) as updated_at,
        cast(_loaded_at as timestamp with time zone) as _loaded_at,
        cast(_batch_id as text) as _batch_id
    from source

)

select * from final
