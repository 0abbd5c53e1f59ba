with

source as (

    select * from {{ source('pagila', 'staff') }}

),

final as (

    select
        cast(staff_id as {{ dbt.type_int() }}) as staff_id,
        cast(store_id as {{ dbt.type_int() }}) as store_id,
        cast(address_id as {{ dbt.type_int() }}) as address_id,
        cast(first_name as {{ dbt.type_string() }}) as first_name,
        cast(last_name as {{ dbt.type_string() }}) as last_name,
        cast(username as {{ dbt.type_string() }}) as username,
        {{ email_user('email') }} as email_user,
        {{ email_domain('email') }} as email_domain,
        cast(active as {{ dbt.type_boolean() }}) as is_active,
        -- the picture itself (bytea) stays in raw
        picture is not null as has_picture,
        cast(last_update as {{ type_timestamptz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from source

)

select * from final
