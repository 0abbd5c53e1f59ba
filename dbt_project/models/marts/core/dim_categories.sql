with

categories as (

    select * from {{ ref('stg_pagila__categories') }}

),

film_categories as (

    select * from {{ ref('stg_pagila__film_categories') }}

),

known_categories as (

    select
        category_id,
        category_name,
        false as is_inferred_member,
        updated_at
    from categories

),

inferred_categories as (

    select distinct
        film_categories.category_id,
        cast(null as text) as category_name,
        true as is_inferred_member,
        cast(null as timestamp with time zone) as updated_at
    from film_categories
    left join categories
        on film_categories.category_id = categories.category_id
    where
        film_categories.category_id is not null
        and categories.category_id is null

),

unknown_category as (

    select
        -1 as category_id,
        cast(null as text) as category_name,
        false as is_inferred_member,
        cast(null as timestamp with time zone) as updated_at

),

final as (

    select * from known_categories
    union all
    select * from inferred_categories
    union all
    select * from unknown_category

)

select * from final
