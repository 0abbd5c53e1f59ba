with

source as (

    select * from {{ source('pagila', 'staff') }}

),

final as (

    select
        cast(staff_id as integer) as staff_id,
        cast(store_id as integer) as store_id,
        cast(address_id as integer) as address_id,
        cast(first_name as text) as first_name,
        cast(last_name as text) as last_name,
        cast(username as text) as username,
        {{ email_user('email') }} as email_user,
        {{ email_domain('email') }} as email_domain,
        cast(active as boolean) as is_active,
        -- the picture itself (bytea) stays in raw
        picture is not null as has_picture,
        cast(last_update as timestamp with time zone) as updated_at,
        cast(_loaded_at as timestamp with time zone) as _loaded_at,
        cast(_batch_id as text) as _batch_id
    from source

)

select * from final
