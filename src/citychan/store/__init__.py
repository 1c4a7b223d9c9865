"""The store: the SQLite file with its connection, migrations and transactions (db), the
delivery records (deliveries), and incidents with their CAP messages (incidents). Every
``sqlite3.Error`` leaves it as a ``StoreError``."""
