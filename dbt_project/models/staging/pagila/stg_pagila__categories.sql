with

source as (

    select * from {{ source('pagila', 'category') }}

),

final as (

    select
        cast(category_id as integer) as category_id,
        cast(name as text) as category_name,
        cast(last_update as timestamp with time zone) as updated_at,
        cast(_loaded_at as timestamp with time zone) as _loaded_at,
        cast(_batch_id as text) as _batch_id
    from source

)

select * from final
