"""Demo execution figures (issue 5)."""
