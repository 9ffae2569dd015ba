"""The JSON API (django-ninja): used by the staff agenda itself and by integrators.

Every route lives under `/api/practices/<slug>/`; `TenancyMiddleware` resolves the practice and
the member for it exactly as for `/app/<slug>/` pages, so a route only asks the policy module
what the member may do. The OpenAPI document is at `/api/openapi.json`, its page at `/api/docs`.
"""
