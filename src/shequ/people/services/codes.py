"""One-time codes sent by SMS (registration, password reset): how long one is valid and how
many wrong tries it takes."""

from datetime import timedelta

CODE_TTL = timedelta(minutes=10)
CODE_ATTEMPTS = 5
