-- rpt_revenue_by_store says what pagila's own view sales_by_store says: the view's SQL, run
-- on raw, gives the same stores, managers and totals. Returns the rows that differ.
with

payments as (

    select * from {{ source('pagila', 'payment') }}

),

rentals as (

    select * from {{ source('pagila', 'rental') }}

),

inventory as (

    select * from {{ source('pagila', 'inventory') }}

),

stores as (

    select * from {{ source('pagila', 'store') }}

),

addresses as (

    select * from {{ source('pagila', 'address') }}

),

cities as (

    select * from {{ source('pagila', 'city') }}

),

countries as (

    select * from {{ source('pagila', 'country') }}

),

staff as (

    select * from {{ source('pagila', 'staff') }}

),

report as (

    select * from {{ ref('rpt_revenue_by_store') }}

),

pagila_view as (

    select
        cities.city || ',' || countries.country as store,
        managers.first_name || ' ' || managers.last_name as manager,
        sum(payments.amount) as total_sales
    from payments
    inner join rentals on payments.rental_id = rentals.rental_id
    inner join inventory on rentals.inventory_id = inventory.inventory_id
    inner join stores on inventory.store_id = stores.store_id
    inner join addresses on stores.address_id = addresses.address_id
    inner join cities on addresses.city_id = cities.city_id
    inner join countries on cities.country_id = countries.country_id
    inner join staff as managers on stores.manager_staff_id = managers.staff_id
    group by
        countries.country,
        cities.city,
        stores.store_id,
        managers.first_name,
        managers.last_name

),

final as (

    select
        coalesce(pagila_view.store, report.store) as store,
        coalesce(pagila_view.manager, report.manager) as manager,
        pagila_view.total_sales as pagila_total_sales,
        report.total_sales as report_total_sales
    from pagila_view
    full outer join report
        on
            pagila_view.store = report.store
            and pagila_view.manager = report.manager
    where
        pagila_view.store is null
        or report.store is null
        or pagila_view.total_sales != report.total_sales

)

select * from final
