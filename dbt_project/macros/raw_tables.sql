{#
    The raw tables, where the warehouse does not hold them itself (the project's on-run-start).

    DuckDB and PostgreSQL: the loaders write raw_<source>.<table>; nothing to do.
    Spark: the loader publishes each raw table as Parquet versions in the lake (ELT_LAKE_URL,
    default `lake`, relative to the working directory of the dbt process, or any URL Spark
    reads): <lake>/raw/<source>/<table>/_current is a one-line text file naming the current
    version folder, <lake>/raw/<source>/<table>/<version>/ holds its files (in hive-style
    folders such as _month=2024-05/ for a partitioned table). Every source table of the
    project becomes a view raw_<source>.<table> over its current version, replaced at each
    run, so that each run reads the latest version whole. The loader's partition columns are
    not in the files, and the view reads the files without discovering partitions.
#}
{% macro register_raw_tables() -%}
    {{ return(adapter.dispatch('register_raw_tables')()) }}
{%- endmacro %}

{% macro default__register_raw_tables() -%}
{%- endmacro %}

{% macro spark__register_raw_tables() -%}
    {%- if execute and graph.sources -%}
        {%- set lake = env_var('ELT_LAKE_URL', 'lake') | trim -%}
        {%- set lake = lake[:-1] if lake.endswith('/') else lake -%}
        {#
            Every table's _current in one read. Spark skips files whose name begins with `_`
            unless told otherwise (ignoredPathSegmentRegex). _metadata.file_path is the
            file's absolute URL, so the views name absolute paths whatever the working
            directory of a later reader.
        #}
        {%- set current_versions -%}
            select
                regexp_replace(_metadata.file_path, '/_current$', '') as table_url,
                trim(value) as version
            from text.`{{ lake }}/raw/*/*/_current` with ('ignoredPathSegmentRegex' = '^[.]')
            where trim(value) <> ''
        {%- endset -%}
        {%- set versions = {} -%}
        {%- for row in run_query(current_versions) -%}
            {%- do versions.update({
                '/'.join(row['table_url'].split('/')[-2:]): row['table_url'] ~ '/' ~ row['version']
            }) -%}
        {%- endfor -%}
        {%- for source in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- set table_key = source.source_name ~ '/' ~ source.name -%}
            {%- if table_key not in versions -%}
                {%- do exceptions.raise_compiler_error(
                    'Source table ' ~ source.source_name ~ '.' ~ source.name ~ ' has no '
                    ~ lake ~ '/raw/' ~ table_key ~ '/_current (no version published in the '
                    ~ 'lake ELT_LAKE_URL): run the loader (elt load) for it first.'
                ) -%}
            {%- endif -%}
            {%- call statement('create_raw_schema') -%}
                create database if not exists {{ source.schema }}
            {%- endcall -%}
            {#
                recursiveFileLookup: every file under the version, without partition
                discovery, so the loader's partition folders (_month=...) add no column.
            #}
            {%- call statement('create_raw_view') -%}
                create or replace view {{ source.schema }}.{{ adapter.quote(source.identifier) }} as
                select * from parquet.`{{ versions[table_key] }}`
                with ('recursiveFileLookup' = 'true')
            {%- endcall -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
