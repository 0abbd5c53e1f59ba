with

source as (

    select * from {{ source('courses', 'users') }}

),

final as (

    select
        cast(user_id as integer) as user_id,
        {{ email_user('email') }} as email_user,
        {{ email_domain('email') }} as email_domain,
        cast(created_at as timestamp with time zone) as created_at,
        cast(_loaded_at as timestamp with time zone) as _loaded_at,
        cast(_batch_id as text) as _batch_id
    from source

)

select * from final
