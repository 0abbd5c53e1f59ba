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

final as (

    {{ dimension_with_members(
        'known_users',
        'user_id',
        'ratings',
        [
            'email_domain',
            'is_inferred_member',
            'created_at',
        ]
    ) }}

)

select * from final
