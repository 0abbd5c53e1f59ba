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

inferred_stores as (

    select distinct
        inventory_items.store_id,
        -1 as manager_staff_id,
        cast(null as text) as store_name,
        cast(null as text) as district,
        cast(null as text) as city_name,
        cast(null as text) as country_name,
        true as is_inferred_member,
        cast(null as timestamp with time zone) as updated_at
    from inventory_items
    left join stores
        on inventory_items.store_id = stores.store_id
    where
        inventory_items.store_id is not null
        and stores.store_id is null

),

unknown_store as (

    select
        -1 as store_id,
        -1 as manager_staff_id,
        cast(null as text) as store_name,
        cast(null as text) as district,
        cast(null as text) as city_name,
        cast(null as text) as country_name,
        false as is_inferred_member,
        cast(null as timestamp with time zone) as updated_at

),

final as (

    select * from known_stores
    union all
    select * from inferred_stores
    union all
    select * from unknown_store

)

select * from final
