-- Customers without their personal data: where they live (city, country), their store, their
-- e-mail domain. Beside the customers of raw: inferred members for ids that rentals or
-- payments name but the customer table does not have yet, and the unknown member -1.
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

rentals as (

    select * from {{ ref('stg_pagila__rentals') }}

),

payments as (

    select * from {{ ref('stg_pagila__payments') }}

),

known_customers as (

    select
        customers.customer_id,
        customers.store_id,
        cities.city_name,
        countries.country_name,
        customers.email_domain,
        customers.is_active,
        false as is_inferred_member,
        customers.created_date,
        customers.updated_at
    from customers
    left join addresses
        on customers.address_id = addresses.address_id
    left join cities
        on addresses.city_id = cities.city_id
    left join countries
        on cities.country_id = countries.country_id

),

referenced_customers as (

    select customer_id from rentals
    union
    select customer_id from payments

),

inferred_customers as (

    select
        referenced_customers.customer_id,
        -1 as store_id,
        cast(null as text) as city_name,
        cast(null as text) as country_name,
        cast(null as text) as email_domain,
        cast(null as boolean) as is_active,
        true as is_inferred_member,
        cast(null as date) as created_date,
        cast(null as timestamp with time zone) as updated_at
    from referenced_customers
    left join customers
        on referenced_customers.customer_id = customers.customer_id
    where
        referenced_customers.customer_id is not null
        and customers.customer_id is null

),

unknown_customer as (

    select
        -1 as customer_id,
        -1 as store_id,
        cast(null as text) as city_name,
        cast(null as text) as country_name,
        cast(null as text) as email_domain,
        cast(null as boolean) as is_active,
        false as is_inferred_member,
        cast(null as date) as created_date,
        cast(null as timestamp with time zone) as updated_at

),

final as (

    select * from known_customers
    union all
    select * from inferred_customers
    union all
    select * from unknown_customer

)

select * from final
