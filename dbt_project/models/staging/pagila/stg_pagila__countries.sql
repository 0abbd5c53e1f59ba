with

source as (

    select * from {{ source('pagila', 'country') }}

),

final as (

    select
        cast(country_id as {{ dbt.type_int() }}) as country_id,
        cast(country as {{ dbt.type_string() }}) as country_name,
        cast(last_update as {{ type_timestamptz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from source

)

select * from final
