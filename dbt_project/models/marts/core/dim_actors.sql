with

actors as (

    select * from {{ ref('stg_pagila__actors') }}

),

film_actors as (

    select * from {{ ref('stg_pagila__film_actors') }}

),

known_actors as (

    select
        actor_id,
        first_name,
        last_name,
        false as is_inferred_member,
        updated_at
    from actors

),

final as (

    {{ dimension_with_members(
        'known_actors',
        'actor_id',
        'film_actors',
        [
            'first_name',
            'last_name',
            'is_inferred_member',
            'updated_at',
        ]
    ) }}

)

select * from final
