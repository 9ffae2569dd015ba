"""`python -m carnet.emulators.google_calendar --port 8765`: the emulator in the foreground."""

from __future__ import annotations

import argparse
import threading

from .emulator import GoogleCalendarEmulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A local Google Calendar API v3 emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--quota-per-minute", type=int, default=600)
    parser.add_argument("--quota-status", type=int, choices=(403, 429), default=403)
    parser.add_argument(
        "--user",
        default="practitioner@example.com",
        help="the account the authorization endpoint signs in",
    )
    parser.add_argument("--time-zone", default="UTC", help="zone of new calendars")
    args = parser.parse_args(argv)
    emulator = GoogleCalendarEmulator(
        host=args.host,
        port=args.port,
        quota_per_minute=args.quota_per_minute,
        quota_status=args.quota_status,
        default_user=args.user,
        default_time_zone=args.time_zone,
    )
    emulator.start()
    print(f"Google Calendar emulator listening on {emulator.base_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
