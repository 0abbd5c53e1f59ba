with

source as (

    select * from {{ source('courses', 'users') }}

),

final as (

    select
        cast(user_id as {{ dbt.type_int() }}) as user_id,
        {{ email_user('email') }} as email_user,
        {{ email_domain('email') }} as email_domain,
        cast(created_at as {{ type_timestamptz() }}) as created_at,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from source

)

select * from final
