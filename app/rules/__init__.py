"""Domain rules as plain Python: no Flask, no database. Each cites its rule id."""
