with

source as (

    select * from {{ source('pagila', 'city') }}

),

final as (

    select
        cast(city_id as {{ dbt.type_int() }}) as city_id,
        cast(country_id as {{ dbt.type_int() }}) as country_id,
        cast(city as {{ dbt.type_string() }}) as city_name,
        cast(last_update as {{ type_timestamptz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from source

)

select * from final
