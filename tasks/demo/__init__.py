"""The 2010 campaign replayed with synthetic but plausible unit behaviour (for `make demo`)."""
