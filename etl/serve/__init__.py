"""`etl serve`: a local status page (127.0.0.1, a token in the URL) over `etl.status`, with retry and re-import."""
