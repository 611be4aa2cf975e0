"""Test-run environment, set before Django reads its settings."""

import os

# Fixed keys for tests only: the suite must never depend on a developer's var/ secrets.
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("PII_ENCRYPTION_KEYS", "dGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY=")
os.environ.setdefault("PII_BLIND_INDEX_KEY", "test-blind-index-key-0123456789abcdef")
os.environ.setdefault("TASKS_IMMEDIATE", "1")
os.environ.setdefault("SMS_BACKEND", "tests.doubles.MemorySmsBackend")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
