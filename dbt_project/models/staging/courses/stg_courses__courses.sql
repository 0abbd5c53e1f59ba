with

source as (

    select * from {{ source('courses', 'courses') }}

),

final as (

    select
        cast(course_id as integer) as course_id,
        cast(title as text) as title,
        cast(description as text) as description,
        -- the course notes fill a missing language with 'R': var('missing_programming_language')
        coalesce(
            cast(programming_language as text),
            {{ dbt.string_literal(var('missing_programming_language')) }}
        ) as programming_language,
        programming_language is null as is_programming_language_filled,
        cast(_loaded_at as timestamp with time zone) as _loaded_at,
        cast(_batch_id as text) as _batch_id
    from source

)

select * from final
