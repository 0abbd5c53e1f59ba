-- Users of the e-learning app: e-mail only as its domain. Beside the users of raw: inferred
-- members for ids that ratings name, and the unknown member -1.
with

users as (

    select * from {{ ref('stg_courses__users') }}

),

ratings as (

    select * from {{ ref('stg_courses__ratings') }}

),

known_users as (

    select
        user_id,
        email_domain,
        false as is_inferred_member,
        created_at
    from users

),

inferred_users as (

    select distinct
        ratings.user_id,
        cast(null as text) as email_domain,
        true as is_inferred_member,
        cast(null as timestamp with time zone) as created_at
    from ratings
    left join users
        on ratings.user_id = users.user_id
    where
        ratings.user_id is not null
        and users.user_id is null

),

unknown_user as (

    select
        -1 as user_id,
        cast(null as text) as email_domain,
        false as is_inferred_member,
        cast(null as timestamp with time zone) as created_at

),

final as (

    select * from known_users
    union all
    select * from inferred_users
    union all
    select * from unknown_user

)

select * from final
