"""Pure computation: tables and decimals in, tables and decimals out.

Nothing here imports files, Excel or SQLite. Each rule of SPEC §6 is a small function that
can be tested on its own; :func:`jxbatch.compute.month.score_month` composes them.
"""
