-- Store staff: names are kept (pagila's own reports name a store's manager), e-mail only as
-- its domain; username, password and picture stay out. Beside the staff of raw: inferred
-- members for ids that rentals, payments or stores name, and the unknown member -1.
with

staff as (

    select * from {{ ref('stg_pagila__staff') }}

),

rentals as (

    select * from {{ ref('stg_pagila__rentals') }}

),

payments as (

    select * from {{ ref('stg_pagila__payments') }}

),

stores as (

    select * from {{ ref('stg_pagila__stores') }}

),

known_staff as (

    select
        staff_id,
        store_id,
        first_name,
        last_name,
        first_name || ' ' || last_name as full_name,
        email_domain,
        is_active,
        false as is_inferred_member,
        updated_at
    from staff

),

referenced_staff as (

    select staff_id from rentals
    union
    select staff_id from payments
    union
    select manager_staff_id as staff_id from stores

),

final as (

    {{ dimension_with_members(
        'known_staff',
        'staff_id',
        'referenced_staff',
        [
            'store_id',
            'first_name',
            'last_name',
            'full_name',
            'email_domain',
            'is_active',
            'is_inferred_member',
            'updated_at',
        ],
        {'store_id': '-1'}
    ) }}

)

select * from final
