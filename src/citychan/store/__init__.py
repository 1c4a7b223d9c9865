"""The store: an SQLite file or a PostgreSQL database behind one interface (db; the backends
in sqlite and pg), the delivery records (deliveries), incidents with their CAP messages
(incidents), scheduled posts (queue), the limits channels read from their servers (limits),
and export/import (transfer). Every database error leaves it as a ``StoreError``."""
