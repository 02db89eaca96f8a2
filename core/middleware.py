"""Responses that must not be kept by a browser or a proxy (issue 17 §10).

``NoStoreMiddleware``: every response to a signed-in user, and every API response, carries
``Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private`` (Django's ``never_cache``), so a
shared computer's back button or disk cache, or a proxy, never shows a finance page after sign-out. Static files
are served by WhiteNoise before this middleware runs and keep their long cache lifetimes; pages for anonymous
visitors (the sign-in page) are left as their views make them.
"""

from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Asked before the view runs too: signing out (or the idle timeout) makes the user anonymous on the way back.
        private = request.path.startswith("/api/") or _signed_in(request)
        response = self.get_response(request)
        if private or _signed_in(request):
            add_never_cache_headers(response)
        return response


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated
