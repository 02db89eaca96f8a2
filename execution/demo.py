"""Demo payments and allocations (issue 5)."""
