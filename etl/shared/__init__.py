"""Types every layer shares: the neutral model, chunks and records, rejects, the exception tree."""
