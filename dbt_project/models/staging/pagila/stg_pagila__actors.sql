with

source as (

    select * from {{ source('pagila', 'actor') }}

),

final as (

    select
        cast(actor_id as integer) as actor_id,
        cast(first_name as text) as first_name,
        cast(last_name as text) as last_name,
        cast(last_update as timestamp with time zone) as updated_at,
        cast(_loaded_at as timestamp with time zone) as _loaded_at,
        cast(_batch_id as text) as _batch_id
    from source

)

select * from final
