-- Per scope, user and method, the recommended courses of every method model, in one
-- relation: rec_course_recommendations serves its 'serving' scope, rec_evaluation measures
-- its 'evaluation' scope, so what is measured is what is served.
with

by_rating as (

    select * from {{ ref('int_course_recommendations_by_rating') }}

),

by_popularity as (

    select * from {{ ref('int_course_recommendations_by_popularity') }}

),

by_similarity as (

    select * from {{ ref('int_course_recommendations_by_similarity') }}

),

final as (

    select * from by_rating
    union all
    select * from by_popularity
    union all
    select * from by_similarity

)

select * from final
