with

source as (

    select * from {{ source('pagila', 'country') }}

),

final as (

    select
        cast(country_id as integer) as country_id,
        cast(country as text) as country_name,
        cast(last_update as timestamp with time zone) as updated_at,
        cast(_loaded_at as timestamp with time zone) as _loaded_at,
        cast(_batch_id as text) as _batch_id
    from source

)

select * from final
