"""WSGI entry point, used by ``smarketing serve``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings")
application = get_wsgi_application()
