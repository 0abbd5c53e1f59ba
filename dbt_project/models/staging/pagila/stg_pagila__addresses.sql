with

source as (

    select * from {{ source('pagila', 'address') }}

),

final as (

    select
        cast(address_id as {{ dbt.type_int() }}) as address_id,
        cast(city_id as {{ dbt.type_int() }}) as city_id,
        cast(address as {{ dbt.type_string() }}) as address_line_1,
        -- pagila stores a missing second line, postal code or phone as '' or NULL: keep NULL
        nullif(trim(address2), '') as address_line_2,
        cast(district as {{ dbt.type_string() }}) as district,
        nullif(trim(postal_code), '') as postal_code,
        nullif(trim(phone), '') as phone,
        cast(last_update as {{ type_timestamptz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from source

)

select * from final
