"""Support modules for bench/compare.py: a RESP client, server processes, and the report."""
