with

source as (

    select * from {{ source('pagila', 'film_category') }}

),

final as (

    select
        cast(film_id as integer) as film_id,
        cast(category_id as integer) as category_id,
        cast(last_update as timestamp with time zone) as updated_at,
        cast(_loaded_at as timestamp with time zone) as _loaded_at,
        cast(_batch_id as text) as _batch_id
    from source

)

select * from final
