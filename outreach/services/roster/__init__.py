"""The roster: read a sheet (CSV, TSV, JSON), check each row, and upsert people and posts."""
