"""The store: the SQLite database with its migrations (db), deliveries, and incidents."""
