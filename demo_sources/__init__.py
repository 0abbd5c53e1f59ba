"""Demo sources: pagila-compatible and courses databases in an embedded PostgreSQL server.

They let the warehouse run on a fresh machine with no database server and no network::

    from demo_sources import add_day, ensure_demo

    pagila_url, courses_url = ensure_demo()  # starts the server, builds the data once
    add_day(pagila_url, courses_url)         # one more day of rentals, payments and ratings
"""

from demo_sources.demo import add_day, create_demo, ensure_demo, next_day, row_counts
from demo_sources.server import connection_params, database_url, demo_dir, embedded_server_uri

__all__ = [
    "add_day",
    "connection_params",
    "create_demo",
    "database_url",
    "demo_dir",
    "embedded_server_uri",
    "ensure_demo",
    "next_day",
    "row_counts",
]
