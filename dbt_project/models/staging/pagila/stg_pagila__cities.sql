with

source as (

    select * from {{ source('pagila', 'city') }}

),

final as (

    select
        cast(city_id as integer) as city_id,
        cast(country_id as integer) as country_id,
        cast(city as text) as city_name,
        cast(last_update as timestamp with time zone) as updated_at,
        cast(_loaded_at as timestamp with time zone) as _loaded_at,
        cast(_batch_id as text) as _batch_id
    from source

)

select * from final
