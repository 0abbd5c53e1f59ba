-- Customers without their personal data: where they live (city, country), their store, their
-- e-mail domain; one row per version (SCD type 2, from snap_customers): a customer who moved
-- has a row per address, each valid over [valid_from, valid_to) (macros/history.sql).
-- Beside the customers of the snapshot: inferred members for ids that rentals or payments
-- name but the customer table does not have yet, and the unknown member -1, each one version
-- valid for all time.
with

customer_versions as (

    {{ versions_of(ref('snap_customers'), 'customer_id', 'customer_sk') }}

),

rentals as (

    select * from {{ ref('stg_pagila__rentals') }}

),

payments as (

    select * from {{ ref('stg_pagila__payments') }}

),

known_customers as (

    select
        customer_sk,
        customer_id,
        store_id,
        city_name,
        country_name,
        email_domain,
        is_active,
        false as is_inferred_member,
        is_current,
        created_date,
        valid_from,
        valid_to,
        updated_at
    from customer_versions

),

referenced_customers as (

    select customer_id from rentals
    union
    select customer_id from payments

),

inferred_customers as (

    select
        {{ version_key('referenced_customers.customer_id', history_start()) }} as customer_sk,
        referenced_customers.customer_id,
        -1 as store_id,
        cast(null as {{ dbt.type_string() }}) as city_name,
        cast(null as {{ dbt.type_string() }}) as country_name,
        cast(null as {{ dbt.type_string() }}) as email_domain,
        cast(null as {{ dbt.type_boolean() }}) as is_active,
        true as is_inferred_member,
        true as is_current,
        cast(null as date) as created_date,
        {{ history_start() }} as valid_from,
        {{ history_end() }} as valid_to,
        cast(null as {{ type_timestamptz() }}) as updated_at
    from referenced_customers
    left join customer_versions
        on referenced_customers.customer_id = customer_versions.customer_id
    where
        referenced_customers.customer_id is not null
        and customer_versions.customer_id is null

),

unknown_customer as (

    select
        {{ version_key('-1', history_start()) }} as customer_sk,
        -1 as customer_id,
        -1 as store_id,
        cast(null as {{ dbt.type_string() }}) as city_name,
        cast(null as {{ dbt.type_string() }}) as country_name,
        cast(null as {{ dbt.type_string() }}) as email_domain,
        cast(null as {{ dbt.type_boolean() }}) as is_active,
        false as is_inferred_member,
        true as is_current,
        cast(null as date) as created_date,
        {{ history_start() }} as valid_from,
        {{ history_end() }} as valid_to,
        cast(null as {{ type_timestamptz() }}) as updated_at

),

final as (

    select * from known_customers
    union all
    select * from inferred_customers
    union all
    select * from unknown_customer

)

select * from final
