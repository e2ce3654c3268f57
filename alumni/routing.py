"""Every socket route of the site, composed from each app's own routing."""

import community.routing
import groups.routing

websocket_urlpatterns = community.routing.websocket_urlpatterns + groups.routing.websocket_urlpatterns
