"""Running queries: the one runner, its worker processes, their sandbox, and the result cache."""
