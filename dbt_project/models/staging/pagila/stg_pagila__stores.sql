with

source as (

    select * from {{ source('pagila', 'store') }}

),

final as (

    select
        cast(store_id as {{ dbt.type_int() }}) as store_id,
        cast(manager_staff_id as {{ dbt.type_int() }}) as manager_staff_id,
        cast(address_id as {{ dbt.type_int() }}) as address_id,
        cast(last_update as {{ type_timestamptz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from source

)

select * from final
