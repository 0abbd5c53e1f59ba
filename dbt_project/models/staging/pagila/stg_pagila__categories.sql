with

source as (

    select * from {{ source('pagila', 'category') }}

),

final as (

    select
        cast(category_id as {{ dbt.type_int() }}) as category_id,
        cast(name as {{ dbt.type_string() }}) as category_name,
        cast(last_update as {{ type_timestamptz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from source

)

select * from final
