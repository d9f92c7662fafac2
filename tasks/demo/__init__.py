"""A campaign replayed with synthetic but plausible unit behaviour (for `make demo`), from its `demo:` section."""
