-- Grain: one row per recommendation method: its hit rate at k on held-out ratings. Every
-- user with at least 2 current ratings has the latest held out (int_ratings_split); every
-- method learns from the other ratings only (scope 'evaluation' of the method models, the
-- same SQL as rec_course_recommendations serves) and recommends its top k; a hit is the
-- held-out course among them. users_evaluated counts every user with a held-out rating,
-- with or without recommendations; coverage is the share of all courses that are in at
-- least one evaluated user's top k.
with

ratings_split as (

    select * from {{ ref('int_ratings_split') }}

),

courses as (

    select * from {{ ref('stg_courses__courses') }}

),

recommendations as (

    select * from {{ ref('int_course_recommendations') }}

),

methods as (

    select distinct method
    from recommendations

),

held_out as (

    select
        user_id,
        course_id
    from ratings_split
    where is_held_out

),

evaluated_recommendations as (

    select
        recommendations.method,
        recommendations.user_id,
        recommendations.course_id,
        held_out.course_id = recommendations.course_id as is_hit
    from recommendations
    inner join held_out
        on recommendations.user_id = held_out.user_id
    where recommendations.scope = 'evaluation'

),

method_results as (

    select
        method,
        sum(case when is_hit then 1 else 0 end) as hits,
        count(distinct course_id) as courses_recommended
    from evaluated_recommendations
    group by method

),

evaluation_size as (

    select count(*) as users_evaluated
    from held_out

),

catalog_size as (

    select count(*) as course_count
    from courses

),

final as (

    select
        methods.method,
        cast({{ var('course_recommendations_per_user') }} as {{ dbt.type_int() }}) as k,
        cast(evaluation_size.users_evaluated as {{ dbt.type_int() }}) as users_evaluated,
        cast(coalesce(method_results.hits, 0) as {{ dbt.type_int() }}) as hits,
        cast(coalesce(method_results.hits, 0) as {{ type_double() }})
        / nullif(evaluation_size.users_evaluated, 0) as hit_rate,
        cast(coalesce(method_results.courses_recommended, 0) as {{ type_double() }})
        / nullif(catalog_size.course_count, 0) as coverage
    from methods
    cross join evaluation_size
    cross join catalog_size
    left join method_results
        on methods.method = method_results.method

)

select * from final
