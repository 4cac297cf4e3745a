"""Tests of the pages people use (query, validate, ontology, regions) in a real browser."""
