-- One row per customer with what snap_customers keeps the history of: the home store, the
-- address and the city and country it is in, the e-mail domain, the active flag. No personal
-- data (no name, street, phone or e-mail user): the snapshot keeps every version for ever.
-- updated_at is the latest change of the customer or of its address, city or country rows:
-- the snapshot dates a new version from it (its check strategy's updated_at).
with

customers as (

    select * from {{ ref('stg_pagila__customers') }}

),

addresses as (

    select * from {{ ref('int_addresses_located') }}

),

final as (

    select
        customers.customer_id,
        customers.store_id,
        customers.address_id,
        addresses.city_name,
        addresses.country_name,
        customers.email_domain,
        customers.is_active,
        customers.created_date,
        -- greatest ignores NULLs on both engines
        greatest(customers.updated_at, addresses.updated_at) as updated_at
    from customers
    left join addresses
        on customers.address_id = addresses.address_id

)

select * from final
