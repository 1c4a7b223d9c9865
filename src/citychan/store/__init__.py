"""The store: the SQLite file with its connection, migrations and transactions (db), the
delivery records (deliveries), incidents with their CAP messages (incidents), and the
limits channels read from their servers (limits). Every ``sqlite3.Error`` leaves it as a
``StoreError``."""
