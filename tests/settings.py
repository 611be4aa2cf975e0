"""Settings for the test run: fixed test-only secrets and test doubles, then the real settings.

The environment is set before ``shequ.config.settings`` is imported, so the suite never
depends on a developer's ``var/`` secrets.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("PII_ENCRYPTION_KEYS", "dGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY=")
os.environ.setdefault("PII_BLIND_INDEX_KEY", "test-blind-index-key-0123456789abcdef")
os.environ.setdefault("TASKS_IMMEDIATE", "1")
os.environ.setdefault("SMS_BACKEND", "tests.doubles.MemorySmsBackend")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The PostgreSQL pass runs on the production pool, sized for the concurrency tests' 40 racing
# threads (plus the test's own connection) so that they race at full width instead of queueing.
os.environ.setdefault("DB_POOL_MAX_SIZE", "45")

from shequ.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The suite calls the API far faster than anyone may in production; the throttling tests set
# their own small limits.
SHEQU_API_RATE_PER_USER_PER_MINUTE = 1_000_000
SHEQU_API_RATE_PER_CLIENT_PER_MINUTE = 1_000_000
