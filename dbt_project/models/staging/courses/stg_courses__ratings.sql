with

source as (

    select * from {{ source('courses', 'ratings') }}

),

final as (

    select
        cast(user_id as {{ dbt.type_int() }}) as user_id,
        cast(course_id as {{ dbt.type_int() }}) as course_id,
        cast(rating as {{ dbt.type_int() }}) as rating,
        cast(rated_at as {{ type_timestamptz() }}) as rated_at,
        cast(updated_at as {{ type_timestamptz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from source
    -- rows deleted in the source (the loader's deletes: soft) are left out
    where _deleted_at is null

)

select * from final
