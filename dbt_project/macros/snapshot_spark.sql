{#
    Snapshots on Spark with plain Parquet tables. dbt-spark's own snapshot materialization
    applies changes with MERGE, which only Delta, Iceberg and Hudi tables have, and refuses any
    other file format. This one is dbt-spark's with the MERGE replaced by a rewrite of the
    snapshot (snapshot_rewrite_sql): its rows, with dbt_valid_to set on the versions that the
    staging rows close, and the staging rows to insert. The rewrite is written to a work
    table first (Spark cannot overwrite a table it reads), then over the snapshot. Parquet is
    not transactional: a run killed between the two leaves the work table, which the next
    run replaces.
#}
{% materialization snapshot, adapter='spark' %}

    {%- set target_table = model.get('alias', model.get('name')) -%}
    {%- set strategy_name = config.get('strategy') -%}
    {%- set grant_config = config.get('grants') -%}

    {% set target_relation_exists, target_relation = get_or_create_relation(
        database=none,
        schema=model.schema,
        identifier=target_table,
        type='table') -%}

    {% if not adapter.check_schema_exists(model.database, model.schema) %}
        {% do create_schema(model.schema) %}
    {% endif %}

    {%- if not target_relation.is_table -%}
        {% do exceptions.relation_wrong_type(target_relation, 'table') %}
    {%- endif -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {% set strategy_macro = strategy_dispatch(strategy_name) %}
    {% set strategy = strategy_macro(
        model, "snapshotted_data", "source_data", model['config'], target_relation_exists
    ) %}

    {% if not target_relation_exists %}

        {% set build_sql = build_snapshot_table(strategy, model['compiled_code']) %}
        {% call statement('main') %}
            {{ create_table_as(False, target_relation, build_sql) }}
        {% endcall %}

    {% else %}

        {% set columns = config.get("snapshot_table_column_names") or get_snapshot_table_column_names() %}
        {{ adapter.valid_snapshot_target(target_relation, columns) }}

        {% set staging_table = spark_build_snapshot_staging_table(strategy, sql, target_relation) %}

        {% set missing_columns = adapter.get_missing_columns(staging_table, target_relation)
            | rejectattr('name', 'equalto', 'dbt_change_type')
            | rejectattr('name', 'equalto', 'DBT_CHANGE_TYPE')
            | rejectattr('name', 'equalto', 'dbt_unique_key')
            | rejectattr('name', 'equalto', 'DBT_UNIQUE_KEY')
            | list %}
        {% do create_columns(target_relation, missing_columns) %}

        {% set work_relation = target_relation.incorporate(
            path={'identifier': target_table ~ '__dbt_rewrite'}
        ) %}
        {% do adapter.drop_relation(work_relation) %}
        {% set target_columns = adapter.get_columns_in_relation(target_relation) %}

        {% call statement('rewrite') %}
            {{ create_table_as(False, work_relation, snapshot_rewrite_sql(
                target_relation, staging_table, target_columns, columns
            )) }}
        {% endcall %}
        {% call statement('main') %}
            insert overwrite table {{ target_relation }}
            select * from {{ work_relation }}
        {% endcall %}
        {% do adapter.drop_relation(work_relation) %}

    {% endif %}

    {% set should_revoke = should_revoke(target_relation_exists, full_refresh_mode) %}
    {% do apply_grants(target_relation, grant_config, should_revoke) %}
    {% do persist_docs(target_relation, model) %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}

    {% if staging_table is defined %}
        {% do post_snapshot(staging_table) %}
    {% endif %}

    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}

{#
    What dbt's snapshot MERGE makes of the snapshot `target` and the staging rows `staging`,
    as a query: every row of the snapshot, the current ones that staging updates or deletes
    closed at its dbt_valid_to, then staging's inserts; columns in the snapshot's order.
#}
{% macro snapshot_rewrite_sql(target, staging, target_columns, columns) -%}
    {%- set scd_id = adapter.quote(columns.dbt_scd_id) -%}
    {%- set valid_to = adapter.quote(columns.dbt_valid_to) -%}
    select
        {% for column in target_columns -%}
            {%- if column.name | lower == columns.dbt_valid_to | lower -%}
                case
                    when closing.{{ scd_id }} is not null then closing.{{ valid_to }}
                    else snapshotted.{{ valid_to }}
                end as {{ valid_to }}
            {%- else -%}
                snapshotted.{{ adapter.quote(column.name) }}
            {%- endif -%}
            {{ ',' if not loop.last }}
        {% endfor %}
    from {{ target }} as snapshotted
    left join (
        select {{ scd_id }}, {{ valid_to }}
        from {{ staging }}
        where dbt_change_type in ('update', 'delete')
    ) as closing
        on snapshotted.{{ scd_id }} = closing.{{ scd_id }}
        and (
            snapshotted.{{ valid_to }} is null
            {% if config.get('dbt_valid_to_current') -%}
                or snapshotted.{{ valid_to }} = {{ config.get('dbt_valid_to_current') }}
            {%- endif %}
        )
    union all
    select
        {% for column in target_columns -%}
            {{ adapter.quote(column.name) }}{{ ',' if not loop.last }}
        {% endfor %}
    from {{ staging }}
    where dbt_change_type = 'insert'
{%- endmacro %}
