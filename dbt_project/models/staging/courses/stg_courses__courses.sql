with

source as (

    select * from {{ source('courses', 'courses') }}

),

final as (

    select
        cast(course_id as {{ dbt.type_int() }}) as course_id,
        cast(title as {{ dbt.type_string() }}) as title,
        cast(description as {{ dbt.type_string() }}) as description,
        -- the course notes fill a missing language with 'R': var('missing_programming_language')
        coalesce(
            cast(programming_language as {{ dbt.type_string() }}),
            {{ dbt.string_literal(var('missing_programming_language')) }}
        ) as programming_language,
        programming_language is null as is_programming_language_filled,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from source

)

select * from final
