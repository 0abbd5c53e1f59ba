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

    select * from {{ ref('stg_pagila__addresses') }}

),

cities as (

    select * from {{ ref('stg_pagila__cities') }}

),

countries as (

    select * from {{ ref('stg_pagila__countries') }}

),

final as (

    select
        customers.customer_id,
        customers.store_id,
        customers.address_id,
        cities.city_name,
        countries.country_name,
        customers.email_domain,
        customers.is_active,
        customers.created_date,
        -- greatest ignores NULLs on both engines
        greatest(
            customers.updated_at,
            addresses.updated_at,
            cities.updated_at,
            countries.updated_at
        ) as updated_at
    from customers
    left join addresses
        on customers.address_id = addresses.address_id
    left join cities
        on addresses.city_id = cities.city_id
    left join countries
        on cities.country_id = countries.country_id

)

select * from final
