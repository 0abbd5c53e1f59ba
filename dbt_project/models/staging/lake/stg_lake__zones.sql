with

source as (

    select * from {{ source('lake', 'zones') }}

),

final as (

    select
        cast({{ adapter.quote('LocationID') }} as {{ dbt.type_int() }}) as zone_id,
        cast({{ adapter.quote('Borough') }} as {{ dbt.type_string() }}) as borough,
        cast({{ adapter.quote('Zone') }} as {{ dbt.type_string() }}) as zone_name,
        cast(service_zone as {{ dbt.type_string() }}) as service_zone,
        cast(_file as {{ dbt.type_string() }}) as _file,
        cast(_line as {{ dbt.type_int() }}) as _line,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from source

)

select * from final
