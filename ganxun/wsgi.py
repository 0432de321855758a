import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ganxun.settings")
application = get_wsgi_application()


def _freeze_loaded_code() -> None:
    """Import every view (the URLconf) now, then move all objects alive at start-up out of the
    cyclic garbage collector's reach: they live as long as the process, and without this each
    full collection walks the whole of Django and the project again — pauses of ~100 ms in the
    middle of requests that allocate much (an LRS batch of 1,000 statements)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    gc.collect()
    gc.freeze()


_freeze_loaded_code()
