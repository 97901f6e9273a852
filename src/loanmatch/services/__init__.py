"""Use cases as plain functions: simulate, train, recommend, evaluate."""
