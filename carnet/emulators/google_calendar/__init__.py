"""A local Google Calendar (API v3 + OAuth) for tests and the demo: see docs/google-emulator.md."""

from .emulator import GoogleCalendarEmulator

__all__ = ["GoogleCalendarEmulator"]
