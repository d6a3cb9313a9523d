"""Where the data lives: the dataset layout and query-to-bytes (``dataset``), the backends (memory,
disk, remote), remote SPARQL stores, the policy registry, versions and their differences."""
