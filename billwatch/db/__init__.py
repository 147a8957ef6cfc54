"""The database layer: models, engine and session, store, queries and migrations."""
