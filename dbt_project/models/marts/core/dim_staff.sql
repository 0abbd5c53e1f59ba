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

inferred_staff as (

    select
        referenced_staff.staff_id,
        -1 as store_id,
        cast(null as text) as first_name,
        cast(null as text) as last_name,
        cast(null as text) as full_name,
        cast(null as text) as email_domain,
        cast(null as boolean) as is_active,
        true as is_inferred_member,
        cast(null as timestamp with time zone) as updated_at
    from referenced_staff
    left join staff
        on referenced_staff.staff_id = staff.staff_id
    where
        referenced_staff.staff_id is not null
        and staff.staff_id is null

),

unknown_staff as (

    select
        -1 as staff_id,
        -1 as store_id,
        cast(null as text) as first_name,
        cast(null as text) as last_name,
        cast(null as text) as full_name,
        cast(null as text) as email_domain,
        cast(null as boolean) as is_active,
        false as is_inferred_member,
        cast(null as timestamp with time zone) as updated_at

),

final as (

    select * from known_staff
    union all
    select * from inferred_staff
    union all
    select * from unknown_staff

)

select * from final
