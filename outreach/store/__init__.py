"""The only layer that speaks SQL: tables, engines, migrations and named queries."""
