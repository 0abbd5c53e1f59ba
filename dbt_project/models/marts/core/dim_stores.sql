-- Stores, named as pagila names them ("City,Country"), with their manager. Beside the stores
-- of raw: inferred members for ids that inventory names, and the unknown member -1.
with

stores as (

    select * from {{ ref('stg_pagila__stores') }}

),

addresses as (

    select * from {{ ref('int_addresses_located') }}

),

inventory_items as (

    select * from {{ ref('stg_pagila__inventory_items') }}

),

known_stores as (

    select
        stores.store_id,
        stores.manager_staff_id,
        addresses.city_name || ',' || addresses.country_name as store_name,
        addresses.district,
        addresses.city_name,
        addresses.country_name,
        false as is_inferred_member,
        stores.updated_at
    from stores
    left join addresses
        on stores.address_id = addresses.address_id

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
