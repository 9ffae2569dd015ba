"""Google Calendar: the first provider of `carnet.calsync`."""
