-- Revenue per store, with the meaning of pagila's view sales_by_store: store is "City,Country",
-- manager "First Last", total_sales the sum of the payments for rentals of the store's copies;
-- payments whose rental, copy, store, store address or manager is unknown are left out.
with

payments as (

    select * from {{ ref('fct_payments') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

staff as (

    select * from {{ ref('dim_staff') }}

),

store_payments as (

    select
        stores.store_id,
        stores.city_name,
        stores.country_name,
        managers.first_name as manager_first_name,
        managers.last_name as manager_last_name,
        payments.amount
    from payments
    inner join stores
        on payments.store_id = stores.store_id
    inner join staff as managers
        on stores.manager_staff_id = managers.staff_id
    where
        stores.store_id != -1
        and not stores.is_inferred_member
        and stores.city_name is not null
        and stores.country_name is not null
        and managers.staff_id != -1
        and not managers.is_inferred_member

),

final as (

    select
        city_name || ',' || country_name as store,
        manager_first_name || ' ' || manager_last_name as manager,
        cast(sum(amount) as numeric(14, 2)) as total_sales
    from store_payments
    group by
        country_name,
        city_name,
        store_id,
        manager_first_name,
        manager_last_name

)

select * from final
