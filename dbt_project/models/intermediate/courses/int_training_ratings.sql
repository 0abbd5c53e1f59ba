-- The ratings the recommendation methods learn from, once per scope: 'serving' (what
-- rec_course_recommendations serves) learns from every current rating; 'evaluation' (what
-- rec_evaluation measures) from the training ratings of int_ratings_split only, so that
-- nothing of a held-out rating reaches a method. Every method is one model over both
-- scopes: the SQL evaluated is the SQL served.
with

ratings_split as (

    select * from {{ ref('int_ratings_split') }}

),

serving as (

    select
        'serving' as scope,
        user_id,
        course_id,
        programming_language,
        rating
    from ratings_split

),

evaluation as (

    select
        'evaluation' as scope,
        user_id,
        course_id,
        programming_language,
        rating
    from ratings_split
    where not is_held_out

),

final as (

    select * from serving
    union all
    select * from evaluation

)

select * from final
