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

final as (

    {{ dimension_with_members(
        'known_categories',
        'category_id',
        'film_categories',
        [
            'category_name',
            'is_inferred_member',
            'updated_at',
        ]
    ) }}

)

select * from final
