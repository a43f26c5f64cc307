"""Where the hub keeps state: the embedded default is one SQLite file in WAL mode."""
