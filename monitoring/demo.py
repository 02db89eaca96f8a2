"""Demo monitoring round, tables, warnings and disposals (issue 5)."""
