"""The server-error page. Django's own handler would do, but it renders the
template with an empty context: the header would lose the site's name. This
one adds the name from settings and nothing else, so a broken database, cache
or request still gets the styled page with the crisis bar."""

from django.conf import settings
from django.http import HttpRequest, HttpResponseServerError
from django.template import loader


def server_error(request: HttpRequest | None = None) -> HttpResponseServerError:
    html = loader.get_template("500.html").render({"site_name": settings.SITE_NAME})
    return HttpResponseServerError(html)
