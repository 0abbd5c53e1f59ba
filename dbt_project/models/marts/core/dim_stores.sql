-- Stores, named as pagila names them ("City,Country"), with their manager. Beside the stores
-- of raw: inferred members for ids that inventory names, and the unknown member -1.
with

stores as (

    select * from {{ ref('stg_pagila__stores') }}

),

addresses as (

    select * from {{ ref('stg_pagila__addresses') }}

),

cities as (

    select * from {{ ref('stg_pagila__cities') }}

),

countries as (

    select * from {{ ref('stg_pagila__countries') }}

),

inventory_items as (

    select * from {{ ref('stg_pagila__inventory_items') }}

),

known_stores as (

    select
        stores.store_id,
        stores.manager_staff_id,
        cities.city_name || ',' || countries.country_name as store_name,
        addresses.district,
        cities.city_name,
        countries.country_name,
        false as is_inferred_member,
        stores.updated_at
    from stores
    left join addresses
        on stores.address_id = addresses.address_id
    left join cities
        on addresses.city_id = cities.city_id
    left join countries
        on cities.country_id = countries.country_id

),

final as (

    {{ dimension_with_members(
        'known_stores',
        'store_id',
        'inventory_items',
        [
            'manager_staff_id',
            'store_name',
            'district',
            'city_name',
            'country_name',
            'is_inferred_member',
            'updated_at',
        ],
        {'manager_staff_id': '-1'}
    ) }}

)

select * from final
