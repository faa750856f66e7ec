"""DuckDB warehouse: schema and migrations, every SQL statement, the query interface."""
