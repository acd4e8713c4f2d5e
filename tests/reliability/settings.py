"""The product's settings for the processes the reliability tests start, with two changes:
every export runs as a background job, and emails are recorded one by one, slowly, to a file."""

from config.settings import *  # noqa: F403

DOCUMENTS_BACKGROUND_ROWS = 0
EMAIL_BACKEND = "tests.reliability.mailbox.SlowFileBackend"
REMINDERS_EVERY = 3600
JOB_LEASE_SECONDS = 600
