"""Dagster: every raw table and every dbt model as an asset in one graph."""
