"""What patients are sent: confirmation, change, cancellation and reminder emails, SMS reminders.

See docs/notifications.md. `log` is the notification log (exactly once), `email` builds every
email that leaves Carnet, `events` turns agenda changes into log rows, `reminders` is the sweep,
`sending` sends what is due, `links` and `views` are the patient's cancel page.
"""
