"""Tuning the blame-language check: authors' feedback on its findings, leads' review, and the vocabulary."""
