"""Settings by mode: ``development`` (the default of ``manage.py`` and Celery), ``production``
(set by the image: ``DJANGO_SETTINGS_MODULE=compliance.settings.production``) and ``test``.
The package itself holds none, so no process can start on settings it did not choose."""
