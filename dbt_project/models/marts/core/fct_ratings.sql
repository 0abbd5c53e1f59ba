{{
    config(
        materialized='incremental',
        unique_key=['user_id', 'course_id'],
        incremental_strategy=incremental_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_rows_gone_from(ref('stg_courses__ratings'), ['user_id', 'course_id']) }}",
    )
}}

-- Grain: one row per (user, course): the user's current rating of the course. A re-rating
-- replaces the row (raw keeps one row per key; should it ever hold several versions, the
-- latest updated_at wins).
with

ratings as (

    select * from {{ ref('stg_courses__ratings') }}
    {% if reads_new_rows_only() %}
        where {{ loaded_since_last_build() }}
    {% endif %}

),

current_ratings as (

    {{ deduplicate('ratings', 'user_id, course_id', 'updated_at desc, _loaded_at desc') }}

),

final as (

    select
        user_id,
        course_id,
        rating,
        {{ spine_date_key(utc_date('rated_at')) }} as rated_date_key,
        {{ spine_date_key(utc_date('updated_at')) }} as updated_date_key,
        rated_at,
        updated_at,
        _loaded_at,
        _batch_id
    from current_ratings

)

select * from final
