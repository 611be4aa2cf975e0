"""WSGI entry point (gunicorn shequ.config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.config.settings")
application = get_wsgi_application()

from shequ.people.selectors import refuse_demo_accounts_in_production  # noqa: E402

refuse_demo_accounts_in_production()
