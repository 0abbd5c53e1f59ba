with

source as (

    select * from {{ source('courses', 'ratings') }}

),

final as (

    select
        cast(user_id as integer) as user_id,
        cast(course_id as integer) as course_id,
        cast(rating as integer) as rating,
        cast(rated_at as timestamp with time zone) as rated_at,
        cast(updated_at as timestamp with time zone) as updated_at,
        cast(_loaded_at as timestamp with time zone) as _loaded_at,
        cast(_batch_id as text) as _batch_id
    from source

)

select * from final
