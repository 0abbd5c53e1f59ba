with

source as (

    select * from {{ source('pagila', 'inventory') }}

),

final as (

    select
        cast(inventory_id as {{ dbt.type_int() }}) as inventory_id,
        cast(film_id as {{ dbt.type_int() }}) as film_id,
        cast(store_id as {{ dbt.type_int() }}) as store_id,
        cast(last_update as {{ type_timestamptz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from source

)

select * from final
