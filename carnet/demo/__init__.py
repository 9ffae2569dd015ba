"""The demo practice that `carnet demo` seeds once and then serves (see `seed.py`)."""
