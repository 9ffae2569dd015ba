"""'My appointments': a patient account's appointments and patients, across practices."""
