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

final as (

    {{ dimension_with_members(
        'known_customers',
        'customer_id',
        'referenced_customers',
        [
            'store_id', 'city_name', 'country_name', 'email_domain', 'is_active',
            'is_inferred_member', 'is_current', 'created_date', 'valid_from', 'valid_to',
            'updated_at',
        ],
        overrides={'store_id': '-1'},
        surrogate_key='customer_sk',
    ) }}

)

select * from final
