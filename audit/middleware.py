from audit.context import acting_as, client_ip


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        with acting_as(user=user, ip=client_ip(request)):
            return self.get_response(request)
