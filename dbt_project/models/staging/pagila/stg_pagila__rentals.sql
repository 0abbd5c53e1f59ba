with

source as (

    select * from {{ source('pagila', 'rental') }}

),

final as (

    select
        cast(rental_id as {{ dbt.type_int() }}) as rental_id,
        cast(inventory_id as {{ dbt.type_int() }}) as inventory_id,
        cast(customer_id as {{ dbt.type_int() }}) as customer_id,
        cast(staff_id as {{ dbt.type_int() }}) as staff_id,
        cast(rental_date as {{ type_timestamptz() }}) as rented_at,
        cast(return_date as {{ type_timestamptz() }}) as returned_at,
        cast(last_update as {{ type_timestamptz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from source
    -- rows deleted in the source (the loader's deletes: soft) are left out
    where _deleted_at is null

)

select * from final
