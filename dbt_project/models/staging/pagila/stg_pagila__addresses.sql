with

source as (

    select * from {{ source('pagila', 'address') }}

),

final as (

    select
        cast(address_id as integer) as address_id,
        cast(city_id as integer) as city_id,
        cast(address as text) as address_line_1,
        -- pagila stores a missing second line, postal code or phone as '' or NULL: keep NULL
        nullif(trim(address2), '') as address_line_2,
        cast(district as text) as district,
        nullif(trim(postal_code), '') as postal_code,
        nullif(trim(phone), '') as phone,
        cast(last_update as timestamp with time zone) as updated_at,
        cast(_loaded_at as timestamp with time zone) as _loaded_at,
        cast(_batch_id as text) as _batch_id
    from source

)

select * from final
