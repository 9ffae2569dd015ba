"""Two-way sync with practitioners' external calendars, provider-neutral (docs/calendar-sync.md).

The engine (mapping table, conflict rule, sync tokens, the outbox consumer) lives here; each
provider (`google/`) only maps, lists changes since a token, writes, deletes and watches.
"""
