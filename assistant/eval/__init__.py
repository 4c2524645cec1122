"""Evaluation: a fixed question set -> per-question rows and aggregates -> results.json and reports."""
