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

inferred_actors as (

    select distinct
        film_actors.actor_id,
        cast(null as text) as first_name,
        cast(null as text) as last_name,
        true as is_inferred_member,
        cast(null as timestamp with time zone) as updated_at
    from film_actors
    left join actors
        on film_actors.actor_id = actors.actor_id
    where
        film_actors.actor_id is not null
        and actors.actor_id is null

),

unknown_actor as (

    select
        -1 as actor_id,
        cast(null as text) as first_name,
        cast(null as text) as last_name,
        false as is_inferred_member,
        cast(null as timestamp with time zone) as updated_at

),

final as (

    select * from known_actors
    union all
    select * from inferred_actors
    union all
    select * from unknown_actor

)

select * from final
