{#
    publish_marts: on Spark, the marts as analysts see them (write, audit, publish), run by
    orchestration/serving/publish.py after a dbt build whose tests all passed:
        dbt run-operation publish_marts --args '{marts_schema: marts, published_schema: analytics}'
    Every table of the marts is copied into a new database (analytics__<utc time>); then each
    view of the published schema is pointed at its copy, so a reader sees a whole copy, never a
    table being written. The copy before stays for readers still on it; older ones are dropped.
    It logs "published: {table: rows, ...}" for the caller. DuckDB and PostgreSQL publish from
    Python (a file of its own; one transaction).
#}

{% macro publish_marts(marts_schema, published_schema) -%}
    {{ return(adapter.dispatch('publish_marts')(marts_schema, published_schema)) }}
{%- endmacro %}

{% macro default__publish_marts(marts_schema, published_schema) -%}
    {{ exceptions.raise_compiler_error(
        'publish_marts is for Spark; on ' ~ target.type ~ ' orchestration/serving/publish.py publishes'
    ) }}
{%- endmacro %}

{% macro spark__publish_marts(marts_schema, published_schema) -%}
    {%- set copy = published_schema ~ '__' ~ modules.datetime.datetime.utcnow().strftime('%Y%m%d%H%M%S%f') -%}
    {%- set tables = [] -%}
    {%- for row in run_query('show tables in ' ~ marts_schema) -%}
        {%- if not row['isTemporary'] -%}
            {%- do tables.append(row['tableName']) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do run_query('create database ' ~ copy) -%}
    {%- set counts = {} -%}
    {%- for table in tables | sort -%}
        {%- do run_query(
            'create table ' ~ copy ~ '.' ~ table ~ ' using parquet as select * from '
            ~ marts_schema ~ '.' ~ table
        ) -%}
        {%- set counted = run_query('select count(*) from ' ~ copy ~ '.' ~ table) -%}
        {%- do counts.update({table: counted.columns[0].values()[0] | int}) -%}
    {%- endfor -%}
    {%- do run_query('create database if not exists ' ~ published_schema) -%}
    {%- for table in tables | sort -%}
        {%- do run_query(
            'create or replace view ' ~ published_schema ~ '.' ~ table ~ ' as select * from '
            ~ copy ~ '.' ~ table
        ) -%}
    {%- endfor -%}
    {%- for row in run_query('show tables in ' ~ published_schema) -%}
        {%- if not row['isTemporary'] and row['tableName'] not in counts -%}
            {%- do run_query('drop view if exists ' ~ published_schema ~ '.' ~ row['tableName']) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set copies = [] -%}
    {%- for row in run_query('show databases') -%}
        {%- if row[0].startswith(published_schema ~ '__') -%}
            {%- do copies.append(row[0]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for old in (copies | sort)[:-2] -%}
        {%- do run_query('drop database if exists ' ~ old ~ ' cascade') -%}
    {%- endfor -%}
    {{ log('published: ' ~ tojson(counts), info=True) }}
{%- endmacro %}
